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
	/* The targets it reaches when it starts (whatever its result): as systemd's network.target,
	 * "the network is being set up", which units that only need to bind wildcard addresses wait for. */
	const char *reaches_at_start[EK_STEP_TARGETS_MAX];
	bool shell_after;    /* the persistent console shell may start once this step is done */
	/* The boot is a small dependency graph, not a strict sequence: */
	bool in_child;       /* run in a child process while PID 1 goes on with the next steps (step_child.h) */
	step_fn prepare;     /* for an in_child step: runs in PID 1 first; any result but EK_OK ends the step */
	const char *after;   /* the step that must have ended before this one starts */
};

#define EK_STEPS_MAX 16

/* Where a step stands; a step still running in a child has its pid, pipe and timeline event. */
struct step_run {
	enum { STEP_WAITING, STEP_DEFERRED, STEP_RUNNING, STEP_ENDED } state;
	pid_t pid;
	int fd;              /* the in_child step's report pipe, -1 for a step that returned EK_PENDING */
	size_t event;
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
	struct step_run run[EK_STEPS_MAX]; /* by index in steps */
	struct svcmgr svc;
	bool services_settled;
	double svc_settled_ms;
	double stop_deadline_ms;
	int pending_shutdown;       /* enum ek_shutdown asked for, -1 for none */
};

#endif
