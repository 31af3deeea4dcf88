/* RuntimeDirectory= and StateDirectory=: made before a start, in a check child (svc_check.c),
 * the runtime ones removed after a stop by PID 1 itself, which therefore never follows a symlink
 * or enters another mount on the way. /run is PID 1's own tmpfs, but a name with a slash can
 * lead through a symlink or a mount to anywhere, /var/lib may hold a remote mount, and
 * getpwnam() may ask a directory server: none of that may hang PID 1. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "svc_check.h"
#include "svc_dirs.h"

static void complain(const char *key, const char *path, const char *what)
{
	fprintf(stderr, "ekinit: %s %s: %s\n", key, path, what);
}

/* RuntimeDirectory= belongs to the service's User=/Group= with exactly RuntimeDirectoryMode=
 * (not reduced by PID 1's umask); the directory is opened without following a symlink before it
 * is changed. Runs in the check child: complaints go to stderr, the service's log. */
static int make_runtime_dir(const struct svc *s, const char *p)
{
	int bad = 0;
	uid_t uid = 0;
	gid_t gid = 0;
	if (s->u.user) {
		struct passwd *pw = getpwnam(s->u.user);
		if (!pw) {
			complain("RuntimeDirectory", p, "no such user (left to root)");
			bad = 1;
		} else {
			uid = pw->pw_uid;
			gid = pw->pw_gid;
		}
	}
	if (s->u.group) {
		struct group *gr = getgrnam(s->u.group);
		if (gr) {
			gid = gr->gr_gid;
		} else {
			complain("RuntimeDirectory", p, "no such group");
			bad = 1;
		}
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST) {
		complain("RuntimeDirectory", p, strerror(errno));
		return 1;
	}
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchown(fd, uid, gid) < 0 || fchmod(fd, s->u.runtime_directory_mode & 07777) < 0) {
		complain("RuntimeDirectory", p, strerror(errno));
		bad = 1;
	}
	if (fd >= 0)
		close(fd);
	return bad;
}

/* Where a name under a directory lives: its mount and whether it is a directory, found without
 * following a symlink and without asking the file system (AT_STATX_DONT_SYNC: a hung NFS or FUSE
 * server is not asked, the kernel's cached attributes answer). */
struct place {
	uint64_t mnt;
	dev_t dev;
	bool has_mnt, dir;
};

static int place_of(int dirfd, const char *name, struct place *p)
{
	struct statx sx;
	if (statx(dirfd, name, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_MNT_ID, &sx) < 0)
		return -errno;
	p->has_mnt = sx.stx_mask & STATX_MNT_ID;
	p->mnt = sx.stx_mnt_id;
	p->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	p->dir = S_ISDIR(sx.stx_mode);
	return 0;
}

/* A directory on /run's own mount: never one behind a symlink, never a mount point (whatever is
 * mounted there may hang, and is not the service's to lose). */
static bool plain_dir_on(const struct place *p, const struct place *run)
{
	return p->dir && (p->has_mnt && run->has_mnt ? p->mnt == run->mnt : p->dev == run->dev);
}

/* Removes what is under parent/name without following a symlink anywhere (the service may have
 * left symlinks to anywhere) and without entering another mount; depth-bounded. */
static void remove_tree_at(int parent, const char *name, int depth, const struct place *run)
{
	struct place p;
	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return;
	if (depth > 32 || place_of(parent, name, &p) < 0 || !plain_dir_on(&p, run))
		return;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			remove_tree_at(dirfd(d), de->d_name, depth + 1, run);
	closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/* The directory that holds the last component of rel (a RuntimeDirectory= name may have
 * slashes), reached one plain directory at a time; -1 when a component is a symlink, a mount
 * point or missing. *last points into buf. */
static int open_parent(int run, const char *rel, const struct place *rp, char *buf, size_t cap, char **last)
{
	snprintf(buf, cap, "%s", rel);
	int fd = dup(run);
	char *comp = buf, *slash;
	while (fd >= 0 && (slash = strchr(comp, '/'))) {
		struct place p;
		*slash = '\0';
		int next = -1;
		if (place_of(fd, comp, &p) == 0 && plain_dir_on(&p, rp))
			next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		comp = slash + 1;
	}
	*last = comp;
	return fd;
}

void svc_dirs_remove(struct svc *s, bool restarting)
{
	if (s->u.runtime_directory_preserve == UNIT_PRESERVE_YES ||
	    (restarting && s->u.runtime_directory_preserve == UNIT_PRESERVE_RESTART))
		return;
	struct place rp;
	int run = open("/run", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (run < 0)
		return;
	if (place_of(run, "", &rp) == 0) {
		for (size_t i = 0; i < s->u.runtime_directory.n; i++) {
			char buf[512], *last;
			int parent = open_parent(run, s->u.runtime_directory.v[i], &rp, buf, sizeof buf, &last);
			if (parent >= 0) {
				remove_tree_at(parent, last, 0, &rp);
				close(parent);
			}
		}
	}
	close(run);
}

int svc_dirs_make(const struct svc *s, int progress)
{
	int bad = 0;
	size_t nrun = s->u.runtime_directory.n;
	for (size_t i = 0; i < nrun; i++) {
		char p[512];
		svc_check_progress(progress, (unsigned)i);
		snprintf(p, sizeof p, "/run/%s", s->u.runtime_directory.v[i]);
		bad |= make_runtime_dir(s, p);
	}
	for (size_t i = 0; i < s->u.state_directory.n; i++) {
		char p[512];
		svc_check_progress(progress, (unsigned)(nrun + i));
		snprintf(p, sizeof p, "/var/lib/%s", s->u.state_directory.v[i]);
		mkdir("/var/lib", 0755);
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			complain("StateDirectory", p, strerror(errno));
			bad = 1;
		}
	}
	return bad;
}

void svc_dirs_name(const struct svc *s, unsigned idx, char *out, size_t cap)
{
	size_t nrun = s->u.runtime_directory.n;
	if (idx < nrun)
		snprintf(out, cap, "RuntimeDirectory=%s", s->u.runtime_directory.v[idx]);
	else if (idx - nrun < s->u.state_directory.n)
		snprintf(out, cap, "StateDirectory=%s", s->u.state_directory.v[idx - nrun]);
	else
		snprintf(out, cap, "its directories");
}
