/* One cgroup v2 group per service (system.slice/NAME.service): stopping a service reaches every
 * process it spawned, and `ekctl status` can show its memory and task count. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups.h"
#include "log.h"
#include "svc_internal.h"
#include "sys.h"

int svc_cgroup_path(const struct svcmgr *m, const struct svc *s, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/system.slice/%s", m->cgroup_root, s->name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Controllers have to be switched on in system.slice too before a service's group (and, with
 * Delegate=yes, the container runtime below it) can use them. */
static void slice_controllers(const struct svcmgr *m)
{
	char path[512], enabled[256];
	snprintf(path, sizeof path, "%s/system.slice", m->cgroup_root);
	int failed = cgroups_delegate(path, enabled, sizeof enabled);
	if (failed > 0)
		ek_debug("system.slice: %d controllers not enabled", failed);
}

int svc_cgroup_create(struct svcmgr *m, struct svc *s)
{
	char path[512];
	snprintf(path, sizeof path, "%s/system.slice", m->cgroup_root);
	if (mkdir(path, 0755) == 0)
		slice_controllers(m);
	else if (errno != EEXIST)
		return -errno;
	if (svc_cgroup_path(m, s, path, sizeof path) < 0)
		return -ENAMETOOLONG;
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int read_pids(struct svcmgr *m, struct svc *s, pid_t *pids, int max)
{
	char path[600], line[32];
	if (svc_cgroup_path(m, s, path, sizeof path - 16) < 0)
		return 0;
	strcat(path, "/cgroup.procs");
	FILE *f = fopen(path, "re");
	int n = 0;
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof line, f)) {
		long p = strtol(line, NULL, 10);
		if (p > 1)
			pids[n++] = (pid_t)p;
	}
	fclose(f);
	return n;
}

int svc_cgroup_signal(struct svcmgr *m, struct svc *s, int sig)
{
	pid_t pids[1024];
	int n = read_pids(m, s, pids, 1024);
	if (sig == SIGKILL) {
		/* cgroup.kill (Linux 5.14) also catches processes forked while we read the list. */
		char path[600];
		if (svc_cgroup_path(m, s, path, sizeof path - 16) == 0) {
			strcat(path, "/cgroup.kill");
			write_string_file(path, "1");
		}
	}
	for (int i = 0; i < n; i++) {
		ek_sys.kill(pids[i], sig);
		if (sig != SIGKILL && sig != SIGCONT)
			ek_sys.kill(pids[i], SIGCONT);
	}
	return n;
}

bool svc_cgroup_empty(struct svcmgr *m, struct svc *s)
{
	pid_t pids[1];
	return read_pids(m, s, pids, 1) == 0;
}

long long svc_cgroup_read_ll(struct svcmgr *m, struct svc *s, const char *file)
{
	char path[600], buf[64];
	if (svc_cgroup_path(m, s, path, sizeof path - 64) < 0)
		return -1;
	strcat(path, "/");
	strcat(path, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

struct svc *svc_by_cgroup_of(struct svcmgr *m, pid_t pid)
{
	char path[64], line[600];
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	FILE *f = fopen(path, "re");
	struct svc *found = NULL;
	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof line, f)) {
		/* cgroup v2: "0::/system.slice/NAME.service[/sub]" */
		if (strncmp(line, "0::/system.slice/", 17))
			continue;
		char *name = line + 17;
		name[strcspn(name, "/\n")] = '\0';
		found = svcmgr_find(m, name);
	}
	fclose(f);
	return found;
}
