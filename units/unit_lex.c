/* Logical lines and words of unit files (unit_lex.h). Written from systemd.syntax(7) and
 * systemd.service(5)'s "Command lines"; every loop advances over a bounded buffer, so no input can
 * hang or overrun it. */
#include "unit_lex.h"
#include "hex.h"
#include "unit.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* One physical line: [*start, *start + *len), advancing past its newline. */
static bool physical_line(struct unit_lines *l, const char **start, size_t *len)
{
	if (l->pos >= l->len)
		return false;
	const char *s = l->buf + l->pos;
	const char *nl = memchr(s, '\n', l->len - l->pos);
	size_t n = nl ? (size_t)(nl - s) : l->len - l->pos;
	l->pos += n + (nl ? 1 : 0);
	l->lineno++;
	*start = s;
	*len = n;
	return true;
}

int unit_lines_next(struct unit_lines *l, const char **line, unsigned *lineno)
{
	size_t used = 0;
	bool continuing = false, bad_nul = false, too_long = false;
	unsigned first = 0;
	const char *s;
	size_t n;

	while (physical_line(l, &s, &n)) {
		bool has_nul = memchr(s, '\0', n) != NULL;
		while (n && is_ws(*s))
			s++, n--;
		while (n && is_ws(s[n - 1]))
			n--;
		if (!continuing) {
			if (n == 0 || *s == '#' || *s == ';')
				continue;
			first = l->lineno;
		} else if (n == 0) {
			break; /* a blank line ends a continuation */
		} else if (*s == '#' || *s == ';') {
			continue; /* a comment inside a continued line does not end it */
		}
		bad_nul |= has_nul;
		bool cont = n && s[n - 1] == '\\';
		if (cont)
			n--;
		if (!bad_nul && !too_long) {
			if (used + n + 1 > UNIT_LINE_MAX) {
				too_long = true;
			} else {
				memcpy(l->line + used, s, n);
				used += n;
				if (cont)
					l->line[used++] = ' ';
			}
		}
		if (!cont)
			break;
		continuing = true;
	}
	if (!first)
		return 0;
	*lineno = first;
	if (bad_nul)
		return -EILSEQ;
	if (too_long)
		return -E2BIG;
	while (used && is_ws(l->line[used - 1]))
		used--;
	l->line[used] = '\0';
	*line = l->line;
	return 1;
}

/* Encodes code point cp as UTF-8 at out; returns the byte count, or 0 when cp is not valid. */
static size_t utf8_put(uint32_t cp, char *out)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decodes the escape after a backslash at *p (pointing past the backslash); appends to out. The
 * decoded bytes are never more than the source bytes (\uXXXX is 6 bytes for at most 3). */
static int unescape(const char **p, char *out, size_t *o)
{
	const char *s = *p;
	static const char simple_in[] = "abfnrtv\\\"'s; ";
	static const char simple_out[] = "\a\b\f\n\r\t\v\\\"' ; ";
	const char *hit = *s ? strchr(simple_in, *s) : NULL;

	if (!*s)
		return -EINVAL;
	if (*s == '\t') { /* an escaped tab separator stays a tab */
		out[(*o)++] = '\t';
		*p = s + 1;
		return 0;
	}
	if (hit) {
		out[(*o)++] = simple_out[hit - simple_in];
		*p = s + 1;
		return 0;
	}
	if (*s == 'x') {
		int a = hex_digit_value(s[1]), b = a >= 0 ? hex_digit_value(s[2]) : -1;
		if (b < 0 || (a | b) == 0)
			return -EILSEQ;
		out[(*o)++] = (char)(a * 16 + b);
		*p = s + 3;
		return 0;
	}
	if (*s >= '0' && *s <= '3') {
		int v = 0;
		for (int i = 0; i < 3; i++) {
			if (s[i] < '0' || s[i] > '7')
				return -EILSEQ;
			v = v * 8 + (s[i] - '0');
		}
		if (!v)
			return -EILSEQ;
		out[(*o)++] = (char)v;
		*p = s + 3;
		return 0;
	}
	if (*s == 'u' || *s == 'U') {
		int digits = *s == 'u' ? 4 : 8;
		uint32_t cp = 0;
		for (int i = 1; i <= digits; i++) {
			int h = hex_digit_value(s[i]);
			if (h < 0)
				return -EILSEQ;
			cp = cp * 16 + (uint32_t)h;
		}
		size_t k = utf8_put(cp, out + *o);
		if (!k)
			return -EILSEQ;
		*o += k;
		*p = s + 1 + digits;
		return 0;
	}
	return -EILSEQ;
}

int unit_word(const char **p, char *out, bool *quoted)
{
	const char *s = *p;
	size_t o = 0;
	char quote = 0;
	bool q = false;

	while (*s && (is_ws(*s) || *s == '\n'))
		s++;
	if (!*s) {
		*p = s;
		return 0;
	}
	for (;;) {
		char c = *s;
		if (!c) {
			if (quote)
				return -EINVAL;
			break;
		}
		if (!quote && (is_ws(c) || c == '\n'))
			break;
		s++;
		if (c == '\\') {
			q = true;
			int r = unescape(&s, out, &o);
			if (r < 0)
				return r;
		} else if (quote && c == quote) {
			quote = 0;
		} else if (!quote && (c == '"' || c == '\'')) {
			quote = c;
			q = true;
		} else {
			out[o++] = c;
		}
	}
	out[o] = '\0';
	*p = s;
	if (quoted)
		*quoted = q;
	return 1;
}
