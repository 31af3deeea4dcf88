/* The service state machine: starting in dependency order, readiness, exits, restarts with backoff
 * and start limits, stopping (ExecStop, KillSignal, TimeoutStopSec, SIGKILL), and shutdown in
 * reverse order. Driven by svcmgr_dispatch (time passing, dependencies changing),
 * svcmgr_child_exited and notify messages; nothing here waits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "svc_cgroup.h"
#include "svc_check.h"
#include "svc_conditions.h"
#include "svc_dirs.h"
#include "svc_load.h"
#include "svc_log.h"
#include "svc_notify.h"
#include "svc_run.h"
#include "svc_spawn.h"
#include "svc_table.h"
#include "sys.h"

#define PROBE_INTERVAL_MS 250
#define KILL_GRACE_MS 5000
#define BACKOFF_MAX_MS 30000.0

static double ms(uint64_t usec)
{
	return usec == UNIT_INFINITY ? 0 : (double)usec / 1000.0;
}

static void release_main_pidfd(struct svcmgr *m, struct svc *s)
{
	if (s->main_pidfd >= 0) {
		epoll_ctl(m->epfd, EPOLL_CTL_DEL, s->main_pidfd, NULL);
		close(s->main_pidfd);
		s->main_pidfd = -1;
	}
}

/* A main process named by the service (MAINPID=, PIDFile=) rather than forked by PID 1. */
static void adopt_main(struct svcmgr *m, struct svc *s, pid_t pid)
{
	release_main_pidfd(m, s);
	s->main_pid = pid;
	int fd = ek_sys.pidfd_open(pid);
	if (fd < 0) {
		ek_debug("%s: pidfd_open(%d): %s", s->name, (int)pid, strerror(errno));
		return;
	}
	s->main_pidfd = fd;
	if (svc_epoll_add(m, fd, SVC_EPOLL_TAG_PIDFD | (unsigned long long)(s - m->v)) < 0)
		ek_debug("%s: watching pid %d: %s", s->name, (int)pid, strerror(errno));
}

/* Signals the main process; through its pidfd when there is one, so a reused PID is never hit. */
static void kill_main(struct svc *s, int sig)
{
	if (s->main_pid <= 0)
		return;
	if (s->main_pidfd >= 0)
		ek_sys.pidfd_send_signal(s->main_pidfd, sig);
	else
		ek_sys.kill(s->main_pid, sig);
}

/* "Settled" for ordering: nothing more will happen to it without a new request. */
static bool settled(const struct svc *d)
{
	return d->state == SVC_RUNNING || d->state == SVC_EXITED || d->state == SVC_FAILED ||
	       d->state == SVC_SKIPPED || d->state == SVC_INACTIVE;
}

static bool up(const struct svc *d)
{
	return d->state == SVC_RUNNING || d->state == SVC_EXITED || d->state == SVC_SKIPPED;
}

static bool deps_ready(struct svcmgr *m, struct svc *s)
{
	for (size_t i = 0; i < s->nrequires; i++) {
		struct svc *d = &m->v[s->requires[i]];
		if (d->state == SVC_FAILED) {
			snprintf(s->why, sizeof s->why, "waiting: requires %s, which failed", d->name);
			return false;
		}
		if (!up(d)) {
			snprintf(s->why, sizeof s->why, "waiting for %s (required)", d->name);
			return false;
		}
	}
	for (size_t i = 0; i < s->nafter; i++) {
		struct svc *d = &m->v[s->after[i]];
		if (d->wanted && !settled(d)) {
			snprintf(s->why, sizeof s->why, "waiting for %s (ordered after it)", d->name);
			return false;
		}
	}
	return true;
}

static void run_next(struct svcmgr *m, struct svc *s);

/* Ordered after multi-user.target or default.target: started once boot has ended. */
static bool after_boot_end(const struct svcmgr *m, const struct svc *s)
{
	for (size_t i = 0; i < s->nafter; i++) {
		const char *n = m->v[s->after[i]].name;
		if (!strcmp(n, "multi-user.target") || !strcmp(n, "default.target"))
			return true;
	}
	return false;
}

/* The run ended badly (or by itself): record how, then stop what is left of it. */
static void end_run(struct svcmgr *m, struct svc *s, enum svc_result r)
{
	s->result = r;
	svc_begin_stop(m, s, true);
}

static void spawn_or_fail(struct svcmgr *m, struct svc *s, const struct unit_exec *cmd, bool main_process)
{
	char err[200] = "";
	pid_t pid = svc_spawn(m, s, cmd, main_process, err, sizeof err);
	if (pid < 0) {
		ek_err("%s: %s", s->name, err);
		snprintf(s->why, sizeof s->why, "cannot start %s: %s", cmd->path, err);
		end_run(m, s, SVC_R_FAILED);
		return;
	}
	if (main_process)
		s->main_pid = pid;
	else
		s->ctl_pid = pid;
	svc_log_note(m, s, "started %s (pid %d)", cmd->path, (int)pid);
}

static void begin_start(struct svcmgr *m, struct svc *s)
{
	double now = ek_sys.now_ms();
	/* A new run: a definition daemon-reload kept waiting takes over now. */
	svc_apply_next_def(m, s);
	/* StartLimitBurst within StartLimitIntervalSec. */
	if (s->u.start_limit_interval != UNIT_INFINITY &&
	    start_limit_hit(&s->start_limit, now, ms(s->u.start_limit_interval), s->u.start_limit_burst)) {
		svc_set_state(m, s, SVC_FAILED, "start limit hit: %u starts within %.0f s", s->start_limit.count,
			      ms(s->u.start_limit_interval) / 1000.0);
		ek_err("%s failed: %s", s->name, s->why);
		svc_log_echo_tail(m, s, 5);
		return;
	}
	int r = svc_cgroup_create(m, s);
	if (r < 0)
		ek_warn("%s: cgroup: %s (it runs in PID 1's group)", s->name, strerror(-r));
	if (s->u.tasks_max_set && !s->u.tasks_max_percent && s->u.tasks_max != UNIT_INFINITY) {
		char path[600], v[32];
		svc_cgroup_path(m, s, path, sizeof path - 16);
		strcat(path, "/pids.max");
		snprintf(v, sizeof v, "%llu", (unsigned long long)s->u.tasks_max);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, v, strlen(v)) < 0)
				ek_debug("%s: pids.max: %s", s->name, strerror(errno));
			close(fd);
		}
	}
	svc_log_open(m, s);
	s->ready = false;
	s->main_pid = s->ctl_pid = s->probe_pid = 0;
	s->reload_pending = false;
	s->exec_idx = 0;
	s->start_ms = now;
	s->ready_ms = 0;
	s->stop_requested = false;
	s->stop_reason[0] = '\0';
	s->echoed = 0;
	s->deadline_ms = s->u.timeout_start == UNIT_INFINITY ? 0 : now + ms(s->u.timeout_start);
	s->probe_at_ms = 0;
	svc_set_state(m, s, SVC_STARTING, "starting");
	s->phase = PH_PRE;
	if (s->u.runtime_directory.n || s->u.state_directory.n) {
		/* Made in a child: ExecStartPre= follows when it answers (svcmgr_child_exited). */
		int e = svc_check_start(m, s, SVC_CHECK_DIRS);
		if (e == 0) {
			s->phase = PH_DIRS;
			snprintf(s->why, sizeof s->why, "making its directories");
			return;
		}
		if (e != -EBUSY) /* -EBUSY: svc_check_start said why */
			snprintf(s->why, sizeof s->why, "cannot make its directories: fork: %s", strerror(-e));
		end_run(m, s, SVC_R_FAILED);
		return;
	}
	run_next(m, s);
}

static void became_ready(struct svcmgr *m, struct svc *s)
{
	s->ready = true;
	if (s->u.ready_probe.kind != UNIT_PROBE_NONE && s->probe_at_ms >= 0) {
		/* The type's readiness is there; the probe has the last word. */
		s->phase = PH_READY_WAIT;
		s->probe_at_ms = ek_sys.now_ms();
		snprintf(s->why, sizeof s->why, "waiting for its ReadyProbe");
		return;
	}
	s->phase = PH_POST;
	s->exec_idx = 0;
	run_next(m, s);
}

static void run_next(struct svcmgr *m, struct svc *s)
{
	const struct unit_exec_list *pre = &s->u.exec[UNIT_EXEC_START_PRE];
	const struct unit_exec_list *start = &s->u.exec[UNIT_EXEC_START];
	const struct unit_exec_list *post = &s->u.exec[UNIT_EXEC_START_POST];
	switch (s->phase) {
	case PH_PRE:
		if (s->exec_idx < pre->n) {
			spawn_or_fail(m, s, &pre->v[s->exec_idx], false);
			return;
		}
		s->phase = PH_START;
		s->exec_idx = 0;
		/* fall through */
	case PH_START:
		if (s->u.type == UNIT_TYPE_ONESHOT) {
			if (s->exec_idx < start->n) {
				spawn_or_fail(m, s, &start->v[s->exec_idx], true);
				return;
			}
			s->main_pid = 0;
			became_ready(m, s);
			return;
		}
		if (start->n == 0) {
			snprintf(s->why, sizeof s->why, "no ExecStart=");
			end_run(m, s, SVC_R_FAILED);
			return;
		}
		spawn_or_fail(m, s, &start->v[0], true);
		if (s->state != SVC_STARTING)
			return;
		s->phase = PH_READY_WAIT;
		if (s->u.type == UNIT_TYPE_SIMPLE || s->u.type == UNIT_TYPE_EXEC)
			became_ready(m, s);
		else
			snprintf(s->why, sizeof s->why, "%s",
				 s->u.type == UNIT_TYPE_NOTIFY ? "waiting for READY=1" : "waiting for the daemon to fork");
		return;
	case PH_POST:
		if (s->exec_idx < post->n) {
			spawn_or_fail(m, s, &post->v[s->exec_idx], false);
			return;
		}
		s->deadline_ms = 0;
		s->ready_ms = ek_sys.now_ms();
		s->backoff = s->backoff ? s->backoff : 0;
		if (s->u.type == UNIT_TYPE_ONESHOT && s->main_pid == 0) {
			svc_set_state(m, s, SVC_EXITED, "finished successfully");
			ek_info("finished %s (%.0f ms)", s->name, s->ready_ms - s->start_ms);
		} else {
			svc_set_state(m, s, SVC_RUNNING, "ready");
			ek_info("started %s (%.0f ms)", s->name, s->ready_ms - s->start_ms);
		}
		return;
	default:
		return;
	}
}

static bool clean_exit(const struct svc *s, int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 0 || unit_status_has_code(&s->u.success_status, WEXITSTATUS(status));
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		return sig == SIGHUP || sig == SIGINT || sig == SIGTERM || sig == SIGPIPE ||
		       unit_status_has_signal(&s->u.success_status, sig);
	}
	return false;
}

static void describe(int status, char *out, size_t cap)
{
	if (WIFEXITED(status)) {
		int c = WEXITSTATUS(status);
		snprintf(out, cap, "exit status %d%s", c, c == 203 ? " (could not execute)" : c == 200 ? " (set-up failed)" : "");
	} else if (WIFSIGNALED(status))
		snprintf(out, cap, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(out, cap, "status %#x", status);
}

static bool should_restart(const struct svc *s, bool clean, int status, bool timeout)
{
	if (s->stop_requested || s->restart_requested)
		return false;
	if (WIFEXITED(status) && unit_status_has_code(&s->u.restart_prevent, WEXITSTATUS(status)))
		return false;
	if (WIFSIGNALED(status) && unit_status_has_signal(&s->u.restart_prevent, WTERMSIG(status)))
		return false;
	bool sig = WIFSIGNALED(status) && !clean && !timeout;
	switch (s->u.restart) {
	case UNIT_RESTART_ALWAYS:
		return true;
	case UNIT_RESTART_ON_SUCCESS:
		return clean && !timeout;
	case UNIT_RESTART_ON_FAILURE:
		return !clean || timeout;
	case UNIT_RESTART_ON_ABNORMAL:
		return sig || timeout;
	case UNIT_RESTART_ON_ABORT:
		return sig;
	case UNIT_RESTART_ON_WATCHDOG:
	case UNIT_RESTART_NO:
	default:
		return false;
	}
}

/* The end of a stop: decide between inactive, failed, restarting, or starting again on request. */
static void finish_stop(struct svcmgr *m, struct svc *s)
{
	int status = s->last_status;
	bool timeout = s->result == SVC_R_TIMEOUT;
	bool failed = !s->stop_requested && s->result != SVC_R_OK;
	char desc[96];
	describe(status, desc, sizeof desc);
	release_main_pidfd(m, s);
	s->main_pid = s->ctl_pid = s->probe_pid = 0;
	s->reload_pending = false;
	s->deadline_ms = 0;
	bool again = !s->stop_requested && !s->restart_requested && should_restart(s, !failed, status, timeout) &&
		     !m->shutting_down;
	svc_dirs_remove(s, again || (s->restart_requested && !m->shutting_down));
	if (again) {
		/* Exponential backoff from RestartSec, reset after a run that lasted. */
		double delay = ms(s->u.restart_sec);
		if (delay < 100)
			delay = 100;
		for (unsigned i = 0; i < s->backoff && delay < BACKOFF_MAX_MS; i++)
			delay *= 2;
		if (delay > BACKOFF_MAX_MS)
			delay = BACKOFF_MAX_MS;
		s->backoff++;
		s->restarts++;
		char why[sizeof s->why];
		snprintf(why, sizeof why, "%s", s->why);
		svc_set_state(m, s, SVC_RESTARTING, "%s; restarting in %.1f s", why, delay / 1000.0);
		s->deadline_ms = ek_sys.now_ms() + delay;
		ek_warn("%s: %s", s->name, s->why);
		return;
	}
	if (s->restart_requested && !m->shutting_down) {
		s->restart_requested = false;
		ek_info("stopped %s (restarting)", s->name);
		begin_start(m, s);
		return;
	}
	if (failed && !s->stop_requested) {
		char why[sizeof s->why];
		snprintf(why, sizeof why, "%s", s->why);
		svc_set_state(m, s, SVC_FAILED, "%s", why);
		ek_err("%s failed: %s", s->name, s->why);
		svc_log_echo_tail(m, s, 5);
	} else if (s->u.type == UNIT_TYPE_ONESHOT && !s->stop_requested && s->u.remain_after_exit) {
		svc_set_state(m, s, SVC_EXITED, "finished successfully");
	} else {
		if (s->stop_requested && s->stop_reason[0])
			svc_set_state(m, s, SVC_INACTIVE, "%s", s->stop_reason);
		else
			svc_set_state(m, s, SVC_INACTIVE, s->stop_requested ? "stopped" : "exited (%s)", desc);
		s->stop_reason[0] = '\0';
		ek_info("stopped %s (%s)", s->name, s->stop_requested ? "on request" : desc);
	}
	s->phase = PH_NONE;
}

static void stop_post(struct svcmgr *m, struct svc *s)
{
	const struct unit_exec_list *l = &s->u.exec[UNIT_EXEC_STOP_POST];
	if (s->phase != PH_STOP_POST) {
		s->phase = PH_STOP_POST;
		s->exec_idx = 0;
	}
	if (s->exec_idx < l->n) {
		char err[200];
		pid_t pid = svc_spawn(m, s, &l->v[s->exec_idx], false, err, sizeof err);
		if (pid > 0) {
			s->ctl_pid = pid;
			return;
		}
		ek_warn("%s: ExecStopPost: %s", s->name, err);
	}
	/* Keep the exit reason: finish_stop reads the phase that ended the service. */
	s->phase = PH_STOP_POST;
	finish_stop(m, s);
}

static void send_kill(struct svcmgr *m, struct svc *s)
{
	s->phase = PH_SIGTERM;
	s->deadline_ms = ek_sys.now_ms() + (s->u.timeout_stop == UNIT_INFINITY ? 0 : ms(s->u.timeout_stop));
	if (s->u.timeout_stop == UNIT_INFINITY)
		s->deadline_ms = 0;
	switch (s->u.kill_mode) {
	case UNIT_KILL_CONTROL_GROUP:
		svc_cgroup_signal(m, s, s->u.kill_signal);
		/* Also by pid: a process forked a moment ago may not be listed in the cgroup yet. */
		if (s->main_pid > 0) {
			kill_main(s, s->u.kill_signal);
			kill_main(s, SIGCONT);
		}
		break;
	case UNIT_KILL_MIXED:
	case UNIT_KILL_PROCESS:
		if (s->main_pid > 0) {
			kill_main(s, s->u.kill_signal);
			kill_main(s, SIGCONT);
		}
		break;
	case UNIT_KILL_NONE:
		break;
	}
	if (s->ctl_pid > 0)
		ek_sys.kill(s->ctl_pid, s->u.kill_signal);
}

/* Everything the stop waits for is gone? */
static bool stop_done(struct svcmgr *m, struct svc *s)
{
	if (s->main_pid > 0 || s->ctl_pid > 0)
		return false;
	if (s->u.kill_mode == UNIT_KILL_PROCESS || s->u.kill_mode == UNIT_KILL_NONE)
		return true;
	return svc_cgroup_empty(m, s);
}

/* ended: the service stopped by itself (or failed to start); otherwise someone asked. */
void svc_begin_stop(struct svcmgr *m, struct svc *s, bool ended)
{
	/* A check still looking at its paths is no longer needed. */
	svc_check_cancel(s);
	s->check_passed = false;
	s->check_at_ms = 0;
	if (!ended) {
		s->stop_requested = true;
		s->result = SVC_R_OK;
	}
	if (s->state == SVC_WAITING || s->state == SVC_RESTARTING) {
		s->deadline_ms = 0;
		svc_set_state(m, s, SVC_INACTIVE, "stopped before it started");
		return;
	}
	if (s->state != SVC_STARTING && s->state != SVC_RUNNING && s->state != SVC_EXITED)
		return;
	if (!ended)
		ek_info("stopping %s", s->name);
	svc_set_state(m, s, SVC_STOPPING, "%s", ended ? s->why : "stopping on request");
	if (s->probe_pid > 0)
		ek_sys.kill(s->probe_pid, SIGKILL);
	const struct unit_exec_list *stop = &s->u.exec[UNIT_EXEC_STOP];
	bool alive = s->main_pid > 0 || (s->u.type == UNIT_TYPE_ONESHOT && s->u.remain_after_exit);
	if (!ended && alive && stop->n) {
		s->phase = PH_STOP;
		s->exec_idx = 0;
		s->deadline_ms = s->u.timeout_stop == UNIT_INFINITY ? 0 : ek_sys.now_ms() + ms(s->u.timeout_stop);
		char err[200];
		pid_t pid = svc_spawn(m, s, &stop->v[0], false, err, sizeof err);
		if (pid > 0) {
			s->ctl_pid = pid;
			return;
		}
		ek_warn("%s: ExecStop: %s", s->name, err);
	}
	send_kill(m, s);
	if (stop_done(m, s))
		stop_post(m, s);
}

/* PIDFile=: written by the service, so read as hostile. No symlink followed, a FIFO or device there
 * never blocks PID 1 (O_NONBLOCK, then it must be a regular file), at most a few bytes read, and
 * the PID must be a process of the service's own cgroup: anything else (another service's
 * process, PID 1) would later get KillSignal= and SIGKILL (systemd's CVE-2018-16888). 0 = none. */
static pid_t read_pid_file(struct svcmgr *m, struct svc *s)
{
	char buf[32];
	struct stat st;
	const char *why = NULL;
	long p = 0;
	int fd = ek_sys.open(s->u.pid_file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
	if (fd < 0)
		return 0;
	ssize_t n = -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if ((n = read(fd, buf, sizeof buf - 1)) <= 0)
		why = "empty or unreadable";
	close(fd);
	if (!why) {
		char *end;
		buf[n] = '\0';
		p = strtol(buf, &end, 10);
		while (*end == '\n' || *end == ' ' || *end == '\t')
			end++;
		if (end == buf || *end || p <= 1 || p > 0x3fffffff)
			why = "not a PID";
		else if (svc_by_cgroup_of(m, (pid_t)p) != s)
			why = "names a process outside the service";
	}
	if (why) {
		ek_warn("%s: PIDFile %s refused: %s", s->name, s->u.pid_file, why);
		return 0;
	}
	return (pid_t)p;
}

/* ---- events ------------------------------------------------------------------------------- */

/* A check child answered (svc_check.c): the directories are made, or the conditions decided. */
static void check_answered(struct svcmgr *m, struct svc *s, int status)
{
	enum svc_check_kind kind = s->check;
	int code = svc_check_ended(s, status);
	if (kind == SVC_CHECK_DIRS) {
		if (s->state != SVC_STARTING || s->phase != PH_DIRS)
			return;
		/* As before the child did it: a directory that could not be set up is a warning. */
		if (code != 0)
			ek_warn("%s: %s", s->name, code < 0 ? s->why : "its directories could not all be set up (see its log)");
		s->phase = PH_PRE;
		s->exec_idx = 0;
		snprintf(s->why, sizeof s->why, "starting");
		run_next(m, s);
		return;
	}
	if (s->state != SVC_WAITING)
		return;
	switch (code < 0 ? 1 : svc_conditions_answer(s, code)) {
	case 0:
		s->check_passed = true; /* svcmgr_dispatch starts it if its dependencies still allow */
		break;
	case 2:
		s->check_at_ms = ek_sys.now_ms() + SVC_CHECK_AGAIN_MS;
		break;
	case 1:
		svc_set_state(m, s, SVC_SKIPPED, "%s", s->why);
		ek_info("skipped %s: %s", s->name, s->why);
		break;
	default:
		svc_set_state(m, s, SVC_FAILED, "%s", s->why);
		ek_err("%s failed: %s", s->name, s->why);
		break;
	}
}

/* Checks whose answer is overdue: the unit is skipped (conditions) or its start fails
 * (directories); the child is killed and left to the reaper. */
static void expire_checks(struct svcmgr *m, double now)
{
	for (size_t i = 0; i < m->n; i++) {
		struct svc *s = &m->v[i];
		if (!s->check_pid || s->check_deadline_ms > now)
			continue;
		enum svc_check_kind kind = s->check;
		svc_check_expire(s);
		if (kind == SVC_CHECK_COND && s->state == SVC_WAITING) {
			svc_set_state(m, s, SVC_SKIPPED, "%s", s->why);
			ek_warn("skipped %s: %s", s->name, s->why);
		} else if (kind == SVC_CHECK_DIRS && s->state == SVC_STARTING) {
			end_run(m, s, SVC_R_FAILED);
		}
	}
}

bool svcmgr_child_exited(struct svcmgr *m, pid_t pid, int status)
{
	struct svc *s = NULL;
	int role = 0; /* 1 main, 2 control, 3 probe, 4 check */
	for (size_t i = 0; i < m->n && !s && pid > 0; i++) {
		struct svc *c = &m->v[i];
		role = c->main_pid == pid ? 1 : c->ctl_pid == pid ? 2 : c->probe_pid == pid ? 3 : c->check_pid == pid ? 4 : 0;
		if (role)
			s = c;
	}
	for (size_t i = 0; i < m->n && !s && pid > 0; i++)
		if (svc_check_stuck_reaped(&m->v[i], pid))
			return true;
	if (!s)
		return false;
	if (role == 4) {
		check_answered(m, s, status);
		return true;
	}
	char desc[96];
	describe(status, desc, sizeof desc);
	if (role == 3) {
		s->probe_pid = 0;
		if (s->state == SVC_STARTING && s->phase == PH_READY_WAIT) {
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
				s->probe_at_ms = -1; /* passed */
				became_ready(m, s);
			} else {
				s->probe_at_ms = ek_sys.now_ms() + PROBE_INTERVAL_MS;
			}
		}
		return true;
	}
	if (role == 2) {
		s->ctl_pid = 0;
		const struct unit_exec_list *l = NULL;
		if (s->state == SVC_STARTING)
			l = &s->u.exec[s->phase == PH_PRE ? UNIT_EXEC_START_PRE : UNIT_EXEC_START_POST];
		bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (l && s->exec_idx < l->n && (l->v[s->exec_idx].flags & UNIT_EXEC_IGNORE_FAILURE))
			ok = true;
		svc_log_note(m, s, "control process %d: %s", (int)pid, desc);
		if (s->state == SVC_STARTING && (s->phase == PH_PRE || s->phase == PH_POST)) {
			if (!ok) {
				snprintf(s->why, sizeof s->why, "%s failed: %s",
					 s->phase == PH_PRE ? "ExecStartPre" : "ExecStartPost", desc);
				end_run(m, s, SVC_R_FAILED);
				return true;
			}
			s->exec_idx++;
			run_next(m, s);
		} else if (s->state == SVC_RUNNING && s->reload_pending) {
			/* Every ExecReload= in order, like systemd (haproxy's check, then its kill -USR2):
			 * the first failure ends the reload. */
			const struct unit_exec_list *rl = &s->u.exec[UNIT_EXEC_RELOAD];
			if (s->exec_idx < rl->n && (rl->v[s->exec_idx].flags & UNIT_EXEC_IGNORE_FAILURE))
				ok = true;
			if (ok && ++s->exec_idx < rl->n) {
				char err[200];
				pid_t p = svc_spawn(m, s, &rl->v[s->exec_idx], false, err, sizeof err);
				if (p > 0) {
					s->ctl_pid = p;
					return true;
				}
				ok = false;
				snprintf(desc, sizeof desc, "%s", err);
			}
			s->reload_pending = false;
			snprintf(s->why, sizeof s->why, ok ? "reloaded" : "reload failed: %s", desc);
			ek_info("%s: %s", s->name, s->why);
		} else if (s->state == SVC_STOPPING && s->phase == PH_STOP) {
			if (++s->exec_idx < s->u.exec[UNIT_EXEC_STOP].n) {
				char err[200];
				pid_t p = svc_spawn(m, s, &s->u.exec[UNIT_EXEC_STOP].v[s->exec_idx], false, err, sizeof err);
				if (p > 0) {
					s->ctl_pid = p;
					return true;
				}
			}
			send_kill(m, s);
			if (stop_done(m, s))
				stop_post(m, s);
		} else if (s->state == SVC_STOPPING && s->phase == PH_STOP_POST) {
			s->exec_idx++;
			stop_post(m, s);
		} else if (s->state == SVC_STOPPING && stop_done(m, s)) {
			stop_post(m, s);
		}
		return true;
	}
	/* The main process. */
	release_main_pidfd(m, s);
	s->main_pid = 0;
	s->last_status = status;
	svc_log_note(m, s, "main process %d: %s", (int)pid, desc);
	bool clean = clean_exit(s, status);
	switch (s->state) {
	case SVC_STARTING:
		if (s->u.type == UNIT_TYPE_ONESHOT && s->phase == PH_START) {
			bool ok = clean || (s->u.exec[UNIT_EXEC_START].v[s->exec_idx].flags & UNIT_EXEC_IGNORE_FAILURE);
			if (!ok) {
				snprintf(s->why, sizeof s->why, "ExecStart failed: %s", desc);
				end_run(m, s, SVC_R_FAILED);
				return true;
			}
			s->exec_idx++;
			run_next(m, s);
			return true;
		}
		if (s->u.type == UNIT_TYPE_FORKING && s->phase == PH_READY_WAIT && !s->ready && clean) {
			pid_t main = 0;
			if (s->u.pid_file)
				main = read_pid_file(m, s);
			if (!main && !s->u.pid_file && !svc_cgroup_empty(m, s))
				main = -1; /* no PIDFile: the daemon lives in the cgroup, unnamed */
			if (!main) {
				snprintf(s->why, sizeof s->why, "the daemon did not leave a process behind%s%s",
					 s->u.pid_file ? " or PIDFile " : "", s->u.pid_file ? s->u.pid_file : "");
				end_run(m, s, SVC_R_FAILED);
				return true;
			}
			if (main > 0)
				adopt_main(m, s, main);
			else
				s->main_pid = 0;
			became_ready(m, s);
			return true;
		}
		snprintf(s->why, sizeof s->why, "exited before it was ready: %s", desc);
		end_run(m, s, SVC_R_FAILED);
		return true;
	case SVC_RUNNING:
		snprintf(s->why, sizeof s->why, "%s: %s", clean ? "exited" : "main process failed", desc);
		if (clean)
			s->backoff = 0;
		else if (ek_sys.now_ms() - s->ready_ms > 10000)
			s->backoff = 0; /* it ran for a while: not a crash loop */
		end_run(m, s, clean ? SVC_R_OK : SVC_R_FAILED);
		return true;
	case SVC_STOPPING:
		if (stop_done(m, s) && s->phase != PH_STOP && s->phase != PH_STOP_POST)
			stop_post(m, s);
		return true;
	default:
		return true;
	}
}

/* What a notify message changes: STATUS=, the main process, the start deadline, readiness. */
static void apply_notify(struct svcmgr *m, struct svc *s, const struct svc_notify *n, pid_t sender)
{
	if (n->has_status)
		snprintf(s->status_text, sizeof s->status_text, "%s", n->status);
	if (n->has_mainpid) {
		/* Only a process of the service itself may become its main process. */
		if (n->mainpid > 1 && svc_by_cgroup_of(m, n->mainpid) == s) {
			if (n->mainpid != s->main_pid)
				adopt_main(m, s, n->mainpid);
		} else {
			ek_warn("%s: notify: MAINPID=%s refused (not a process of this service)", s->name,
				n->mainpid_text);
		}
	}
	if (n->has_extend && s->state == SVC_STARTING && s->deadline_ms) {
		double want = ek_sys.now_ms() + (double)n->extend_usec / 1000.0;
		if (want > s->deadline_ms)
			s->deadline_ms = want;
	}
	if (n->ignored || n->unknown)
		ek_debug("%s: notify from %d: %u line(s) not acted on%s%s", s->name, (int)sender, n->ignored + n->unknown,
			 n->unknown ? "; unknown: " : "", n->first_unknown);
	if (n->ready && s->state == SVC_STARTING && s->phase == PH_READY_WAIT && !s->ready &&
	    s->u.type == UNIT_TYPE_NOTIFY)
		became_ready(m, s);
}

void svc_on_notify(struct svcmgr *m, struct svc *s, const char *msg, pid_t sender)
{
	struct svc_notify n;
	svc_notify_parse(msg, &n);
	apply_notify(m, s, &n, sender);
}

/* The notify socket is readable: apply what is waiting, bounded so that a flood cannot hold the
 * loop. */
static void notify_read(struct svcmgr *m)
{
	for (int round = 0; round < 64; round++) {
		struct svc *s;
		struct svc_notify n;
		pid_t sender;
		int r = svc_notify_recv(m, &s, &n, &sender);
		if (r == 0)
			return;
		if (r > 0)
			apply_notify(m, s, &n, sender);
	}
}

/* ---- dispatch -------------------------------------------------------------------------------- */

static void try_start(struct svcmgr *m, struct svc *s)
{
	if (s->is_target || !s->loaded)
		return;
	if (s->u.roles && m->role && !(s->u.roles & m->role)) {
		svc_set_state(m, s, SVC_SKIPPED, "not for this node's role");
		return;
	}
	if (!deps_ready(m, s))
		return;
	if (s->check_pid)
		return; /* its conditions are being checked */
	if (!s->check_passed && (s->u.conds.n || s->u.start_when_exists)) {
		/* Looked at in a child: check_answered decides. */
		double now = ek_sys.now_ms();
		bool again = s->check_at_ms > 0;
		if (s->check_at_ms > now)
			return;
		int e = svc_check_start(m, s, SVC_CHECK_COND);
		if (e == -EBUSY) {
			/* As when that check missed its deadline: no answer, the unit is skipped. */
			svc_set_state(m, s, SVC_SKIPPED, "%s", s->why);
			ek_warn("skipped %s: %s", s->name, s->why);
		} else if (e < 0) {
			snprintf(s->why, sizeof s->why, "cannot check its conditions: fork: %s; trying again", strerror(-e));
			s->check_at_ms = now + 1000;
		} else if (!again) {
			snprintf(s->why, sizeof s->why, "checking its conditions");
		}
		return;
	}
	s->check_passed = false;
	begin_start(m, s);
}

static bool depended_on_by_active(struct svcmgr *m, size_t idx)
{
	for (size_t i = 0; i < m->n; i++) {
		struct svc *d = &m->v[i];
		if (d->is_target || d->state == SVC_INACTIVE || d->state == SVC_FAILED || d->state == SVC_SKIPPED)
			continue;
		for (size_t k = 0; k < d->nafter; k++)
			if (d->after[k] == idx)
				return true;
	}
	return false;
}

int svcmgr_dispatch(struct svcmgr *m)
{
	double now = ek_sys.now_ms();
	double next = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].next_def && svc_idle(&m->v[i]))
			svc_apply_next_def(m, &m->v[i]);
	expire_checks(m, now);
	/* Several passes: a unit that became ready lets its dependents start in the same dispatch. */
	for (int pass = 0; pass < 8; pass++) {
		bool changed = false;
		for (size_t i = 0; i < m->n; i++) {
			struct svc *s = &m->v[i];
			enum svc_state before = s->state;
			if (m->shutting_down) {
				if ((s->state == SVC_RUNNING || s->state == SVC_EXITED || s->state == SVC_STARTING) &&
				    !s->is_target && !depended_on_by_active(m, i))
					svc_begin_stop(m, s, false);
				else if (s->state == SVC_WAITING || s->state == SVC_RESTARTING)
					svc_begin_stop(m, s, false);
			} else if (s->state == SVC_WAITING && s->wanted) {
				try_start(m, s);
			} else if (s->state == SVC_RUNNING || s->state == SVC_STARTING || s->state == SVC_EXITED) {
				/* BindsTo=: when the unit it is bound to goes down, it goes down too. */
				for (size_t k = 0; k < s->nbinds; k++) {
					struct svc *b = &m->v[s->binds[k]];
					if (b->state == SVC_INACTIVE || b->state == SVC_FAILED) {
						ek_info("stopping %s: bound to %s, which is %s", s->name, b->name,
							svc_state_name(b->state));
						snprintf(s->stop_reason, sizeof s->stop_reason, "stopped: bound to %s, which is %s",
							 b->name, svc_state_name(b->state));
						svc_begin_stop(m, s, false);
						break;
					}
				}
			}
			changed |= s->state != before;
		}
		if (!changed)
			break;
	}
	now = ek_sys.now_ms();
	for (size_t i = 0; i < m->n; i++) {
		struct svc *s = &m->v[i];
		if (s->state == SVC_STARTING && s->phase == PH_READY_WAIT && s->ready && s->probe_pid == 0 &&
		    s->probe_at_ms > 0 && s->probe_at_ms <= now) {
			pid_t p = svc_spawn_probe(m, s);
			if (p > 0)
				s->probe_pid = p;
			s->probe_at_ms = now + PROBE_INTERVAL_MS;
		}
		if (s->deadline_ms && s->deadline_ms <= now) {
			s->deadline_ms = 0;
			if (s->state == SVC_RESTARTING) {
				begin_start(m, s);
			} else if (s->state == SVC_STARTING) {
				snprintf(s->why, sizeof s->why, "did not become ready within %.0f s",
					 ms(s->u.timeout_start) / 1000.0);
				end_run(m, s, SVC_R_TIMEOUT);
			} else if (s->state == SVC_STOPPING && (s->phase == PH_STOP || s->phase == PH_SIGTERM)) {
				ek_warn("%s: did not stop within %.0f s, killing it", s->name, ms(s->u.timeout_stop) / 1000.0);
				if (s->ctl_pid > 0)
					ek_sys.kill(s->ctl_pid, SIGKILL);
				if (s->phase == PH_STOP) {
					s->phase = PH_SIGTERM;
				}
				svc_cgroup_signal(m, s, SIGKILL);
				kill_main(s, SIGKILL);
				s->phase = PH_SIGKILL;
				s->deadline_ms = now + KILL_GRACE_MS;
			} else if (s->state == SVC_STOPPING && s->phase == PH_SIGKILL) {
				ek_err("%s: processes survived SIGKILL; giving up on them", s->name);
				s->main_pid = s->ctl_pid = 0;
				stop_post(m, s);
			}
		}
		if (s->state == SVC_STOPPING && (s->phase == PH_SIGTERM || s->phase == PH_SIGKILL) && stop_done(m, s))
			stop_post(m, s);
		/* A forking daemon without PIDFile has no main pid to reap: its end is an empty cgroup. */
		if (s->state == SVC_RUNNING && s->main_pid == 0 && s->u.type == UNIT_TYPE_FORKING &&
		    svc_cgroup_empty(m, s)) {
			snprintf(s->why, sizeof s->why, "its processes are gone");
			s->last_status = 0;
			end_run(m, s, SVC_R_FAILED);
		}
		double d = s->deadline_ms;
		if (s->state == SVC_STARTING && s->probe_at_ms > 0 && s->probe_pid == 0 &&
		    (!d || s->probe_at_ms < d))
			d = s->probe_at_ms;
		if (d && (!next || d < next))
			next = d;
		d = s->check_pid ? s->check_deadline_ms : s->state == SVC_WAITING && s->check_at_ms > now ? s->check_at_ms : 0;
		if (d && (!next || d < next))
			next = d;
	}
	/* multi-user.target and default.target (ekinit has no graphical.target, so both are the end of
	 * boot): reached once every wanted service has settled, except those ordered after either, which
	 * wait for them and would otherwise hold them back forever. */
	struct svc *mu = svcmgr_find(m, "multi-user.target");
	if (mu && mu->state != SVC_RUNNING && !m->shutting_down) {
		bool all = true;
		for (size_t i = 0; i < m->n && all; i++)
			if (!m->v[i].is_target && m->v[i].wanted && !settled(&m->v[i]) && !after_boot_end(m, &m->v[i]))
				all = false;
		if (all) {
			svcmgr_target_reached(m, "multi-user.target");
			svcmgr_target_reached(m, "default.target");
		}
	}
	if (!next)
		return -1;
	double wait = next - ek_sys.now_ms();
	return wait < 0 ? 0 : (int)wait + 1;
}

/* An adopted main process ended. If it is PID 1's child after all (reparented to it), waitid
 * reaps it with its status; otherwise its parent will, and its status is not ours to know. */
static void main_pidfd_ready(struct svcmgr *m, struct svc *s)
{
	if (s->main_pidfd < 0 || s->main_pid <= 0)
		return;
	pid_t pid = s->main_pid;
	siginfo_t si;
	memset(&si, 0, sizeof si);
	int status = 0;
	if (ek_sys.waitid((idtype_t)P_PIDFD, (id_t)s->main_pidfd, &si, WEXITED | WNOHANG) == 0) {
		if (si.si_pid == 0)
			return; /* not ended yet */
		status = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8 : si.si_status & 0x7f;
	} else if (errno == ECHILD) {
		svc_log_note(m, s, "main process %d ended (not PID 1's child: its status is unknown)", (int)pid);
	} else {
		return;
	}
	svcmgr_child_exited(m, pid, status);
}

void svcmgr_epoll_event(struct svcmgr *m, unsigned long long tag)
{
	if (tag & SVC_EPOLL_TAG_NOTIFY)
		notify_read(m);
	else if (tag & SVC_EPOLL_TAG_PIDFD) {
		size_t idx = (size_t)(tag & 0xffffffffu);
		if (idx < m->n)
			main_pidfd_ready(m, &m->v[idx]);
	}
	else if (tag & SVC_EPOLL_TAG_LOG) {
		size_t idx = (size_t)(tag & 0xffffffffu);
		if (idx < m->n)
			svc_log_drain(m, &m->v[idx]);
	}
}

void svcmgr_shutdown(struct svcmgr *m)
{
	m->shutting_down = true;
	for (size_t i = 0; i < m->n; i++)
		m->v[i].wanted = false;
}

bool svcmgr_all_stopped(const struct svcmgr *m)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct svc *s = &m->v[i];
		if (!s->is_target && (s->state == SVC_STARTING || s->state == SVC_RUNNING || s->state == SVC_STOPPING ||
				      s->state == SVC_EXITED))
			return false;
	}
	return true;
}
