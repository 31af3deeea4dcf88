#include "kv.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* One line (modified in place). */
static int kv_line(const char *name, char *line, unsigned lineno, char *section, size_t seccap, kv_fn fn,
		   void *ctx, char *err, size_t errlen)
{
	char problem[512] = "";
	line = trim(line);
	if (!*line || *line == '#' || *line == ';')
		return 0;
	if (*line == '[') {
		char *close = strchr(line, ']');
		if (!close || close[1] != '\0' || close == line + 1 || (size_t)(close - line - 1) >= seccap) {
			snprintf(err, errlen, "%s:%u: expected a section header like [name], got '%.80s'", name,
				 lineno, line);
			return -EINVAL;
		}
		*close = '\0';
		snprintf(section, seccap, "%s", trim(line + 1));
		return 0;
	}
	char *eq = strchr(line, '=');
	if (!eq) {
		snprintf(err, errlen, "%s:%u: expected 'key = value', got '%.80s'", name, lineno, line);
		return -EINVAL;
	}
	*eq = '\0';
	char *key = trim(line), *value = eq + 1;
	for (char *c = value; *c; c++)
		if (*c == '#' && c > value && isspace((unsigned char)c[-1])) {
			*c = '\0';
			break;
		}
	value = trim(value);
	if (!*key) {
		snprintf(err, errlen, "%s:%u: a line has a value but no key", name, lineno);
		return -EINVAL;
	}
	int r = fn(section, key, value, lineno, ctx, problem, sizeof problem);
	if (r < 0)
		snprintf(err, errlen, "%s:%u: %s", name, lineno, problem);
	return r;
}

int kv_parse(const char *name, const char *text, kv_fn fn, void *ctx, char *err, size_t errlen)
{
	char section[64] = "", line[KV_LINE_MAX + 1];
	unsigned lineno = 0;
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		lineno++;
		if (len > KV_LINE_MAX) {
			snprintf(err, errlen, "%s:%u: line longer than %d bytes", name, lineno, KV_LINE_MAX);
			return -EINVAL;
		}
		memcpy(line, text, len);
		line[len] = '\0';
		int r = kv_line(name, line, lineno, section, sizeof section, fn, ctx, err, errlen);
		if (r < 0)
			return r;
		text += len + (nl ? 1 : 0);
	}
	return 0;
}

int kv_read(const char *path, kv_fn fn, void *ctx, char *err, size_t errlen)
{
	/* The files are small; 64 KiB bounds what a corrupted or hostile file can make us read. */
	enum { CAP = 64 * 1024 };
	FILE *f = fopen(path, "re");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	char *buf = malloc(CAP + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	size_t n = fread(buf, 1, CAP + 1, f);
	int rerr = ferror(f);
	fclose(f);
	int r = 0;
	if (rerr) {
		snprintf(err, errlen, "%s: read error", path);
		r = -EIO;
	} else if (n > CAP) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, CAP);
		r = -EFBIG;
	} else if (memchr(buf, '\0', n)) {
		snprintf(err, errlen, "%s: contains a NUL byte (not a text file)", path);
		r = -EINVAL;
	} else {
		buf[n] = '\0';
		r = kv_parse(path, buf, fn, ctx, err, errlen);
	}
	free(buf);
	return r;
}
