/* Condition*=/Assert*= checks on the file system, and StartWhenExists= watching: inotify on the
 * nearest existing directory of the path, so its creation wakes the loop. */
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "svc_conditions.h"
#include "svc_table.h"

static bool cond_holds(const struct unit_cond *c)
{
	struct stat st;
	bool r = false;
	switch (c->kind) {
	case UNIT_COND_PATH_EXISTS:
		r = access(c->path, F_OK) == 0;
		break;
	case UNIT_COND_PATH_EXISTS_GLOB: {
		glob_t g;
		r = glob(c->path, GLOB_NOSORT, NULL, &g) == 0;
		if (r)
			globfree(&g);
		break;
	}
	case UNIT_COND_PATH_IS_DIRECTORY:
		r = stat(c->path, &st) == 0 && S_ISDIR(st.st_mode);
		break;
	case UNIT_COND_PATH_IS_SYMBOLIC_LINK:
		r = lstat(c->path, &st) == 0 && S_ISLNK(st.st_mode);
		break;
	case UNIT_COND_PATH_IS_MOUNT_POINT: {
		struct stat parent;
		char up_path[4200];
		snprintf(up_path, sizeof up_path, "%s/..", c->path);
		r = stat(c->path, &st) == 0 && stat(up_path, &parent) == 0 &&
		    (st.st_dev != parent.st_dev || st.st_ino == parent.st_ino);
		break;
	}
	case UNIT_COND_PATH_IS_READ_WRITE:
		r = access(c->path, W_OK) == 0;
		break;
	case UNIT_COND_DIRECTORY_NOT_EMPTY: {
		glob_t g;
		char pat[4200];
		snprintf(pat, sizeof pat, "%s/*", c->path);
		r = glob(pat, GLOB_NOSORT, NULL, &g) == 0;
		if (r)
			globfree(&g);
		break;
	}
	case UNIT_COND_FILE_NOT_EMPTY:
		r = stat(c->path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
		break;
	case UNIT_COND_FILE_IS_EXECUTABLE:
		r = stat(c->path, &st) == 0 && S_ISREG(st.st_mode) && access(c->path, X_OK) == 0;
		break;
	}
	return c->negate ? !r : r;
}

int svc_check_conditions(struct svc *s)
{
	bool any_trigger = false, trigger_ok = false;
	for (size_t i = 0; i < s->u.conds.n; i++) {
		const struct unit_cond *c = &s->u.conds.v[i];
		bool ok = cond_holds(c);
		if (c->trigger) {
			any_trigger = true;
			trigger_ok |= ok;
			continue;
		}
		if (!ok) {
			snprintf(s->why, sizeof s->why, "%s failed for %s%s", c->assert ? "assertion" : "condition",
				 c->negate ? "!" : "", c->path);
			return c->assert ? -1 : 1;
		}
	}
	if (any_trigger && !trigger_ok) {
		snprintf(s->why, sizeof s->why, "none of the triggering conditions holds");
		return 1;
	}
	return 0;
}

void svc_watch_for(struct svcmgr *m, const char *path)
{
	char dir[4096];
	if (m->inotify_fd < 0) {
		m->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (m->inotify_fd < 0)
			return;
		svc_epoll_add(m, m->inotify_fd, SVC_EPOLL_TAG_INOTIFY);
	}
	/* Watch the nearest directory that exists: a creation anywhere on the way wakes us. */
	snprintf(dir, sizeof dir, "%s", path);
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (inotify_add_watch(m->inotify_fd, dir, IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB) >= 0 ||
		    !strcmp(dir, "/"))
			return;
	}
}

void svc_inotify_drain(struct svcmgr *m)
{
	char buf[4096];
	while (m->inotify_fd >= 0 && read(m->inotify_fd, buf, sizeof buf) > 0) {
	}
}
