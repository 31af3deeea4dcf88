/* The console shells' life in PID 1: the persistent shell of ekinit.shell=1 (respawned when it
 * exits, but not when it keeps dying at once) and the one-off shell of ekinit.break=STEP. */
#ifndef EK_SHELL_H
#define EK_SHELL_H

#include "ekinit.h"

/* Gives PID 1 fds 0-2 on /dev/console when the kernel started it without them. */
void shell_console_fds(void);
/* Starts the persistent shell unless it is off, running, held back by a pending break, or we stop. */
void shell_start(struct ekinit *ek);
/* The persistent shell was reaped: start another, unless it died at once too often. */
void shell_exited(struct ekinit *ek);
/* Runs a shell before step and waits for it (nothing else runs meanwhile: boot is paused). */
void shell_break(struct ekinit *ek, const char *step);

#endif
