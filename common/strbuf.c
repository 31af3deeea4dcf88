#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sb_init(struct strbuf *sb, char *buf, size_t cap)
{
	sb->buf = buf;
	sb->cap = cap;
	sb->len = 0;
	sb->truncated = false;
	if (cap)
		buf[0] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);
	if (sb->cap == 0 || sb->len + n >= sb->cap) {
		sb->truncated = true;
		n = sb->cap ? sb->cap - 1 - sb->len : 0;
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	if (sb->cap)
		sb->buf[sb->len] = '\0';
}

void sb_putc(struct strbuf *sb, char c)
{
	char s[2] = {c, '\0'};
	sb_puts(sb, s);
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	if (sb->cap == 0) {
		sb->truncated = true;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	size_t room = sb->cap - sb->len;
	int n = vsnprintf(sb->buf + sb->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room) {
		sb->truncated = true;
		sb->len = sb->cap - 1;
	} else {
		sb->len += (size_t)n;
	}
}

void sb_json_str(struct strbuf *sb, const char *s)
{
	sb_putc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': sb_puts(sb, "\\\""); break;
		case '\\': sb_puts(sb, "\\\\"); break;
		case '\n': sb_puts(sb, "\\n"); break;
		case '\t': sb_puts(sb, "\\t"); break;
		default:
			/* Bytes >= 0x80 are escaped too: we cannot promise they form valid UTF-8. */
			if (*p < 0x20 || *p >= 0x7f)
				sb_printf(sb, "\\u%04x", *p);
			else
				sb_putc(sb, (char)*p);
		}
	}
	sb_putc(sb, '"');
}
