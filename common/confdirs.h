/* systemd-style configuration directories (modules-load.d, sysctl.d, ...): files named *.conf from a
 * list of directories in priority order; a file in an earlier directory hides one with the same name
 * in a later directory; the survivors are used in the lexical order of their names. A file that is a
 * symlink to /dev/null masks the name. */
#ifndef EK_CONFDIRS_H
#define EK_CONFDIRS_H

/* Calls fn(path, ctx) for each file in order. Returns the number of files, or -errno on allocation
 * failure. Unreadable directories count as empty (they are optional by nature). */
int confdirs_each(const char *const dirs[], int (*fn)(const char *path, void *ctx), void *ctx);

/* Strips leading and trailing whitespace in place; returns the start. */
char *conf_trim(char *s);

#endif
