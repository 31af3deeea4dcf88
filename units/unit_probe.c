/* ReadyProbe= parsing and validation (unit_probe.h). */
#include "unit_probe.h"
#include "unit_exec.h"
#include "unit_values.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIX_PATH_MAX 108

static bool host_ok(const char *h, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '-' || c == ':' || c == '_' || c == '%'))
			return false;
	}
	return true;
}

/* HOST:PORT or [V6]:PORT (port optional when defport is non-zero). */
static int host_port(const char *s, size_t len, unsigned defport, struct unit_probe *out, char *err, size_t errcap)
{
	const char *hs = s, *colon = NULL;
	size_t hn;
	if (len && s[0] == '[') {
		const char *rb = memchr(s, ']', len);
		if (!rb) {
			snprintf(err, errcap, "unbalanced '[' in the host");
			return -EINVAL;
		}
		hs = s + 1;
		hn = (size_t)(rb - hs);
		if (rb + 1 < s + len) {
			if (rb[1] != ':') {
				snprintf(err, errcap, "expected ':' after ']'");
				return -EINVAL;
			}
			colon = rb + 1;
		}
	} else {
		for (size_t i = len; i-- > 0;)
			if (s[i] == ':') {
				colon = s + i;
				break;
			}
		hn = colon ? (size_t)(colon - s) : len;
		if (colon && memchr(s, ':', hn)) {
			snprintf(err, errcap, "an IPv6 address must be written in brackets: [ADDR]:PORT");
			return -EINVAL;
		}
	}
	if (!host_ok(hs, hn)) {
		snprintf(err, errcap, "invalid host \"%.*s\"", (int)(hn > 100 ? 100 : hn), hs);
		return -EINVAL;
	}
	uint64_t port = defport;
	if (colon) {
		char num[8];
		size_t pn = (size_t)(s + len - colon - 1);
		if (pn == 0 || pn >= sizeof num || (snprintf(num, sizeof num, "%.*s", (int)pn, colon + 1),
						      unit_parse_uint(num, 65535, &port) < 0) || port == 0) {
			snprintf(err, errcap, "invalid port (1-65535)");
			return -EINVAL;
		}
	} else if (!defport) {
		snprintf(err, errcap, "missing :PORT");
		return -EINVAL;
	}
	out->host = strndup(hs, hn);
	out->port = (unsigned)port;
	return out->host ? 0 : -ENOMEM;
}

static int abs_path(const char *p, size_t max, struct unit_probe *out, char *err, size_t errcap)
{
	if (p[0] != '/') {
		snprintf(err, errcap, "path \"%.100s\" is not absolute", p);
		return -EINVAL;
	}
	if (strlen(p) >= max) {
		snprintf(err, errcap, "path is too long");
		return -EINVAL;
	}
	out->path = strdup(p);
	return out->path ? 0 : -ENOMEM;
}

int unit_probe_parse(const char *value, const struct unit_spec_ctx *ctx, struct unit_probe *out,
		     const char *file, unsigned line, char *err, size_t errcap)
{
	struct unit_probe p = {0};
	int r;

	if (!strncmp(value, "tcp:", 4)) {
		p.kind = UNIT_PROBE_TCP;
		r = host_port(value + 4, strlen(value + 4), 0, &p, err, errcap);
	} else if (!strncmp(value, "http://", 7)) {
		const char *hp = value + 7, *slash = strchr(hp, '/');
		size_t hl = slash ? (size_t)(slash - hp) : strlen(hp);
		p.kind = UNIT_PROBE_HTTP;
		r = host_port(hp, hl, 80, &p, err, errcap);
		const char *path = slash ? slash : "/";
		for (const char *c = path; r == 0 && *c; c++)
			if ((unsigned char)*c <= ' ' || *c == 0x7f) {
				snprintf(err, errcap, "the URL path may not contain spaces or control bytes");
				r = -EINVAL;
			}
		if (r == 0 && !(p.path = strdup(path)))
			r = -ENOMEM;
	} else if (!strncmp(value, "https://", 8)) {
		snprintf(err, errcap, "https probes are not supported (use http:// or tcp:)");
		r = -EINVAL;
	} else if (!strncmp(value, "unix:", 5)) {
		p.kind = UNIT_PROBE_UNIX;
		r = abs_path(value + 5, UNIX_PATH_MAX, &p, err, errcap);
	} else if (!strncmp(value, "file:", 5)) {
		p.kind = UNIT_PROBE_FILE;
		r = abs_path(value + 5, 4096, &p, err, errcap);
	} else if (!strncmp(value, "exec:", 5)) {
		struct unit_exec_list l = {0};
		p.kind = UNIT_PROBE_EXEC;
		r = unit_exec_parse(value + 5, ctx, &l, file, line, err, errcap);
		if (r == 0 && l.n != 1) {
			snprintf(err, errcap, "exec: needs exactly one command");
			r = -EINVAL;
		}
		if (r == 0)
			p.exec = l.v[0];
		else
			for (size_t i = 0; i < l.n; i++)
				unit_exec_free(&l.v[i]);
		free(l.v);
	} else {
		snprintf(err, errcap, "unknown probe \"%.60s\" (tcp:HOST:PORT, http://..., unix:/path, file:/path, exec:CMD)",
			 value);
		r = -EINVAL;
	}
	if (r < 0) {
		free(p.host);
		free(p.path);
		if (p.kind != UNIT_PROBE_EXEC)
			unit_exec_free(&p.exec);
		if (r == -ENOMEM)
			snprintf(err, errcap, "out of memory");
		return r;
	}
	*out = p;
	return 0;
}
