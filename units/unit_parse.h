/* Loading a unit: find its file in the search path (following alias symlinks, falling back from an
 * instance to its template), parse it and its drop-ins with systemd's syntax, and fill struct unit.
 * Problems are collected in a unit_diag as "file:line: problem" lines for the console, `ekctl
 * status` and `ekctl verify`. */
#ifndef EK_UNIT_PARSE_H
#define EK_UNIT_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "unit.h"

#define UNIT_DIAG_MAX 64  /* messages kept; more are counted in `dropped` */
#define UNIT_DIAG_LEN 400 /* bytes per message, longer ones are truncated */

struct unit_diag_msg {
	bool error; /* false: a warning */
	char text[UNIT_DIAG_LEN];
};

struct unit_diag {
	unsigned errors, warnings, dropped;
	size_t n;
	struct unit_diag_msg msg[UNIT_DIAG_MAX];
	/* Unsupported keys and sections already reported for the unit being loaded (once per unit). */
	size_t nwarned;
	char warned[UNIT_DIAG_MAX][64];
};

/* Where units are looked for, highest priority first (NULL-terminated). */
extern const char *const unit_default_dirs[];

void unit_diag_init(struct unit_diag *d);
void unit_diag_add(struct unit_diag *d, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Loads unit `name` (e.g. "ssh.service", "getty@tty1.service") from dirs into u. Messages are
 * appended to diag (which may be NULL); a line with an error is ignored, as systemd does, and the
 * unit still loads. Returns 0 when the unit is usable (diag->errors may still be non-zero),
 * -EINVAL for an invalid name, -ENOENT when no file was found, -ERFKILL when the unit is masked
 * (a symlink to /dev/null), -ELOOP for too many symlinks, -EBADMSG when the unit is unusable (a
 * service without ExecStart=, ...), -EIO or -EFBIG when the file cannot be read, -ENOMEM. After any
 * return u may hold data: always call unit_free. */
int unit_load(const char *name, const char *const dirs[], struct unit *u, struct unit_diag *diag);

#endif
