/* Unit names, templates and specifiers (unit_name.h). */
#include "unit_name.h"
#include "hex.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool unit_name_valid(const char *name)
{
	size_t len = strnlen(name, UNIT_NAME_MAX + 1);
	if (len == 0 || len > UNIT_NAME_MAX)
		return false;
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.@-\\") != len)
		return false;
	const char *dot = strrchr(name, '.');
	const char *at = strchr(name, '@');
	if (!dot || dot == name || !dot[1] || name[0] == '@' || name[0] == '.')
		return false;
	if (at && (strchr(at + 1, '@') || at > dot))
		return false;
	return true;
}

bool unit_name_parts(const char *name, char *prefix, char *instance, char *suffix)
{
	const char *dot = strrchr(name, '.');
	const char *at = strchr(name, '@');
	size_t end = dot ? (size_t)(dot - name) : strlen(name);
	size_t plen = at && at < name + end ? (size_t)(at - name) : end;

	snprintf(prefix, UNIT_NAME_MAX + 1, "%.*s", (int)plen, name);
	if (at && at < name + end)
		snprintf(instance, UNIT_NAME_MAX + 1, "%.*s", (int)(end - plen - 1), at + 1);
	else
		instance[0] = '\0';
	snprintf(suffix, UNIT_NAME_MAX + 1, "%s", dot ? dot : "");
	return at && at < name + end;
}

int unit_name_template(const char *name, char *out, size_t cap)
{
	char prefix[UNIT_NAME_MAX + 1], instance[UNIT_NAME_MAX + 1], suffix[UNIT_NAME_MAX + 1];
	if (!unit_name_parts(name, prefix, instance, suffix))
		return -EINVAL;
	if ((size_t)snprintf(out, cap, "%s@%s", prefix, suffix) >= cap)
		return -E2BIG;
	return 0;
}

void unit_name_unescape(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	if (!cap)
		return;
	for (const char *s = in; *s && o + 1 < cap; s++) {
		if (*s == '-') {
			out[o++] = '/';
		} else if (s[0] == '\\' && s[1] == 'x' && hex_digit_value(s[2]) >= 0 && hex_digit_value(s[3]) >= 0 &&
			   (hex_digit_value(s[2]) | hex_digit_value(s[3]))) {
			out[o++] = (char)(hex_digit_value(s[2]) * 16 + hex_digit_value(s[3]));
			s += 3;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

/* The value of specifier c, in buf when it has to be computed; NULL when c is unknown. */
static const char *spec_value(char c, const struct unit_spec_ctx *ctx, char *buf, size_t cap)
{
	char prefix[UNIT_NAME_MAX + 1], instance[UNIT_NAME_MAX + 1], suffix[UNIT_NAME_MAX + 1];
	bool inst = unit_name_parts(ctx->name, prefix, instance, suffix);

	switch (c) {
	case 'n':
		return ctx->name;
	case 'N':
		snprintf(buf, cap, "%.*s", (int)(strlen(ctx->name) - strlen(suffix)), ctx->name);
		return buf;
	case 'p':
		snprintf(buf, cap, "%s", prefix);
		return buf;
	case 'P':
		unit_name_unescape(prefix, buf, cap);
		return buf;
	case 'i':
		snprintf(buf, cap, "%s", instance);
		return buf;
	case 'I':
		unit_name_unescape(instance, buf, cap);
		return buf;
	case 'f': {
		char un[UNIT_NAME_MAX + 1];
		unit_name_unescape(inst ? instance : prefix, un, sizeof un);
		snprintf(buf, cap, "%s%s", un[0] == '/' ? "" : "/", un);
		return buf;
	}
	case 'H':
	case 'l':
		if (ctx->hostname)
			snprintf(buf, cap, "%s", ctx->hostname);
		else if (gethostname(buf, cap - 1) < 0)
			snprintf(buf, cap, "localhost");
		buf[cap - 1] = '\0';
		if (c == 'l')
			buf[strcspn(buf, ".")] = '\0';
		return buf;
	case 't':
		return "/run";
	case 'S':
		return "/var/lib";
	case 'C':
		return "/var/cache";
	case 'L':
		return "/var/log";
	case 'E':
		return "/etc";
	case 'T':
		return "/tmp";
	case 'V':
		return "/var/tmp";
	case 'h':
		return "/root";
	case 'u':
	case 'g':
		return "root";
	case 'U':
	case 'G':
		return "0";
	case 's':
		return "/bin/sh";
	case '%':
		return "%";
	default:
		return NULL;
	}
}

int unit_specifiers(const char *in, const struct unit_spec_ctx *ctx, char *out, size_t cap, char *bad)
{
	size_t o = 0;
	char val[UNIT_NAME_MAX + 2];

	for (const char *s = in; *s; s++) {
		const char *v;
		char one[2] = {*s, '\0'};
		if (*s == '%') {
			v = spec_value(s[1], ctx, val, sizeof val);
			if (!v) {
				if (bad)
					*bad = s[1];
				return -EINVAL;
			}
			s++;
		} else {
			v = one;
		}
		size_t n = strlen(v);
		if (o + n >= cap)
			return -E2BIG;
		memcpy(out + o, v, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}
