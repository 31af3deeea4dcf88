/* Condition*=/Assert*= and StartWhenExists=: the looks at the file system run in a check child
 * (svc_check.c), which answers with an exit code; PID 1 only turns that code into a decision.
 * StartWhenExists= is watched in the child too (inotify on the nearest existing directory of the
 * path: inotify_add_watch walks the path and can hang on a dead mount like stat). */
#include <glob.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "svc_check.h"
#include "svc_conditions.h"

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

/* Watches the nearest directory of path that exists: a creation anywhere on the way wakes us. */
static void watch_nearest(int fd, const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ATTRIB) >= 0 ||
		    !strcmp(dir, "/"))
			return;
	}
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* StartWhenExists=: there now, or within watch_ms. Without inotify (no watches left) it looks
 * four times a second instead. */
static int wait_for(const char *path, int watch_ms)
{
	double end = mono_ms() + watch_ms;
	int fd = watch_ms > 0 ? inotify_init1(IN_CLOEXEC) : -1;
	for (;;) {
		if (access(path, F_OK) == 0)
			return SVC_COND_START;
		double left = end - mono_ms();
		if (left <= 0)
			return SVC_COND_ABSENT;
		if (fd >= 0)
			watch_nearest(fd, path);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(fd >= 0 ? &p : NULL, fd >= 0 ? 1 : 0, fd >= 0 ? (int)left + 1 : (left < 250 ? (int)left + 1 : 250));
		if (r > 0) {
			char buf[4096];
			if (read(fd, buf, sizeof buf) < 0) {
				/* an event is all it takes: whatever it said, look again */
			}
		}
	}
}

int svc_conditions_check(const struct svc *s, int progress, int watch_ms)
{
	bool any_trigger = false, trigger_ok = false;
	for (size_t i = 0; i < s->u.conds.n; i++) {
		const struct unit_cond *c = &s->u.conds.v[i];
		svc_check_progress(progress, (unsigned)i);
		bool ok = cond_holds(c);
		if (c->trigger) {
			any_trigger = true;
			trigger_ok |= ok;
			continue;
		}
		if (!ok)
			return i < 250 ? SVC_COND_FAILED + (int)i : 253;
	}
	if (any_trigger && !trigger_ok)
		return SVC_COND_NO_TRIGGER;
	if (!s->u.start_when_exists)
		return SVC_COND_START;
	svc_check_progress(progress, (unsigned)s->u.conds.n);
	return wait_for(s->u.start_when_exists, watch_ms);
}

int svc_conditions_answer(struct svc *s, int code)
{
	if (code == SVC_COND_START)
		return 0;
	if (code == SVC_COND_ABSENT) {
		snprintf(s->why, sizeof s->why, "waiting for %s to exist", s->u.start_when_exists);
		return 2;
	}
	if (code == SVC_COND_NO_TRIGGER) {
		snprintf(s->why, sizeof s->why, "none of the triggering conditions holds");
		return 1;
	}
	size_t i = (size_t)(code - SVC_COND_FAILED);
	if (code >= SVC_COND_FAILED && i < s->u.conds.n && i < 250) {
		const struct unit_cond *c = &s->u.conds.v[i];
		snprintf(s->why, sizeof s->why, "%s failed for %s%s", c->assert ? "assertion" : "condition",
			 c->negate ? "!" : "", c->path);
		return c->assert ? -1 : 1;
	}
	/* 253 (a condition past the 250th) or a child that could not do its job: not proven true. */
	snprintf(s->why, sizeof s->why, code == 253 ? "a condition failed" : "the check of its conditions failed (exit status %d)", code);
	return 1;
}

void svc_conditions_name(const struct svc *s, unsigned idx, char *out, size_t cap)
{
	static const char *const kinds[] = {
		[UNIT_COND_PATH_EXISTS] = "PathExists",
		[UNIT_COND_PATH_EXISTS_GLOB] = "PathExistsGlob",
		[UNIT_COND_PATH_IS_DIRECTORY] = "PathIsDirectory",
		[UNIT_COND_PATH_IS_SYMBOLIC_LINK] = "PathIsSymbolicLink",
		[UNIT_COND_PATH_IS_MOUNT_POINT] = "PathIsMountPoint",
		[UNIT_COND_PATH_IS_READ_WRITE] = "PathIsReadWrite",
		[UNIT_COND_DIRECTORY_NOT_EMPTY] = "DirectoryNotEmpty",
		[UNIT_COND_FILE_NOT_EMPTY] = "FileNotEmpty",
		[UNIT_COND_FILE_IS_EXECUTABLE] = "FileIsExecutable",
	};
	if (idx < s->u.conds.n) {
		const struct unit_cond *c = &s->u.conds.v[idx];
		snprintf(out, cap, "%s%s=%s%s%s", c->assert ? "Assert" : "Condition",
			 (unsigned)c->kind < sizeof kinds / sizeof kinds[0] ? kinds[c->kind] : "?", c->trigger ? "|" : "",
			 c->negate ? "!" : "", c->path);
	} else if (idx == s->u.conds.n && s->u.start_when_exists) {
		snprintf(out, cap, "StartWhenExists=%s", s->u.start_when_exists);
	} else {
		snprintf(out, cap, "a condition");
	}
}
