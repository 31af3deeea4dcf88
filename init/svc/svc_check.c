/* A unit's file-system checks in a child process under a deadline, as readiness probes run: PID 1
 * never stats, globs, watches or makes a path a unit names (Condition*=, StartWhenExists=,
 * RuntimeDirectory=), since a path on a hung mount, a dead NFS server or a FUSE daemon that
 * never answers, would hang PID 1 with it. The child answers with its exit code; PID 1 waits for
 * it through SIGCHLD like any other child, and when the deadline passes first it kills the child,
 * forgets it, and says which path did not answer: before each path the child writes that path's
 * index to a pipe that PID 1 reads only then (never in epoll, never blocking). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "signals.h"
#include "svc_check.h"
#include "svc_conditions.h"
#include "svc_dirs.h"
#include "svc_spawn.h"
#include "sys.h"

void svc_check_progress(int fd, unsigned idx)
{
	unsigned char b = idx > 255 ? 255 : (unsigned char)idx;
	if (fd >= 0 && write(fd, &b, 1) < 0) {
		/* the pipe is non-blocking and PID 1 only needs the last byte: a full one is fine */
	}
}

static void check_child(void *arg)
{
	const struct svc_child *c = arg;
	const struct svc *s = c->s;
	signals_reset_for_child();
	int code;
	if (c->check == SVC_CHECK_DIRS) {
		/* Its complaints go to the service's log, where the start's other messages are. */
		if (s->log_wr >= 0)
			dup2(s->log_wr, 2);
		code = svc_dirs_make(s, c->progress_fd);
	} else {
		code = svc_conditions_check(s, c->progress_fd, s->u.start_when_exists ? SVC_CHECK_WATCH_MS : 0);
	}
	_exit(code);
}

/* The time a child has to answer: a StartWhenExists= watch first waits for the path. */
static double budget_ms(const struct svc *s)
{
	return SVC_CHECK_ANSWER_MS + (s->check == SVC_CHECK_COND && s->u.start_when_exists ? SVC_CHECK_WATCH_MS : 0);
}

int svc_check_start(struct svcmgr *m, struct svc *s, enum svc_check_kind kind)
{
	int p[2];
	if (s->check_stuck_pid > 0) {
		snprintf(s->why, sizeof s->why,
			 "the check of its paths killed earlier (pid %d) is still stuck (a hung filesystem?); "
			 "not starting another", (int)s->check_stuck_pid);
		return -EBUSY;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	struct svc_child c = {.m = m, .s = s, .check = kind, .progress_fd = p[1]};
	pid_t pid = ek_sys.spawn(check_child, &c);
	int e = errno;
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -e;
	}
	s->check = kind;
	s->check_pid = pid;
	s->check_fd = p[0];
	s->check_deadline_ms = ek_sys.now_ms() + budget_ms(s);
	s->check_at_ms = 0;
	return 0;
}

static void forget(struct svc *s)
{
	if (s->check_fd >= 0)
		close(s->check_fd);
	s->check_fd = -1;
	s->check_pid = 0;
	s->check_deadline_ms = 0;
	s->check = SVC_CHECK_NONE;
}

int svc_check_ended(struct svc *s, int status)
{
	forget(s);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	snprintf(s->why, sizeof s->why, "the check of its paths %s %d",
		 WIFSIGNALED(status) ? "was killed by signal" : "ended with status", WIFSIGNALED(status) ? WTERMSIG(status) : status);
	return -1;
}

void svc_check_expire(struct svc *s)
{
	unsigned char buf[64];
	int idx = -1;
	ssize_t n;
	if (s->check_pid > 0)
		ek_sys.kill(s->check_pid, SIGKILL);
	/* The last index the child wrote is the path it was still looking at. */
	while (s->check_fd >= 0 && (n = read(s->check_fd, buf, sizeof buf)) > 0)
		idx = buf[n - 1];
	char what[160];
	if (s->check == SVC_CHECK_DIRS)
		svc_dirs_name(s, idx < 0 ? 0 : (unsigned)idx, what, sizeof what);
	else
		svc_conditions_name(s, idx < 0 ? 0 : (unsigned)idx, what, sizeof what);
	snprintf(s->why, sizeof s->why, "%s: no answer within %.0f s (path on a hung filesystem?)", what, budget_ms(s) / 1000.0);
	s->check_stuck_pid = s->check_pid;
	forget(s);
}

bool svc_check_stuck_reaped(struct svc *s, pid_t pid)
{
	if (pid <= 0 || s->check_stuck_pid != pid)
		return false;
	s->check_stuck_pid = 0;
	return true;
}

void svc_check_cancel(struct svc *s)
{
	if (s->check_pid > 0)
		ek_sys.kill(s->check_pid, SIGKILL);
	forget(s);
}
