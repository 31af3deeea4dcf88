#include "tree_move.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "log.h"

/* Big files are copied in chunks and each copied chunk is punched out of the source at once, so a
 * single large file does not need twice its size either. */
#define CHUNK (16u << 20)

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *dst; /* where the first copy went */
};

struct mover {
	uid_t uid; /* who new entries belong to before any chown */
	gid_t gid;
	dev_t src_dev;
	dev_t skip_dev;
	ino_t skip_ino;
	struct link_seen *links;
	size_t nlinks, caplinks;
	struct tree_move_stats *st;
	char *errpath;
	unsigned errcap;
};

static int fail_at(struct mover *m, const char *path, int err)
{
	if (m->errpath && m->errcap)
		snprintf(m->errpath, m->errcap, "%s", path);
	return err;
}

/* Hard links: an open-addressing table from (dev, ino) to the first copy's path. Every non-directory
 * is looked up, not only those with st_nlink > 1: deleting the first name already lowered the count
 * that the later names report. */
static size_t link_slot(const struct mover *m, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino * 0x9e3779b97f4a7c15ull) ^ (uint64_t)dev;
	return (size_t)(h & (m->caplinks - 1));
}

static const char *find_link(struct mover *m, const struct stat *s)
{
	if (!m->caplinks)
		return NULL;
	for (size_t i = link_slot(m, s->st_dev, s->st_ino);; i = (i + 1) & (m->caplinks - 1)) {
		if (!m->links[i].dst)
			return NULL;
		if (m->links[i].dev == s->st_dev && m->links[i].ino == s->st_ino)
			return m->links[i].dst;
	}
}

static void link_insert(struct mover *m, struct link_seen e)
{
	size_t i = link_slot(m, e.dev, e.ino);
	while (m->links[i].dst)
		i = (i + 1) & (m->caplinks - 1);
	m->links[i] = e;
}

static int remember_link(struct mover *m, const struct stat *s, const char *dst)
{
	if ((m->nlinks + 1) * 2 > m->caplinks) {
		struct mover grown = *m;
		grown.caplinks = m->caplinks ? m->caplinks * 2 : 64;
		grown.links = calloc(grown.caplinks, sizeof *grown.links);
		if (!grown.links)
			return -ENOMEM;
		for (size_t i = 0; i < m->caplinks; i++)
			if (m->links[i].dst)
				link_insert(&grown, m->links[i]);
		free(m->links);
		m->links = grown.links;
		m->caplinks = grown.caplinks;
	}
	char *copy = strdup(dst);
	if (!copy)
		return -ENOMEM;
	link_insert(m, (struct link_seen){s->st_dev, s->st_ino, copy});
	m->nlinks++;
	return 0;
}

/* Extended attributes (security.capability on ping, SELinux labels, ...). A target filesystem that
 * does not support one is a warning, not a reason to stop the move. */
static void copy_xattrs(struct mover *m, int sfd, int dfd, const char *spath, const char *dpath)
{
	char names[4096], value[65536];
	ssize_t n = sfd >= 0 ? flistxattr(sfd, names, sizeof names) : llistxattr(spath, names, sizeof names);
	if (n <= 0)
		return;
	for (char *name = names; name < names + n; name += strlen(name) + 1) {
		ssize_t v = sfd >= 0 ? fgetxattr(sfd, name, value, sizeof value)
				     : lgetxattr(spath, name, value, sizeof value);
		if (v < 0)
			continue;
		int r = dfd >= 0 ? fsetxattr(dfd, name, value, (size_t)v, 0)
				 : lsetxattr(dpath, name, value, (size_t)v, 0);
		if (r < 0) {
			m->st->warnings++;
			ek_warn("root-move: %s: xattr %s not kept: %s", dpath, name, strerror(errno));
		}
	}
}

static int copy_data(int in, int out, off_t size, off_t *punched)
{
	off_t off = 0;
	*punched = 0;
	while (off < size) {
		size_t want = size - off > (off_t)CHUNK ? CHUNK : (size_t)(size - off);
		off_t start = off;
		ssize_t n = sendfile(out, in, &off, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break; /* the file shrank under us: keep what there was */
		if (size > (off_t)CHUNK &&
		    fallocate(in, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, start, off - start) == 0)
			*punched = off;
	}
	return 0;
}

/* Puts back the punched-out head of a source file from the partial copy, so a failed move loses
 * nothing. */
static void unpunch(int src, int partial, off_t len)
{
	off_t off = 0;
	if (lseek(src, 0, SEEK_SET) < 0)
		return;
	while (off < len) {
		ssize_t n = sendfile(src, partial, &off, (size_t)(len - off));
		if (n <= 0)
			break;
	}
}

/* Most files of a root image belong to whoever moves it (root), and so does the file we create: it
 * is then created with its final mode (tree_move runs with umask 0) and needs neither fchown nor
 * fchmod, two of the ~10 calls per file in a move of tens of thousands. Not for set-id and sticky
 * bits (written data or a chown can clear them: fchmod after both), nor in a directory whose new
 * entries may get another group (set-gid) or a narrower mode (a default ACL): plain_dir says it
 * has neither. */
static bool created_final(const struct mover *m, const struct stat *s, bool plain_dir)
{
	return plain_dir && s->st_uid == m->uid && s->st_gid == m->gid && !(s->st_mode & 07000);
}

static int move_file(struct mover *m, int sfd, int dfd, const char *name, const struct stat *s,
		     const char *spath, const char *dpath, bool plain_dir)
{
	bool final = created_final(m, s, plain_dir);
	int in = openat(sfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0 && (errno == EACCES || errno == ETXTBSY)) /* a running binary: no punching */
		in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return fail_at(m, spath, -errno);
	/* Otherwise 0600 until the owner is right: nobody else may open it in between. */
	int out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, final ? s->st_mode & 0777 : 0600);
	if (out < 0) {
		close(in);
		return fail_at(m, dpath, -errno);
	}
	off_t punched = 0;
	int r = copy_data(in, out, s->st_size, &punched);
	if (r < 0) {
		if (punched) {
			close(out);
			out = openat(dfd, name, O_RDONLY | O_CLOEXEC);
			if (out >= 0)
				unpunch(in, out, punched);
		}
		if (out >= 0)
			close(out);
		close(in);
		unlinkat(dfd, name, 0);
		return fail_at(m, spath, r);
	}
	/* Owner before mode: chown clears set-id bits. xattrs after chown: it drops file capabilities. */
	if (!final && (fchown(out, s->st_uid, s->st_gid) < 0 || fchmod(out, s->st_mode & 07777) < 0)) {
		m->st->warnings++;
		ek_warn("root-move: %s: owner/mode not kept: %s", dpath, strerror(errno));
	}
	copy_xattrs(m, in, out, spath, dpath);
	struct timespec t[2] = {s->st_atim, s->st_mtim};
	futimens(out, t);
	close(in);
	if (close(out) < 0)
		return fail_at(m, dpath, -errno);
	m->st->files++;
	m->st->bytes += (uint64_t)s->st_size;
	return 0;
}

static int move_special(struct mover *m, int sfd, int dfd, const char *name, const struct stat *s,
			const char *spath, const char *dpath)
{
	if (S_ISLNK(s->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sfd, name, target, sizeof target - 1);
		if (n < 0)
			return fail_at(m, spath, -errno);
		target[n] = '\0';
		if (symlinkat(target, dfd, name) < 0)
			return fail_at(m, dpath, -errno);
		m->st->symlinks++;
	} else {
		if (mknodat(dfd, name, s->st_mode & (S_IFMT | 07777), s->st_rdev) < 0)
			return fail_at(m, dpath, -errno);
		m->st->specials++;
	}
	if (fchownat(dfd, name, s->st_uid, s->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (!S_ISLNK(s->st_mode) && fchmodat(dfd, name, s->st_mode & 07777, 0) < 0)) {
		m->st->warnings++;
		ek_warn("root-move: %s: owner/mode not kept: %s", dpath, strerror(errno));
	}
	copy_xattrs(m, -1, -1, spath, dpath);
	struct timespec t[2] = {s->st_atim, s->st_mtim};
	utimensat(dfd, name, t, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int move_dir(struct mover *m, int sfd, int dfd, char *spath, char *dpath, bool plain_dir);

static int join(char *buf, size_t base, const char *name)
{
	size_t n = strlen(name);
	if (base + 1 + n + 1 > PATH_MAX)
		return -ENAMETOOLONG;
	buf[base] = '/';
	memcpy(buf + base + 1, name, n + 1);
	return 0;
}

static int move_entry(struct mover *m, int sfd, int dfd, const char *name, char *spath, char *dpath,
		      bool plain_dir)
{
	size_t sl = strlen(spath), dl = strlen(dpath);
	struct stat s;
	int r;

	if ((r = join(spath, sl, name)) < 0 || (r = join(dpath, dl, name)) < 0)
		return fail_at(m, spath, r);
	if (fstatat(sfd, name, &s, AT_SYMLINK_NOFOLLOW) < 0) {
		r = fail_at(m, spath, -errno);
		goto out;
	}
	if (s.st_dev == m->skip_dev && s.st_ino == m->skip_ino)
		goto out; /* the destination itself */
	if (S_ISDIR(s.st_mode)) {
		/* A directory we create stays 0700 with no ACL until it is filled; one that was there
		 * already may have anything, so its entries take the careful path. */
		bool plain_child = plain_dir;
		if (mkdirat(dfd, name, 0700) < 0) {
			if (errno != EEXIST) {
				r = fail_at(m, dpath, -errno);
				goto out;
			}
			plain_child = false;
		}
		if (s.st_dev != m->src_dev) {
			m->st->mountpoints++; /* recreated as an empty directory; the mount is moved separately */
		} else {
			int csfd = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int cdfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (csfd < 0 || cdfd < 0) {
				r = fail_at(m, csfd < 0 ? spath : dpath, -errno);
			} else {
				r = move_dir(m, csfd, cdfd, spath, dpath, plain_child);
			}
			if (csfd >= 0)
				close(csfd);
			if (cdfd >= 0)
				close(cdfd);
			if (r < 0)
				goto out;
			m->st->dirs++;
			/* A directory that stays busy (a mount point below it) is not an error. */
			if (unlinkat(sfd, name, AT_REMOVEDIR) < 0 && errno != EBUSY && errno != ENOTEMPTY)
				ek_debug("root-move: rmdir %s: %s", spath, strerror(errno));
		}
		if (fchownat(dfd, name, s.st_uid, s.st_gid, 0) < 0 || fchmodat(dfd, name, s.st_mode & 07777, 0) < 0)
			m->st->warnings++;
		copy_xattrs(m, -1, -1, spath, dpath);
		struct timespec t[2] = {s.st_atim, s.st_mtim};
		utimensat(dfd, name, t, 0);
		goto out;
	}
	const char *first = find_link(m, &s);
	if (first) {
		if (linkat(AT_FDCWD, first, dfd, name, 0) < 0) {
			r = fail_at(m, dpath, -errno);
			goto out;
		}
		m->st->hardlinks++;
		goto unlink;
	}
	r = S_ISREG(s.st_mode) ? move_file(m, sfd, dfd, name, &s, spath, dpath, plain_dir)
			       : move_special(m, sfd, dfd, name, &s, spath, dpath);
	if (r < 0)
		goto out;
	if (s.st_nlink > 1 && (r = remember_link(m, &s, dpath)) < 0) {
		fail_at(m, spath, r);
		goto out;
	}
unlink:
	if (unlinkat(sfd, name, 0) < 0)
		r = fail_at(m, spath, -errno);
out:
	spath[sl] = '\0';
	dpath[dl] = '\0';
	return r;
}

static int move_dir(struct mover *m, int sfd, int dfd, char *spath, char *dpath, bool plain_dir)
{
	int dupfd = dup(sfd);
	if (dupfd < 0)
		return fail_at(m, spath, -errno);
	DIR *d = fdopendir(dupfd);
	if (!d) {
		close(dupfd);
		return fail_at(m, spath, -errno);
	}
	int r = 0;
	struct dirent *de;
	/* Deleting while reading a directory is fine for readdir on Linux filesystems: entries already
	 * returned are gone, the rest are still returned once. */
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = move_entry(m, sfd, dfd, de->d_name, spath, dpath, plain_dir);
	}
	if (r == 0 && errno)
		r = fail_at(m, spath, -errno);
	closedir(d);
	return r;
}

int tree_move(const char *src, const char *dst, struct tree_move_stats *st, char *errpath, unsigned errcap)
{
	char spath[PATH_MAX], dpath[PATH_MAX];
	struct stat ss, ds;
	struct mover m = {.uid = geteuid(), .gid = getegid(), .st = st, .errpath = errpath, .errcap = errcap};
	int r;

	memset(st, 0, sizeof *st);
	if (errpath && errcap)
		errpath[0] = '\0';
	if (stat(src, &ss) < 0)
		return fail_at(&m, src, -errno);
	if (stat(dst, &ds) < 0)
		return fail_at(&m, dst, -errno);
	m.src_dev = ss.st_dev;
	m.skip_dev = ds.st_dev;
	m.skip_ino = ds.st_ino;
	/* Paths for messages and path-based calls; "/" would double the slash. */
	snprintf(spath, sizeof spath, "%s", strcmp(src, "/") ? src : "");
	snprintf(dpath, sizeof dpath, "%s", strcmp(dst, "/") ? dst : "");
	bool plain = !(ds.st_mode & S_ISGID) && getxattr(dst, "system.posix_acl_default", NULL, 0) < 0;
	/* Modes are set exactly as the source has them, whatever the caller's umask. */
	mode_t old_umask = umask(0);
	int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || dfd < 0)
		r = fail_at(&m, sfd < 0 ? src : dst, -errno);
	else
		r = move_dir(&m, sfd, dfd, spath, dpath, plain);
	if (r == 0) {
		/* The top directory keeps its own attributes too, except that a world-writable root
		 * (an initramfs built without a "." entry leaves the kernel's default, 1777) becomes
		 * 0755: nobody means / to be writable by every user. */
		mode_t mode = ss.st_mode & 07777;
		if (mode & S_IWOTH) {
			ek_warn("root-move: %s was mode %04o (no \".\" entry in the initramfs?); the new root gets 0755",
				src, (unsigned)mode);
			mode = 0755;
		}
		if (fchown(dfd, ss.st_uid, ss.st_gid) < 0 || fchmod(dfd, mode) < 0)
			st->warnings++;
	}
	umask(old_umask);
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	for (size_t i = 0; i < m.caplinks; i++)
		free(m.links[i].dst);
	free(m.links);
	return r;
}

static int size_dir(int fd, dev_t dev, uint64_t *bytes, uint64_t *entries, int depth)
{
	if (depth > 256)
		return -ELOOP;
	int dupfd = dup(fd);
	DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
	if (!d) {
		if (dupfd >= 0)
			close(dupfd);
		return -errno;
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		struct stat s;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(fd, de->d_name, &s, AT_SYMLINK_NOFOLLOW) < 0 || s.st_dev != dev)
			continue;
		(*entries)++;
		if (S_ISREG(s.st_mode))
			*bytes += ((uint64_t)s.st_size + 4095) / 4096 * 4096;
		else
			*bytes += 4096;
		if (S_ISDIR(s.st_mode)) {
			int c = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (c >= 0) {
				r = size_dir(c, dev, bytes, entries, depth + 1);
				close(c);
			}
		}
	}
	closedir(d);
	return r;
}

int tree_size(const char *root, uint64_t *bytes, uint64_t *entries)
{
	struct stat s;
	*bytes = *entries = 0;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fstat(fd, &s) < 0 ? -errno : size_dir(fd, s.st_dev, bytes, entries, 0);
	close(fd);
	return r;
}

long tree_leftovers(const char *dir)
{
	struct stat top, s;
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	long n = 0;
	struct dirent *de;
	if (fstat(dirfd(d), &top) < 0) {
		closedir(d);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &s, AT_SYMLINK_NOFOLLOW) < 0) {
			n++; /* cannot tell: count it as left */
			continue;
		}
		if (s.st_dev != top.st_dev)
			continue; /* a mount point */
		/* An empty directory that only stayed because a mount sits below it also counts as
		 * nothing left: it holds no data. */
		if (S_ISDIR(s.st_mode)) {
			char sub[PATH_MAX];
			snprintf(sub, sizeof sub, "%s/%s", strcmp(dir, "/") ? dir : "", de->d_name);
			if (tree_leftovers(sub) == 0)
				continue;
		}
		n++;
	}
	closedir(d);
	return n;
}
