/* PID 1's state, shared by the parts of init/core: the boot steps' findings, the event loop's file
 * descriptors, the console shell, the service manager and a pending shutdown. One static instance
 * lives in main(). */
#ifndef EK_EKINIT_H
#define EK_EKINIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "control.h"
#include "steps.h"
#include "svc.h"

#define EK_STEP_TARGETS_MAX 3

/* One row of the step table (init/main.c). */
struct step {
	const char *name;
	step_fn run;
	step_done_fn done;   /* for a step that may return EK_PENDING: turns its child's exit into a result */
	/* The targets this step reaches when it ends (when its child ends, for a pending step); units
	 * ordered after them wait for the step, whenever they are loaded. */
	const char *reaches[EK_STEP_TARGETS_MAX];
	bool shell_after;    /* the persistent console shell may start once this step is done */
};

struct ekinit {
	struct boot_state boot;
	const struct step *steps;
	size_t nsteps;
	char step_names[256];       /* boot.step_names points here */
	char **argv;
	char boot_id[40];
	const char *state;          /* booting, running, stopping */
	int sigfd, epfd;
	struct control ctl;
	pid_t shell_pid;
	double shell_started_ms;
	int shell_fast_exits;
	const struct step *bg_step; /* the step whose child (boot.bg_pid) is still running */
	size_t bg_event;            /* its timeline event */
	struct svcmgr svc;
	bool services_settled;
	double svc_settled_ms;
	double stop_deadline_ms;
	int pending_shutdown;       /* enum ek_shutdown asked for, -1 for none */
};

#endif
