/* PID 1's signals. The ones that mean something (child exits, shutdown requests) are blocked and read
 * from a signalfd in the main loop, so no work happens in signal handlers. Crashes get a handler of
 * last resort (fatal.c) so that a bug in PID 1 never panics the kernel. */
#ifndef EK_SIGNALS_H
#define EK_SIGNALS_H

#include <signal.h>

/* Blocks the managed signals, disables the kernel's Ctrl-Alt-Del reboot (so it sends SIGINT to us)
 * and returns a non-blocking signalfd, or -errno. */
int signals_setup(void);
/* In a freshly forked child: default dispositions and an empty mask, as a new program expects. */
void signals_reset_for_child(void);

#endif
