/* Runs the step table (init/main.c): sets up PID 1, then each step as a timed event, with the
 * ekinit.break= shell before the step it names, the re-exec after the root move, and the targets
 * each step reaches: awaited by the service manager from the start, reached when the step ends. */
#ifndef EK_BOOT_RUN_H
#define EK_BOOT_RUN_H

#include "ekinit.h"

/* What every later part needs: console fds, crash handlers, umask and PATH, the signalfd and the
 * epoll set, the service manager (no units yet). Fatal when the loop cannot be set up. */
void boot_setup(struct ekinit *ek, char **argv, const struct step *steps, size_t nsteps);
/* Runs the steps not yet done (after the root move's re-exec, the carried timeline has the first). */
void boot_run(struct ekinit *ek);
/* The child of the step running in the background (ek->bg_step) ended with this wait status. */
void boot_bg_done(struct ekinit *ek, int status);

#endif
