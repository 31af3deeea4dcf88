/* RuntimeDirectory= and StateDirectory=: made before a start, the runtime ones removed after a
 * stop. /run is PID 1's own tmpfs, so none of this can hang on a remote file system. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "svc_dirs.h"

/* RuntimeDirectory= belongs to the service's User=/Group= with exactly RuntimeDirectoryMode=
 * (not reduced by PID 1's umask). /run is PID 1's own tmpfs, so none of this can hang on a remote
 * file system; the directory is opened without following a symlink before it is changed. */
static void make_runtime_dir(struct svc *s, const char *p)
{
	uid_t uid = 0;
	gid_t gid = 0;
	if (s->u.user) {
		struct passwd *pw = getpwnam(s->u.user);
		if (!pw) {
			ek_warn("%s: RuntimeDirectory %s: no user %s (left to root)", s->name, p, s->u.user);
		} else {
			uid = pw->pw_uid;
			gid = pw->pw_gid;
		}
	}
	if (s->u.group) {
		struct group *gr = getgrnam(s->u.group);
		if (gr)
			gid = gr->gr_gid;
		else
			ek_warn("%s: RuntimeDirectory %s: no group %s", s->name, p, s->u.group);
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST) {
		ek_warn("%s: RuntimeDirectory %s: %s", s->name, p, strerror(errno));
		return;
	}
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchown(fd, uid, gid) < 0 || fchmod(fd, s->u.runtime_directory_mode & 07777) < 0)
		ek_warn("%s: RuntimeDirectory %s: %s", s->name, p, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Removes what is under dirfd/name without following a symlink anywhere (the service may have
 * left symlinks to anywhere); depth-bounded. */
static void remove_tree_at(int parent, const char *name, int depth)
{
	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || depth > 32) {
		if (fd >= 0)
			close(fd);
		return;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			remove_tree_at(dirfd(d), de->d_name, depth + 1);
	closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

void svc_dirs_remove(struct svc *s, bool restarting)
{
	if (s->u.runtime_directory_preserve == UNIT_PRESERVE_YES ||
	    (restarting && s->u.runtime_directory_preserve == UNIT_PRESERVE_RESTART))
		return;
	int run = open("/run", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (run < 0)
		return;
	for (size_t i = 0; i < s->u.runtime_directory.n; i++)
		remove_tree_at(run, s->u.runtime_directory.v[i], 0);
	close(run);
}

void svc_dirs_create(struct svc *s)
{
	for (size_t i = 0; i < s->u.runtime_directory.n; i++) {
		char p[512];
		snprintf(p, sizeof p, "/run/%s", s->u.runtime_directory.v[i]);
		make_runtime_dir(s, p);
	}
	for (size_t i = 0; i < s->u.state_directory.n; i++) {
		char p[512];
		snprintf(p, sizeof p, "/var/lib/%s", s->u.state_directory.v[i]);
		mkdir("/var/lib", 0755);
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			ek_warn("%s: StateDirectory %s: %s", s->name, p, strerror(errno));
	}
}
