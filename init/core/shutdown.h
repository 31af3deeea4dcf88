/* Orderly shutdown: every process gets SIGTERM and a deadline, then SIGKILL; file systems are synced
 * and unmounted in a child process (so a hung NFS server cannot hang PID 1); then reboot(2). */
#ifndef EK_SHUTDOWN_H
#define EK_SHUTDOWN_H

#include <sys/types.h>

enum ek_shutdown { EK_REBOOT, EK_POWEROFF, EK_HALT };

const char *shutdown_name(enum ek_shutdown kind);
/* Never returns. sigfd: PID 1's signalfd, used to wait for children without polling. console_sid:
 * the session of the console shell, or 0; it is hung up first, because an interactive shell ignores
 * SIGTERM and would otherwise cost the whole deadline. */
_Noreturn void shutdown_run(enum ek_shutdown kind, int sigfd, pid_t console_sid);

#endif
