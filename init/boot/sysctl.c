#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf_lines.h"
#include "confdirs.h"
#include "log.h"

const char *const ek_sysctl_dirs[] = {
	"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d", NULL,
};

int sysctl_key_to_path(const char *key, const char *proc_sys, char *out, unsigned long cap)
{
	/* As sysctl(8): if the first separator is a '/', the key is a path and dots are literal (for
	 * interface names like eth0.100); otherwise dots separate and slashes stand for literal dots. */
	const char *firstsep = strpbrk(key, "./");
	int slash_form = firstsep && *firstsep == '/';
	size_t n = strlen(key), plen = strlen(proc_sys);

	if (n == 0 || plen + 1 + n + 1 > cap || key[0] == '.' || key[0] == '/' || strstr(key, ".."))
		return -EINVAL;
	memcpy(out, proc_sys, plen);
	out[plen] = '/';
	for (size_t i = 0; i < n; i++) {
		char c = key[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("_-.:/*?@", c)))
			return -EINVAL;
		if (!slash_form)
			c = c == '.' ? '/' : c == '/' ? '.' : c;
		out[plen + 1 + i] = c;
	}
	out[plen + 1 + n] = '\0';
	/* Only now are the path's parts known ('/' in a dotted key became '.'): no part may be empty,
	 * "." or "..", or the write could leave proc_sys. */
	for (const char *part = out + plen + 1;;) {
		size_t len = strcspn(part, "/");
		if (len == 0 || (len == 1 && part[0] == '.') || (len == 2 && part[0] == '.' && part[1] == '.'))
			return -EINVAL;
		if (!part[len])
			return 0;
		part += len + 1;
	}
}

static int write_value(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[4096];
	int n = snprintf(buf, sizeof buf, "%s\n", value);
	int r = 0;
	if (n < 0 || (size_t)n >= sizeof buf)
		r = -E2BIG;
	else if (write(fd, buf, (size_t)n) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void apply_one(const char *file, unsigned lineno, const char *key, const char *value, bool ignore_fail,
		      const char *proc_sys, bool net_only, struct ek_sysctl_result *res)
{
	char path[1024];
	if (sysctl_key_to_path(key, proc_sys, path, sizeof path) < 0) {
		ek_warn("%s:%u: '%s' is not a valid sysctl key (ignored)", file, lineno, key);
		res->failed++;
		return;
	}
	if (net_only && strncmp(key, "net.", 4) && strncmp(key, "net/", 4)) {
		ek_debug("%s:%u: %s: not namespaced, skipped in container mode", file, lineno, key);
		res->skipped++;
		return;
	}
	glob_t g;
	int gr = -1; /* -1: no glob in the key */
	if (strpbrk(key, "*?")) {
		gr = glob(path, GLOB_NOSORT, NULL, &g);
		if (gr != 0) {
			ek_debug("%s:%u: %s matches nothing", file, lineno, key);
			return;
		}
	}
	size_t count = gr == 0 ? g.gl_pathc : 1;
	for (size_t i = 0; i < count; i++) {
		const char *p = gr == 0 ? g.gl_pathv[i] : path;
		int r = write_value(p, value);
		if (r == 0) {
			res->applied++;
		} else if (ignore_fail) {
			ek_debug("%s:%u: %s: %s (ignored, '-' prefix)", file, lineno, key, strerror(-r));
		} else {
			res->failed++;
			if (r == -ENOENT)
				ek_warn("%s:%u: %s: no such key (ignored)", file, lineno, key);
			else
				ek_warn("%s:%u: %s = %s: %s", file, lineno, key, value, strerror(-r));
		}
	}
	if (gr == 0)
		globfree(&g);
}

struct sysctl_file {
	const char *path, *proc_sys;
	bool net_only;
	struct ek_sysctl_result *res;
};

static void sysctl_line(char *s, unsigned lineno, void *p)
{
	struct sysctl_file *c = p;
	bool ignore_fail = false;
	if (*s == '-') {
		ignore_fail = true;
		s++;
	}
	char *eq = strchr(s, '=');
	if (!eq) {
		ek_warn("%s:%u: expected 'key = value' (ignored)", c->path, lineno);
		c->res->failed++;
		return;
	}
	*eq = '\0';
	apply_one(c->path, lineno, conf_trim(s), conf_trim(eq + 1), ignore_fail, c->proc_sys, c->net_only, c->res);
}

int sysctl_apply_file(const char *path, const char *proc_sys, bool net_only, struct ek_sysctl_result *res)
{
	struct sysctl_file c = {path, proc_sys, net_only, res};
	return conf_read_lines(path, "#;", sysctl_line, &c, &res->failed);
}
