/* $VAR expansion of command lines when a service starts (unit_exec.h: unit_expand_exec). The words
 * were unquoted at load time, so a value's whitespace splits only where systemd splits it: a bare
 * "$NAME" word. */
#include "unit_exec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool name_char(char c, bool first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9');
}

/* The value of the last assignment of name[0..n) in env, or "" when unset. */
static const char *lookup(const char *const *env, const char *name, size_t n)
{
	const char *v = "";
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], name, n) && env[i][n] == '=')
			v = env[i] + n + 1;
	return v;
}

/* A growing string, capped at UNIT_LINE_MAX so a hostile environment cannot balloon it. */
struct grow {
	char *s;
	size_t len, cap;
};

static int put(struct grow *g, const char *s, size_t n)
{
	if (g->len + n > UNIT_LINE_MAX)
		return -E2BIG;
	if (g->len + n + 1 > g->cap) {
		size_t ncap = (g->len + n + 1) * 2;
		char *ns = realloc(g->s, ncap);
		if (!ns)
			return -ENOMEM;
		g->s = ns;
		g->cap = ncap;
	}
	memcpy(g->s + g->len, s, n);
	g->len += n;
	g->s[g->len] = '\0';
	return 0;
}

/* Expands "${NAME}", "$NAME" and "$$" inside one word. */
static int expand_word(const char *w, const char *const *env, struct grow *g)
{
	g->len = 0;
	int r = put(g, "", 0);
	for (const char *s = w; *s && r == 0;) {
		const char *d = strchr(s, '$');
		if (!d)
			return put(g, s, strlen(s));
		if ((r = put(g, s, (size_t)(d - s))) < 0)
			return r;
		if (d[1] == '$') {
			r = put(g, "$", 1);
			s = d + 2;
		} else if (d[1] == '{') {
			const char *end = strchr(d + 2, '}');
			size_t n = end ? (size_t)(end - d - 2) : 0;
			bool ok = end && n && name_char(d[2], true);
			for (size_t i = 1; ok && i < n; i++)
				ok = name_char(d[2 + i], false);
			if (!ok) { /* not a reference: keep the '$' literally */
				r = put(g, "$", 1);
				s = d + 1;
				continue;
			}
			const char *v = lookup(env, d + 2, n);
			r = put(g, v, strlen(v));
			s = end + 1;
		} else if (name_char(d[1], true)) {
			size_t n = 1;
			while (name_char(d[1 + n], false))
				n++;
			const char *v = lookup(env, d + 1, n);
			r = put(g, v, strlen(v));
			s = d + 1 + n;
		} else {
			r = put(g, "$", 1);
			s = d + 1;
		}
	}
	return r;
}

/* Whether w is "$NAME" as a whole word; *n is the name's length. */
static bool whole_var(const char *w, size_t *n)
{
	if (w[0] != '$' || !name_char(w[1], true))
		return false;
	size_t i = 2;
	while (name_char(w[i], false))
		i++;
	*n = i - 1;
	return w[i] == '\0';
}

static int add_split(struct unit_strv *out, const char *v, struct grow *g)
{
	static const char ws[] = " \t\n\r\v\f";
	while (*v) {
		v += strspn(v, ws);
		size_t n = strcspn(v, ws);
		if (!n)
			break;
		g->len = 0;
		int r = put(g, v, n);
		if (r == 0)
			r = unit_strv_add(out, g->s);
		if (r < 0)
			return r;
		v += n;
	}
	return 0;
}

int unit_expand_exec(const struct unit_exec *cmd, const char *const *env, struct unit_strv *out)
{
	struct grow g = {0};
	int r = 0;

	for (size_t i = 0; i < cmd->argv.n && r == 0; i++) {
		const char *w = cmd->argv.v[i];
		size_t n;
		if (cmd->flags & UNIT_EXEC_NO_ENV_EXPAND)
			r = unit_strv_add(out, w);
		else if (i > 0 && whole_var(w, &n))
			r = add_split(out, lookup(env, w + 1, n), &g);
		else if ((r = expand_word(w, env, &g)) == 0)
			r = unit_strv_add(out, g.s);
	}
	free(g.s);
	if (r < 0)
		unit_strv_free(out);
	return r;
}
