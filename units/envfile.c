#include "envfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ENV_LINE_MAX 8192

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* Unquotes value in place; returns false for an unterminated quote. */
static bool unquote(char *v)
{
	char *out = v;
	const char *p = v;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '"' || *p == '\'') {
		char q = *p++;
		while (*p && *p != q) {
			if (q == '"' && *p == '\\' && p[1])
				p++;
			*out++ = *p++;
		}
		if (*p != q)
			return false;
		*out = '\0';
		return true;
	}
	size_t n = strlen(p);
	memmove(out, p, n + 1);
	while (n && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		out[--n] = '\0';
	return true;
}

int envfile_read(const char *path, struct unit_strv *env, FILE *err)
{
	FILE *f = fopen(path, "re");
	char *line = malloc(ENV_LINE_MAX);
	unsigned lineno = 0;
	if (!f || !line) {
		int e = f ? ENOMEM : errno;
		if (f)
			fclose(f);
		free(line);
		return -e;
	}
	size_t len = 0;
	int c;
	bool toolong = false;
	for (;;) {
		c = fgetc(f);
		if (c != '\n' && c != EOF) {
			if (c == '\0')
				toolong = true; /* NUL bytes: reject the line */
			if (len + 1 < ENV_LINE_MAX)
				line[len++] = (char)c;
			else
				toolong = true;
			continue;
		}
		lineno++;
		if (c == '\n' && len && line[len - 1] == '\\') {
			len--; /* continuation */
			continue;
		}
		line[len] = '\0';
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (toolong)
			fprintf(err, "%s:%u: line too long or contains a NUL byte (ignored)\n", path, lineno);
		else if (*s && *s != '#' && *s != ';') {
			char *eq = strchr(s, '=');
			size_t nl = eq ? (size_t)(eq - s) : 0;
			while (nl && (s[nl - 1] == ' ' || s[nl - 1] == '\t'))
				nl--;
			if (!eq || !name_ok(s, nl))
				fprintf(err, "%s:%u: expected NAME=value (ignored)\n", path, lineno);
			else if (!unquote(eq + 1))
				fprintf(err, "%s:%u: unterminated quote (ignored)\n", path, lineno);
			else {
				memmove(s + nl, eq, strlen(eq) + 1);
				if (unit_strv_add(env, s) < 0) {
					fprintf(err, "%s:%u: too many variables\n", path, lineno);
					break;
				}
			}
		}
		len = 0;
		toolong = false;
		if (c == EOF)
			break;
	}
	fclose(f);
	free(line);
	return 0;
}
