#include "cgroups.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

int write_string_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = write(fd, s, strlen(s)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* cgroup v2's "no internal processes" rule: outside the real root (e.g. in a cgroup namespace) a
 * group with processes cannot enable controllers for its children. Move them to init.scope, as
 * systemd does, and try again. */
static int evacuate_root(const char *root)
{
	char scope[512], procs[512], src[512], line[32];
	snprintf(scope, sizeof scope, "%s/init.scope", root);
	snprintf(procs, sizeof procs, "%s/cgroup.procs", scope);
	snprintf(src, sizeof src, "%s/cgroup.procs", root);
	if (mkdir(scope, 0755) < 0 && errno != EEXIST)
		return -errno;
	FILE *f = fopen(src, "re");
	if (!f)
		return -errno;
	int r = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		int w = write_string_file(procs, line);
		if (w < 0 && w != -ESRCH)
			r = w;
	}
	fclose(f);
	return r;
}

int cgroups_delegate(const char *root, char *enabled, size_t cap)
{
	char path[512], ctl[512], avail[512];
	snprintf(path, sizeof path, "%s/cgroup.controllers", root);
	snprintf(ctl, sizeof ctl, "%s/cgroup.subtree_control", root);
	enabled[0] = '\0';

	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(avail, sizeof avail, f))
		avail[0] = '\0';
	fclose(f);

	int failed = 0, evacuated = 0;
	size_t len = 0;
	for (char *save, *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
		char req[72];
		snprintf(req, sizeof req, "+%s", c);
		int r = write_string_file(ctl, req);
		if (r == -EBUSY && !evacuated) {
			evacuated = 1;
			int e = evacuate_root(root);
			if (e < 0)
				ek_debug("cgroups: moving processes to init.scope: %s", strerror(-e));
			r = write_string_file(ctl, req);
		}
		if (r < 0) {
			/* One controller refusing (e.g. cpu with realtime tasks) must not cost the others. */
			ek_warn("cgroups: enabling %s: %s", c, strerror(-r));
			failed++;
			continue;
		}
		int n = snprintf(enabled + len, cap - len, "%s%s", len ? " " : "", c);
		if (n > 0 && (size_t)n < cap - len)
			len += (size_t)n;
		else
			enabled[len] = '\0'; /* no room: keep the list whole rather than cut a name */
	}
	return failed;
}
