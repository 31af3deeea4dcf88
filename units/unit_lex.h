/* The lexical layer of unit files: logical lines (comments, continuation lines, hostile bytes) and
 * the words of a value (systemd's quoting: double or single quotes anywhere in a word, C escapes). */
#ifndef EK_UNIT_LEX_H
#define EK_UNIT_LEX_H

#include <stdbool.h>
#include <stddef.h>

struct unit_lines {
	const char *buf; /* the whole file; may contain NUL bytes */
	size_t len, pos;
	unsigned lineno; /* physical lines consumed so far */
	char *line;      /* UNIT_LINE_MAX + 1 bytes, owned by the caller */
};

/* The next logical line, stripped of surrounding whitespace, with trailing-backslash continuations
 * joined (the backslash becomes a space; comment lines inside a continuation are dropped, as
 * systemd does). Comment and blank lines are skipped. Returns 1 with *line and *lineno (where the
 * logical line started), 0 at the end, or an error for a line that was dropped (*lineno says
 * which): -EILSEQ when it contained a NUL byte, -E2BIG when it was longer than UNIT_LINE_MAX. */
int unit_lines_next(struct unit_lines *l, const char **line, unsigned *lineno);

/* Splits the next word off *p into out, which needs strlen(*p) + 1 bytes (a word is never longer
 * than its source). Quotes (" or ') may start and end anywhere in a word; backslash escapes (\n \t
 * \\ \" \' \s \xHH \NNN \uXXXX \UXXXXXXXX, and a backslash before any separator or ';') are decoded
 * inside and outside quotes. *quoted (may be NULL) says whether the word used quotes or escapes, so
 * that a lone ';' can be told from "\;". Returns 1 for a word, 0 when only whitespace is left,
 * -EINVAL for an unbalanced quote or a trailing backslash, -EILSEQ for an invalid escape (or one
 * that decodes to a NUL byte). */
int unit_word(const char **p, char *out, bool *quoted);

#endif
