#include "cmdline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void problem(struct ek_cmdline *c, const char *fmt, const char *a, const char *b)
{
	if (c->nproblems < EK_CMDLINE_PROBLEMS_MAX)
		snprintf(c->problems[c->nproblems++], sizeof c->problems[0], fmt, a, b);
}

/* Boolean values the way the kernel's own kstrtobool reads them, plus a bare flag meaning true. */
static int parse_bool(const char *v)
{
	if (v == NULL)
		return 1;
	if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "y") || !strcmp(v, "on") || !strcmp(v, "true"))
		return 1;
	if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "n") || !strcmp(v, "off") || !strcmp(v, "false"))
		return 0;
	return -1;
}

static void set_bool(struct ek_cmdline *c, bool *dst, const char *key, const char *val)
{
	int b = parse_bool(val);
	if (b < 0)
		problem(c, "%s=%s: expected 0 or 1", key, val);
	else
		*dst = b;
}

static void set_word(struct ek_cmdline *c, char *dst, size_t cap, const char *key, const char *val)
{
	if (val == NULL || *val == '\0')
		problem(c, "%s%s: needs a value", key, "");
	else if (strlen(val) >= cap)
		problem(c, "%s=%.40s...: value too long", key, val);
	else
		memcpy(dst, val, strlen(val) + 1);
}

static void option(struct ek_cmdline *c, char *word)
{
	if (strncmp(word, "ekinit.", 7) != 0)
		return;
	char *val = strchr(word, '=');
	if (val)
		*val++ = '\0';
	if (!strcmp(word, "ekinit.shell"))
		set_bool(c, &c->shell, word, val);
	else if (!strcmp(word, "ekinit.debug"))
		set_bool(c, &c->debug, word, val);
	else if (!strcmp(word, "ekinit.break"))
		set_word(c, c->brk, sizeof c->brk, word, val);
	else if (!strcmp(word, "ekinit.rootsize"))
		set_word(c, c->rootsize, sizeof c->rootsize, word, val);
	else if (!strcmp(word, "ekinit.rootmove")) {
		if (val && !strcmp(val, "bind"))
			c->rootmove_bind = true;
		else if (val && !strcmp(val, "copy"))
			c->rootmove_bind = false;
		else
			problem(c, "%s=%s: expected copy or bind", word, val ? val : "");
	} else if (!strcmp(word, "ekinit.carrier_timeout")) {
		char *end = NULL;
		unsigned long s = val && *val >= '0' && *val <= '9' ? strtoul(val, &end, 10) : 0;
		if (!end || *end || s < 1 || s > 600)
			problem(c, "%s=%s: expected seconds, 1 to 600", word, val ? val : "");
		else
			c->carrier_timeout_s = (unsigned)s;
	} else if (!strcmp(word, "ekinit.role")) {
		if (val && strcmp(val, "control") && strcmp(val, "worker"))
			problem(c, "%s=%s: expected control or worker", word, val);
		else
			set_word(c, c->role, sizeof c->role, word, val);
	} else
		problem(c, "unknown option %s%s", word, " (ignored)");
}

void cmdline_parse(const char *text, struct ek_cmdline *out)
{
	char word[256];
	size_t n = 0;
	bool quoted = false, toolong = false;

	memset(out, 0, sizeof *out);
	for (const char *p = text;; p++) {
		char ch = *p;
		if (ch == '"') {
			quoted = !quoted;
			continue;
		}
		if (ch == '\0' || ((ch == ' ' || ch == '\t' || ch == '\n') && !quoted)) {
			word[n] = '\0';
			if (toolong && strncmp(word, "ekinit.", 7) == 0)
				problem(out, "option %.40s...: too long (ignored)%s", word, "");
			else if (n)
				option(out, word);
			n = 0;
			toolong = false;
			if (ch == '\0')
				break;
			continue;
		}
		if (n + 1 < sizeof word)
			word[n++] = ch;
		else
			toolong = true;
	}
}
