/* The debug shell on the serial console: busybox or any /bin/sh, run as a session leader with the
 * real console tty (not /dev/console, which cannot be a controlling terminal) so Ctrl-C and job
 * control work. */
#ifndef EK_CONSOLE_SHELL_H
#define EK_CONSOLE_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Whether shells may be offered at all (ekinit.shell=1 or a break); read by the fatal path. */
extern bool ek_shell_allowed;
/* The console tty and the session of the running console shell (0: none), kept where the crash
 * path can read them without calling anything unsafe in a signal handler. */
extern char ek_console_path[64];
extern volatile pid_t ek_console_sid;

/* The tty behind /dev/console, e.g. /dev/ttyS0; falls back to /dev/console. */
void console_tty(char *out, size_t cap);
/* Forks a login shell on the console. Async-signal-safe after the fork, so the crash path can use
 * it. Returns the pid or -errno. */
pid_t console_shell_spawn(const char *tty);

#endif
