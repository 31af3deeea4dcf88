/* strbuf: a fixed-capacity string builder that never allocates.
 *
 * PID 1 must not fail on allocation, so text it produces (console lines, status replies, boot.json) is
 * built into caller-owned buffers. Overflow truncates and sets `truncated`; callers decide whether
 * that matters. */
#ifndef EK_STRBUF_H
#define EK_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t cap; /* including the terminating NUL */
	size_t len;
	bool truncated;
};

void sb_init(struct strbuf *sb, char *buf, size_t cap);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included; control bytes and non-UTF-8-safe bytes are
 * escaped as \u00XX so the output is always valid JSON whatever s contains. */
void sb_json_str(struct strbuf *sb, const char *s);

#endif
