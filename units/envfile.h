/* EnvironmentFile= contents: NAME=value lines, # and ; comments, values optionally in single or
 * double quotes (backslash escapes in double quotes), trailing backslash continues a line. */
#ifndef EK_ENVFILE_H
#define EK_ENVFILE_H

#include <stdio.h>

#include "unit.h"

/* Appends the assignments in path to env ("NAME=value" strings). Bad lines are reported to err
 * (a stream: the service's log) as "path:line: problem" and skipped. Returns 0 or -errno when the
 * file cannot be read. */
int envfile_read(const char *path, struct unit_strv *env, FILE *err);

#endif
