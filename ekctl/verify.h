/* `ekctl verify FILE...`: checks unit files offline, without PID 1 (like systemd-analyze verify). */
#ifndef EK_EKCTL_VERIFY_H
#define EK_EKCTL_VERIFY_H

#include <stdio.h>

/* Prints "file:line: problem" lines to out. Returns 0 when there were at most warnings
 * (unsupported keys, missing executables), 1 when any file has an error. */
int ekctl_verify(int argc, char *const argv[], FILE *out);

#endif
