/* Runs the step table (init/main.c): sets up PID 1, then each step as a timed event, with the
 * ekinit.break= shell before the step it names, the re-exec after the root move, and the targets
 * each step reaches: awaited by the service manager from the start, reached when the step starts
 * (reaches_at_start) or ends (reaches). */
#ifndef EK_BOOT_RUN_H
#define EK_BOOT_RUN_H

#include "ekinit.h"

/* What every later part needs: console fds, crash handlers, umask and PATH, the signalfd and the
 * epoll set, the service manager (no units yet). Fatal when the loop cannot be set up. */
void boot_setup(struct ekinit *ek, char **argv, const struct step *steps, size_t nsteps);
/* Runs the steps not yet done (after the root move's re-exec, the carried timeline has the first). */
void boot_run(struct ekinit *ek);
/* When pid is the child of a step still running: ends that step with the child's wait status, starts
 * the steps that waited for it, and returns true. */
bool boot_child_reaped(struct ekinit *ek, pid_t pid, int status);

#endif
