#include "proto.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const verb_names[] = {
	[EK_VERB_STATUS] = "status",
	[EK_VERB_REBOOT] = "reboot",
	[EK_VERB_POWEROFF] = "poweroff",
	[EK_VERB_HALT] = "halt",
	[EK_VERB_START] = "start",
	[EK_VERB_STOP] = "stop",
	[EK_VERB_RESTART] = "restart",
	[EK_VERB_RELOAD] = "reload",
	[EK_VERB_ENABLE] = "enable",
	[EK_VERB_DISABLE] = "disable",
	[EK_VERB_STATE] = "state",
	[EK_VERB_LIST] = "list",
	[EK_VERB_LOGS] = "logs",
	[EK_VERB_ANALYZE] = "analyze",
	[EK_VERB_RELOAD_UNITS] = "daemon-reload",
};

const char *proto_verb_name(enum ek_verb verb)
{
	if ((size_t)verb < sizeof verb_names / sizeof verb_names[0])
		return verb_names[verb];
	return "?";
}

/* Arguments are unit names, options and paths: a conservative byte set keeps the parser and every
 * later consumer (logs, JSON) free of surprises. */
static bool arg_byte_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-_.@:/=+,", c) != NULL;
}

static int fail(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return -EINVAL;
}

int proto_parse_request(const char *msg, size_t len, struct ek_request *req, char *err, size_t errlen)
{
	char tok[EK_MAX_ARGS + 1][EK_ARG_MAX];
	int ntok = 0;
	size_t i = 0;

	memset(req, 0, sizeof *req);
	if (len == 0)
		return fail(err, errlen, "empty request");
	if (len > EK_REQUEST_MAX)
		return fail(err, errlen, "request too long");
	while (i < len) {
		size_t start = i;
		while (i < len && msg[i] != ' ') {
			if (msg[i] == '\0' || !arg_byte_ok((unsigned char)msg[i]))
				return fail(err, errlen, "request contains a byte outside [A-Za-z0-9-_.@:/=+,]");
			i++;
		}
		size_t n = i - start;
		if (n == 0)
			return fail(err, errlen, "empty word (double or trailing space)");
		if (n >= EK_ARG_MAX)
			return fail(err, errlen, "word too long");
		if (ntok == EK_MAX_ARGS + 1)
			return fail(err, errlen, "too many arguments");
		memcpy(tok[ntok], msg + start, n);
		tok[ntok][n] = '\0';
		ntok++;
		if (i < len) {
			i++; /* the separating space */
			if (i == len)
				return fail(err, errlen, "empty word (double or trailing space)");
		}
	}
	size_t v;
	for (v = 0; v < sizeof verb_names / sizeof verb_names[0]; v++)
		if (strcmp(tok[0], verb_names[v]) == 0)
			break;
	if (v == sizeof verb_names / sizeof verb_names[0]) {
		snprintf(err, errlen, "unknown verb '%s'", tok[0]);
		return -EINVAL;
	}
	req->verb = (enum ek_verb)v;
	req->argc = ntok - 1;
	for (int a = 1; a < ntok; a++)
		memcpy(req->argv[a - 1], tok[a], EK_ARG_MAX);
	return 0;
}

int proto_format_request(char *out, size_t cap, const char *verb, int argc, char *const argv[])
{
	char err[128];
	struct ek_request req;
	size_t len = 0;
	/* Each word must stay one word on the wire. */
	if (!*verb || strchr(verb, ' '))
		return -EINVAL;
	for (int i = 0; i < argc; i++)
		if (!*argv[i] || strchr(argv[i], ' '))
			return -EINVAL;
	int n = snprintf(out, cap, "%s", verb);
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	len = (size_t)n;
	for (int i = 0; i < argc; i++) {
		n = snprintf(out + len, cap - len, " %s", argv[i]);
		if (n < 0 || (size_t)n >= cap - len)
			return -ENAMETOOLONG;
		len += (size_t)n;
	}
	/* Refuse to send what PID 1 would refuse, so the user gets the reason locally. */
	if (proto_parse_request(out, len, &req, err, sizeof err) < 0)
		return -EINVAL;
	return (int)len;
}
