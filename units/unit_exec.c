/* Parsing Exec*= command lines (unit_exec.h). */
#include "unit_exec.h"
#include "unit_lex.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t cap, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t cap, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return code;
}

/* Reads the prefix characters at *p into *flags. */
static int parse_prefixes(const char **p, unsigned *flags, char *err, size_t errcap)
{
	const char *s = *p;
	unsigned f = 0;
	for (;; s++) {
		unsigned bit;
		if (s[0] == '!' && s[1] == '!') {
			bit = UNIT_EXEC_AMBIENT;
			s++;
		} else if (*s == '-') {
			bit = UNIT_EXEC_IGNORE_FAILURE;
		} else if (*s == '@') {
			bit = UNIT_EXEC_ARGV0;
		} else if (*s == '+') {
			bit = UNIT_EXEC_FULL_PRIVILEGES;
		} else if (*s == '!') {
			bit = UNIT_EXEC_NO_SETUID;
		} else if (*s == ':') {
			bit = UNIT_EXEC_NO_ENV_EXPAND;
		} else {
			break;
		}
		if (f & bit)
			return fail(err, errcap, -EINVAL, "prefix '%c' given twice", *s);
		f |= bit;
	}
	unsigned setuid = UNIT_EXEC_NO_SETUID | UNIT_EXEC_AMBIENT;
	if ((f & setuid) == setuid || ((f & UNIT_EXEC_FULL_PRIVILEGES) && (f & setuid)))
		return fail(err, errcap, -EINVAL, "prefixes '+', '!' and '!!' exclude each other");
	*flags = f;
	*p = s;
	return 0;
}

static const char *word_error(int r)
{
	return r == -EILSEQ ? "invalid escape sequence" : "unbalanced quotes";
}

/* One word with specifiers expanded into spec; returns 1, 0 at the end, or an error in err. */
static int next_word(const char **p, char *word, char *spec, size_t speccap, bool *quoted,
		     const struct unit_spec_ctx *ctx, char *err, size_t errcap)
{
	int r = unit_word(p, word, quoted);
	if (r < 0)
		return fail(err, errcap, -EINVAL, "%s", word_error(r));
	if (r == 0)
		return 0;
	char bad = 0;
	r = unit_specifiers(word, ctx, spec, speccap, &bad);
	if (r == -E2BIG)
		return fail(err, errcap, -E2BIG, "command too long after specifier expansion");
	if (r < 0)
		return bad ? fail(err, errcap, -EINVAL, "unknown specifier %%%c", bad)
			   : fail(err, errcap, -EINVAL, "'%%' at the end of a word (write %%%% for a literal '%%')");
	return 1;
}

static int parse_one(const char **p, const struct unit_spec_ctx *ctx, struct unit_exec *e, char *word,
		     char *spec, size_t speccap, char *err, size_t errcap)
{
	bool quoted;
	int r;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	r = parse_prefixes(p, &e->flags, err, errcap);
	if (r < 0)
		return r;
	r = next_word(p, word, spec, speccap, &quoted, ctx, err, errcap);
	if (r < 0)
		return r;
	if (r == 0 || (!quoted && !strcmp(spec, ";")) || !spec[0])
		return fail(err, errcap, -EINVAL, "empty command");
	if (strchr(spec, '/') && spec[0] != '/')
		return fail(err, errcap, -EINVAL, "program path \"%.200s\" is neither absolute nor a bare name", spec);
	if (strchr(spec, '$'))
		return fail(err, errcap, -EINVAL, "the program path may not contain variables: \"%.200s\"", spec);
	e->path = strdup(spec);
	if (!e->path)
		return -ENOMEM;
	if (!(e->flags & UNIT_EXEC_ARGV0) && (r = unit_strv_add(&e->argv, spec)) < 0)
		return r;
	for (;;) {
		r = next_word(p, word, spec, speccap, &quoted, ctx, err, errcap);
		if (r < 0)
			return r;
		if (r == 0 || (!quoted && !strcmp(spec, ";")))
			break;
		if ((r = unit_strv_add(&e->argv, spec)) < 0)
			return r == -E2BIG ? fail(err, errcap, r, "too many arguments") : r;
	}
	if ((e->flags & UNIT_EXEC_ARGV0) && e->argv.n == 0)
		return fail(err, errcap, -EINVAL, "prefix '@' needs an argv[0] word after the program");
	return 0;
}

int unit_exec_parse(const char *value, const struct unit_spec_ctx *ctx, struct unit_exec_list *list,
		    const char *file, unsigned line, char *err, size_t errcap)
{
	size_t len = strlen(value);
	char *word = malloc(len + 1), *spec = malloc(UNIT_LINE_MAX + 1);
	struct unit_exec_list got = {0};
	const char *p = value;
	int r = 0;

	if (!word || !spec) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (list->n + got.n >= UNIT_LIST_MAX) {
			r = fail(err, errcap, -E2BIG, "too many commands");
			goto out;
		}
		struct unit_exec *nv = realloc(got.v, (got.n + 1) * sizeof *nv);
		if (!nv) {
			r = -ENOMEM;
			goto out;
		}
		got.v = nv;
		struct unit_exec *e = &got.v[got.n++];
		memset(e, 0, sizeof *e);
		e->line = line;
		if (!(e->file = strdup(file ? file : ""))) {
			r = -ENOMEM;
			goto out;
		}
		r = parse_one(&p, ctx, e, word, spec, UNIT_LINE_MAX + 1, err, errcap);
		if (r < 0)
			goto out;
	}
	if (got.n) {
		struct unit_exec *nv = realloc(list->v, (list->n + got.n) * sizeof *nv);
		if (!nv) {
			r = -ENOMEM;
			goto out;
		}
		memcpy(nv + list->n, got.v, got.n * sizeof *nv);
		list->v = nv;
		list->n += got.n;
		got.n = 0;
	}
out:
	if (r == -ENOMEM)
		fail(err, errcap, r, "out of memory");
	for (size_t i = 0; i < got.n; i++)
		unit_exec_free(&got.v[i]);
	free(got.v);
	free(word);
	free(spec);
	return r;
}
