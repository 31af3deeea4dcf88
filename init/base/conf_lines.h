/* Reading a line-oriented configuration file (sysctl.d, tmpfiles.d): lines trimmed, blank lines and
 * comment lines skipped, an over-long line reported as "file:line: line too long (ignored)". */
#ifndef EK_CONF_LINES_H
#define EK_CONF_LINES_H

/* Calls fn(line, lineno, ctx) for each line that is neither blank nor starts with a byte from
 * comments. *too_long counts the lines dropped for length. Returns 0 or -errno when the file
 * cannot be read. */
int conf_read_lines(const char *path, const char *comments, void (*fn)(char *line, unsigned lineno, void *ctx),
		    void *ctx, unsigned *too_long);

#endif
