/* A reader for the INI-like "key = value" files of the stages: cluster.conf and node.conf
 * ("[section]" headers) and the share's small files ("key=value" lines, no section).
 * Blank lines and lines starting with '#' or ';' are skipped; " #" after a value starts a comment.
 * Keys and values are trimmed. A line longer than KV_LINE_MAX is an error, not a silent cut. */
#ifndef STAGES_KV_H
#define STAGES_KV_H

#include <stddef.h>

#define KV_LINE_MAX 1024

/* Called for each "key = value" line; section is "" before the first header. Returns 0, or -errno
 * with a problem (without a location) written to err. */
typedef int (*kv_fn)(const char *section, const char *key, const char *value, unsigned lineno, void *ctx,
		     char *err, size_t errlen);

/* Reads path and calls fn for every line. Returns 0, or -errno with err set to
 * "path:line: problem" (or "path: strerror"). */
int kv_read(const char *path, kv_fn fn, void *ctx, char *err, size_t errlen);

/* The same over a NUL-terminated buffer; name is used in messages. */
int kv_parse(const char *name, const char *text, kv_fn fn, void *ctx, char *err, size_t errlen);

#endif
