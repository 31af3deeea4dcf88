/* Runs the step table (boot_run.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot_run.h"

#include "boot_json.h"
#include "console_shell.h"
#include "fatal.h"
#include "log.h"
#include "shell.h"
#include "signals.h"
#include "strbuf.h"
#include "timeline.h"

#define ENV_TIMELINE "EKINIT_TIMELINE"
#define ENV_WARNINGS "EKINIT_WARNINGS"

static bool carried; /* re-executed after the root move: the timeline came along */

void boot_setup(struct ekinit *ek, char **argv, const struct step *steps, size_t nsteps)
{
	shell_console_fds();
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
	/* The targets of the steps: awaited until their step ends, whenever a unit loads them. */
	for (size_t i = 0; i < nsteps; i++)
		for (size_t k = 0; k < EK_STEP_TARGETS_MAX && steps[i].reaches[k]; k++)
			if (svcmgr_target_await(&ek->svc, steps[i].reaches[k]) < 0)
				ek_fatal("too many step targets");

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

/* The step's targets are reached, whatever its result: a failed step has had its say in the
 * timeline, and the units ordered after it start and tell their own story. */
static void step_ended(struct ekinit *ek, const struct step *st)
{
	for (size_t k = 0; k < EK_STEP_TARGETS_MAX && st->reaches[k]; k++)
		svcmgr_target_reached(&ek->svc, st->reaches[k]);
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

void boot_run(struct ekinit *ek)
{
	for (size_t i = 0; i < ek->nsteps; i++) {
		const struct step *st = &ek->steps[i];
		char detail[EK_DETAIL_MAX] = "";
		if (done_before_reexec(st->name)) {
			step_ended(ek, st);
			continue;
		}
		if (ek->boot.break_pending && !strcmp(ek->boot.cmd.brk, st->name)) {
			shell_break(ek, st->name);
			shell_start(ek);
		}
		size_t ev = timeline_begin(st->name);
		enum ek_result r = st->run(&ek->boot, detail, sizeof detail);
		ek_shell_allowed = ek->boot.cmd.shell || ek->boot.cmd.brk[0];
		if (r == EK_PENDING) {
			ek_info("%s: %s, continuing in the background", st->name, detail);
			ek->bg_step = st;
			ek->bg_event = ev;
			continue;
		}
		timeline_end(r, detail);
		step_ended(ek, st);
		if (ek->boot.reexec) {
			ek->boot.reexec = false;
			reexec(ek);
		}
		if (st->shell_after)
			shell_start(ek);
	}
}

void boot_bg_done(struct ekinit *ek, int status)
{
	const struct step *st = ek->bg_step;
	char detail[EK_DETAIL_MAX] = "";
	ek->boot.bg_pid = 0;
	ek->bg_step = NULL;
	if (!st)
		return;
	step_ended(ek, st);
	enum ek_result r = st->done(&ek->boot, status, detail, sizeof detail);
	timeline_end_at(ek->bg_event, r, detail);
	boot_json_write(ek);
}
