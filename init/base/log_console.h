/* PID 1's own open file description of the console, for its log lines.
 *
 * The kernel starts init with one description of /dev/console on fds 0, 1 and 2, and every
 * process init starts without redirecting its output shares it (the fstab, check and probe
 * children, a service whose log pipe could not be made, a program a stand-in started before
 * exec'ing ekinit). PID 1's log must never block, but O_NONBLOCK is a flag of the description,
 * not of the fd: set on the shared one, those processes got EAGAIN and lost their output. So when
 * fd 2 is the console device, PID 1 opens it afresh, non-blocking, for its own writes, and leaves
 * the shared description blocking. A pipe or a pty (PID 1 in a namespace under a test harness)
 * is kept as it is: the log then sets O_NONBLOCK on it as before. */
#ifndef EK_LOG_CONSOLE_H
#define EK_LOG_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Given fstat of PID 1's log fd: true when it is a console device to open afresh, with the path
 * to open in path: /dev/console (5:1), /dev/ttyN (4:0..63, a virtual console) or /dev/ttySN
 * (4:64.., a serial port the kernel gave directly). False for anything else (pipe, pty, file). */
bool log_console_reopen_path(const struct stat *st, char *path, size_t cap);

/* Opens path (then /proc/self/fd/FD when path fails) O_WRONLY|O_NOCTTY|O_NONBLOCK|O_CLOEXEC
 * through ek_sys.open, checks that it is the same device as fd, and clears O_NONBLOCK on fd's
 * description. Returns the new fd, or -errno (fd left as it was). */
int log_console_open(int fd, const char *path);

/* At PID 1's start: when fd 2 is the console device, the log writes to a description of its own
 * (ek_log_set_fd). Otherwise, or when that cannot be opened, nothing changes. Returns the fd the
 * log now uses. */
int log_console_setup(void);

/* In a child that runs PID 1's own code (a boot step's child, the remote mounts' child): its
 * stdout and stderr go where PID 1's lines go, when that is a description of its own. PID 1 may
 * wait for such a child, and a library's stray message (libkmod prints its errors to stderr) on
 * the kernel's blocking description would hold it while the console is stopped. */
void log_console_child_stdio(void);

#endif
