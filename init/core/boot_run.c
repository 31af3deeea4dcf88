/* Runs the step table (boot_run.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot_run.h"

#include "boot_json.h"
#include "console_shell.h"
#include "fatal.h"
#include "libmount_dl.h"
#include "log.h"
#include "log_console.h"
#include "shell.h"
#include "signals.h"
#include "step_child.h"
#include "strbuf.h"
#include "timeline.h"

#define ENV_TIMELINE "EKINIT_TIMELINE"
#define ENV_WARNINGS "EKINIT_WARNINGS"

static bool carried; /* re-executed after the root move: the timeline came along */

void boot_setup(struct ekinit *ek, char **argv, const struct step *steps, size_t nsteps)
{
	shell_console_fds();
	log_console_setup();
	fatal_install_crash_handlers();
	umask(022);
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0);
	ek->argv = argv;
	ek->steps = steps;
	ek->nsteps = nsteps;
	ek->state = "booting";
	ek->pending_shutdown = -1;
	const char *container = getenv("container");
	ek->boot.container = container && *container;
	/* ekinit.break= may name any step but the first, which reads it. */
	struct strbuf sb;
	sb_init(&sb, ek->step_names, sizeof ek->step_names);
	for (size_t i = 1; i < nsteps; i++)
		sb_printf(&sb, "%s%s", i > 1 ? " " : "", steps[i].name);
	ek->boot.step_names = ek->step_names;

	ek->sigfd = signals_setup();
	if (ek->sigfd < 0)
		ek_fatal("cannot set up signal handling");
	ek->epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event sev = {.events = EPOLLIN, .data.u64 = (unsigned)ek->sigfd};
	if (ek->epfd < 0 || epoll_ctl(ek->epfd, EPOLL_CTL_ADD, ek->sigfd, &sev) < 0)
		ek_fatal("cannot set up the event loop");
	svcmgr_init(&ek->svc, ek->epfd);
	/* The targets of the steps: awaited until their step starts or ends, whenever a unit loads them. */
	for (size_t i = 0; i < nsteps; i++)
		for (size_t k = 0; k < EK_STEP_TARGETS_MAX; k++) {
			const char *at_end = steps[i].reaches[k], *at_start = steps[i].reaches_at_start[k];
			if ((at_end && svcmgr_target_await(&ek->svc, at_end) < 0) ||
			    (at_start && svcmgr_target_await(&ek->svc, at_start) < 0))
				ek_fatal("too many step targets");
		}

	const char *tl = getenv(ENV_TIMELINE);
	if (tl) {
		/* Re-executed after the root move: the earlier steps are done. */
		carried = true;
		if (timeline_restore(tl) < 0)
			ek_warn("the boot timeline carried across the root move was damaged; it starts afresh");
		unsetenv(ENV_TIMELINE);
		const char *warnings = getenv(ENV_WARNINGS);
		if (warnings && ek_log_restore(warnings) < 0)
			ek_warn("the warnings carried across the root move were damaged; some are lost");
		unsetenv(ENV_WARNINGS);
		boot_read_cmdline(&ek->boot, false);
		ek_shell_allowed = ek->boot.cmd.shell || ek->boot.cmd.brk[0];
	}
}

/* The new root has its own copy of this binary: exec it so the old one's pages are freed, carrying
 * the timeline along. If that fails we simply go on in this process. */
static void reexec(struct ekinit *ek)
{
	static char tl[EK_EVENTS_MAX * (EK_DETAIL_MAX * 2 + 80)];
	static char warnings[EK_WARN_KEEP * EK_LINE_MAX * 2 + EK_WARN_KEEP];
	const char *self = ek->argv[0] && ek->argv[0][0] == '/' ? ek->argv[0] : "/sbin/ekinit";
	if (timeline_serialize(tl, sizeof tl) < 0 || setenv(ENV_TIMELINE, tl, 1) < 0 ||
	    ek_log_serialize(warnings, sizeof warnings) < 0 || setenv(ENV_WARNINGS, warnings, 1) < 0) {
		ek_warn("root-move: cannot carry the timeline over; not re-executing");
		unsetenv(ENV_TIMELINE);
		return;
	}
	execv(self, ek->argv);
	ek_warn("root-move: re-executing %s: %s; continuing in the old image", self, strerror(errno));
	unsetenv(ENV_TIMELINE);
	unsetenv(ENV_WARNINGS);
}

static void reach(struct ekinit *ek, const char *const *targets)
{
	for (size_t k = 0; k < EK_STEP_TARGETS_MAX && targets[k]; k++)
		svcmgr_target_reached(&ek->svc, targets[k]);
}

/* The step's targets are reached, whatever its result: a failed step has had its say in the
 * timeline, and the units ordered after it start and tell their own story. (Its at-start targets
 * too: a step ended before the re-exec after the root move never started in this process.) */
static void step_ended(struct ekinit *ek, size_t i)
{
	const struct step *st = &ek->steps[i];
	ek->run[i].state = STEP_ENDED;
	reach(ek, st->reaches_at_start);
	reach(ek, st->reaches);
}

/* Whether the timeline carried across the re-exec has the step already. */
static bool done_before_reexec(const char *step)
{
	if (!carried)
		return false;
	for (size_t i = 0; i < timeline_count(); i++)
		if (!strcmp(timeline_event(i)->step, step))
			return true;
	return false;
}

/* The index of the step named after, or nsteps when none (or no such step: then it does not wait). */
static size_t dependency(const struct ekinit *ek, const struct step *st)
{
	for (size_t i = 0; st->after && i < ek->nsteps; i++)
		if (!strcmp(ek->steps[i].name, st->after))
			return i;
	return ek->nsteps;
}

/* Starts step i: in PID 1, or in a child (in_child, or a step that returned EK_PENDING), in which
 * case it ends when the child is reaped. */
static void step_start(struct ekinit *ek, size_t i)
{
	const struct step *st = &ek->steps[i];
	struct step_run *run = &ek->run[i];
	char detail[EK_DETAIL_MAX] = "";
	if (ek->boot.break_pending && !strcmp(ek->boot.cmd.brk, st->name)) {
		shell_break(ek, st->name);
		shell_start(ek);
	}
	run->event = timeline_begin(st->name);
	run->fd = -1;
	reach(ek, st->reaches_at_start);
	enum ek_result r = st->prepare ? st->prepare(&ek->boot, detail, sizeof detail) : EK_OK;
	if (r == EK_OK && st->in_child) {
		pid_t pid = step_child_start(st->run, &ek->boot, &run->fd);
		if (pid > 0) {
			run->pid = pid;
			run->state = STEP_RUNNING;
			ek_debug("%s: running beside the next steps (pid %d)", st->name, (int)pid);
			return;
		}
		ek_warn("%s: cannot start a process for it (%s); running it in PID 1", st->name, strerror(-pid));
	}
	if (r == EK_OK)
		r = st->run(&ek->boot, detail, sizeof detail);
	ek_shell_allowed = ek->boot.cmd.shell || ek->boot.cmd.brk[0];
	if (r == EK_PENDING) {
		ek_info("%s: %s, continuing in the background", st->name, detail);
		run->pid = ek->boot.bg_pid;
		ek->boot.bg_pid = 0;
		run->state = STEP_RUNNING;
		return;
	}
	timeline_end_at(run->event, r, detail);
	step_ended(ek, i);
	if (ek->boot.reexec) {
		ek->boot.reexec = false;
		reexec(ek);
	}
	if (st->shell_after)
		shell_start(ek);
}

/* Starts the deferred steps whose dependency has ended. */
static void start_deferred(struct ekinit *ek)
{
	for (size_t i = 0; i < ek->nsteps; i++) {
		size_t d = dependency(ek, &ek->steps[i]);
		if (ek->run[i].state == STEP_DEFERRED && (d == ek->nsteps || ek->run[d].state == STEP_ENDED))
			step_start(ek, i);
	}
}

/* Step i's child ended with status: the step ends. */
static void child_ended(struct ekinit *ek, size_t i, int status)
{
	const struct step *st = &ek->steps[i];
	struct step_run *run = &ek->run[i];
	char detail[EK_DETAIL_MAX] = "";
	enum ek_result r = run->fd >= 0 ? step_child_collect(run->fd, status, detail, sizeof detail)
					 : st->done(&ek->boot, status, detail, sizeof detail);
	run->fd = -1;
	run->pid = 0;
	timeline_end_at(run->event, r, detail);
	step_ended(ek, i);
}

void boot_run(struct ekinit *ek)
{
	if (ek->nsteps > EK_STEPS_MAX)
		ek_fatal("too many boot steps");
	for (size_t i = 0; i < ek->nsteps; i++) {
		const struct step *st = &ek->steps[i];
		if (done_before_reexec(st->name)) {
			step_ended(ek, i);
			continue;
		}
		size_t d = dependency(ek, st);
		if (d < ek->nsteps && ek->run[d].state == STEP_DEFERRED) {
			ek->run[i].state = STEP_DEFERRED; /* its dependency waits too */
			continue;
		}
		if (d < ek->nsteps && ek->run[d].state == STEP_RUNNING) {
			if (st->in_child || st->done) {
				/* It can wait in the background too: the loop starts it when d ends. */
				ek->run[i].state = STEP_DEFERRED;
				continue;
			}
			/* A step in PID 1 waits here: the boot has nothing else to do before it. */
			int status;
			pid_t pid;
			while ((pid = waitpid(ek->run[d].pid, &status, 0)) < 0 && errno == EINTR)
				;
			if (pid == ek->run[d].pid)
				child_ended(ek, d, status);
			else
				step_ended(ek, d); /* not our child after all: do not wait for ever */
			start_deferred(ek);
		}
		step_start(ek, i);
	}
}

bool boot_child_reaped(struct ekinit *ek, pid_t pid, int status)
{
	for (size_t i = 0; i < ek->nsteps; i++) {
		if (ek->run[i].state != STEP_RUNNING || ek->run[i].pid != pid)
			continue;
		child_ended(ek, i, status);
		gethostname(ek->boot.hostname, sizeof ek->boot.hostname - 1); /* the network may set it */
		start_deferred(ek);
		libmount_release(); /* a deferred step may have read the mount table */
		boot_json_write(ek);
		return true;
	}
	return false;
}
