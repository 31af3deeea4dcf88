/* tree_move: a tree built on one tmpfs moves to another with everything a root filesystem carries
 * (data, modes, owners, times, links, device nodes, xattrs), the source ends up empty, mount points
 * stay where they are, and a move that runs out of space loses nothing and can be moved back.
 *
 * The test runs in its own mount namespace (unshare + make-private) so the tmpfs mounts it makes never
 * reach the host. Without one it falls back to plain directories under /tmp and skips what needs
 * mounts. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <dirent.h>

#include "t.h"
#include "log.h"
#include "tree_move.h"

static bool have_ns;

struct fx {
	char base[64];
	char src[128], dst[128];
	bool src_mounted, dst_mounted;
	char extra[4][200];
	int nextra;
};

static void fx_setup(struct fx *f, const char *src_size, const char *dst_size)
{
	char opts[64];
	memset(f, 0, sizeof *f);
	T_ASSERT(t_tmpdir(f->base, sizeof f->base));
	snprintf(f->src, sizeof f->src, "%s/src", f->base);
	snprintf(f->dst, sizeof f->dst, "%s/dst", f->base);
	T_EQ_INT(mkdir(f->src, 0755), 0);
	T_EQ_INT(mkdir(f->dst, 0755), 0);
	if (!have_ns)
		return;
	snprintf(opts, sizeof opts, "size=%s,mode=0755", src_size);
	T_EQ_INT(mount("test-src", f->src, "tmpfs", 0, opts), 0);
	f->src_mounted = true;
	snprintf(opts, sizeof opts, "size=%s,mode=0755", dst_size);
	T_EQ_INT(mount("test-dst", f->dst, "tmpfs", 0, opts), 0);
	f->dst_mounted = true;
}

/* An extra tmpfs at path (inside the source), unmounted by fx_teardown. */
static int fx_mount(struct fx *f, const char *path)
{
	if (f->nextra == 4 || mount("test-extra", path, "tmpfs", 0, "size=1m") < 0)
		return -1;
	snprintf(f->extra[f->nextra++], sizeof f->extra[0], "%s", path);
	return 0;
}

static void fx_teardown(struct fx *f)
{
	while (f->nextra > 0)
		umount2(f->extra[--f->nextra], MNT_DETACH);
	if (f->dst_mounted)
		umount2(f->dst, MNT_DETACH);
	if (f->src_mounted)
		umount2(f->src, MNT_DETACH);
	if (f->base[0])
		t_rmtree(f->base);
}

static void pathf(char *out, size_t cap, const char *dir, const char *rel)
{
	snprintf(out, cap, "%s/%s", dir, rel);
}

static int mkfile(const char *dir, const char *rel, const char *text, mode_t mode, uid_t uid, gid_t gid)
{
	char p[300];
	pathf(p, sizeof p, dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	int r = write(fd, text, n) == (ssize_t)n ? 0 : -1;
	/* Owner first: chown clears the set-id bits. */
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)
		r = -1;
	close(fd);
	return r;
}

static void set_mtime(const char *dir, const char *rel, time_t sec, long nsec)
{
	char p[300];
	struct timespec t[2] = {{sec - 100, 0}, {sec, nsec}};
	pathf(p, sizeof p, dir, rel);
	utimensat(AT_FDCWD, p, t, AT_SYMLINK_NOFOLLOW);
}

static int lstat_at(const char *dir, const char *rel, struct stat *s)
{
	char p[300];
	pathf(p, sizeof p, dir, rel);
	return lstat(p, s);
}

static const char *content(const char *dir, const char *rel)
{
	static char buf[4096];
	char p[300];
	pathf(p, sizeof p, dir, rel);
	if (t_read(p, buf, sizeof buf) < 0)
		return "<unreadable>";
	return buf;
}

/* Number of entries in dir besides . and .., or -1. */
static long entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	long n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void pattern(unsigned char *buf, size_t n, uint32_t seed)
{
	uint32_t x = seed | 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
}

static int write_all(const char *path, const unsigned char *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, buf + off, n - off > (1u << 20) ? (1u << 20) : n - off);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

/* 1 when the file at path holds exactly buf[0..n). */
static int same_bytes(const char *path, const unsigned char *buf, size_t n)
{
	struct stat s;
	if (stat(path, &s) < 0 || (size_t)s.st_size != n)
		return 0;
	unsigned char *got = malloc(n ? n : 1);
	int fd = open(path, O_RDONLY);
	size_t off = 0;
	while (fd >= 0 && got && off < n) {
		ssize_t r = read(fd, got + off, n - off);
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	int ok = fd >= 0 && got && off == n && memcmp(got, buf, n) == 0;
	if (fd >= 0)
		close(fd);
	free(got);
	return ok;
}

/* The full tree: every kind of entry a root filesystem has. */
static void build_tree(const char *src)
{
	char p[300], q[300];
	T_EQ_INT(mkfile(src, "file.txt", "hello world\n", 0644, 1234, 5678), 0);
	T_EQ_INT(mkfile(src, "suid", "#!/bin/sh\n", 04755, 0, 0), 0);
	T_EQ_INT(mkfile(src, "suid-user", "#!/bin/sh\necho\n", 06755, 1234, 5678), 0);
	T_EQ_INT(mkfile(src, "secret", "s3cr3t", 0600, 0, 0), 0);
	/* Root-owned files are created with their final mode at once: whatever the umask. */
	T_EQ_INT(mkfile(src, "readonly", "ro", 0444, 0, 0), 0);
	T_EQ_INT(mkfile(src, "shared", "rw", 0666, 0, 0), 0);
	T_EQ_INT(mkfile(src, "sticky", "st", 01644, 0, 0), 0);
	T_EQ_INT(mkfile(src, "xattr", "with xattr", 0644, 0, 0), 0);
	pathf(p, sizeof p, src, "xattr");
	T_EQ_INT(setxattr(p, "trusted.test", "value123", 8, 0), 0);
	pathf(p, sizeof p, src, "link");
	T_EQ_INT(symlink("file.txt", p), 0);
	T_EQ_INT(lchown(p, 1234, 5678), 0);
	pathf(p, sizeof p, src, "dangling");
	T_EQ_INT(symlink("/nonexistent/target", p), 0);
	pathf(p, sizeof p, src, "dirlink");
	T_EQ_INT(symlink("empty", p), 0);
	pathf(p, sizeof p, src, "empty");
	T_EQ_INT(mkdir(p, 0755), 0);
	pathf(p, sizeof p, src, "priv");
	T_EQ_INT(mkdir(p, 0700), 0);
	pathf(p, sizeof p, src, "priv/inner");
	T_EQ_INT(mkdir(p, 0700), 0);
	T_EQ_INT(mkfile(src, "priv/inner/f", "deep", 0640, 0, 0), 0);
	set_mtime(src, "priv/inner", 1500000000, 0);
	pathf(p, sizeof p, src, "sub");
	T_EQ_INT(mkdir(p, 0755), 0);
	pathf(p, sizeof p, src, "sub/deeper");
	T_EQ_INT(mkdir(p, 0751), 0);
	/* One inode, three names in three directories. */
	T_EQ_INT(mkfile(src, "h1", "linked", 0644, 0, 0), 0);
	pathf(p, sizeof p, src, "h1");
	pathf(q, sizeof q, src, "sub/h2");
	T_EQ_INT(link(p, q), 0);
	pathf(q, sizeof q, src, "sub/deeper/h3");
	T_EQ_INT(link(p, q), 0);
	pathf(p, sizeof p, src, "null");
	T_EQ_INT(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
	T_EQ_INT(chmod(p, 0666), 0);
	pathf(p, sizeof p, src, "fifo");
	T_EQ_INT(mkfifo(p, 0640), 0);
	T_EQ_INT(chmod(p, 0640), 0);
	set_mtime(src, "file.txt", 1234567890, 123456789);
	set_mtime(src, "link", 1234567000, 5);
	set_mtime(src, "sub/deeper", 1400000000, 42);
	set_mtime(src, "sub", 1400000001, 0);
}

static void check_tree(const char *dst)
{
	struct stat s, s2, s3;
	char p[300], v[64];

	T_EQ_STR(content(dst, "file.txt"), "hello world\n");
	T_EQ_INT(lstat_at(dst, "file.txt", &s), 0);
	T_EQ_INT(s.st_mode, S_IFREG | 0644);
	T_EQ_INT(s.st_uid, 1234);
	T_EQ_INT(s.st_gid, 5678);
	T_EQ_INT(s.st_mtim.tv_sec, 1234567890);
	T_EQ_INT(s.st_mtim.tv_nsec, 123456789);

	T_EQ_INT(lstat_at(dst, "suid", &s), 0);
	T_EQ_INT(s.st_mode, S_IFREG | 04755);
	T_EQ_STR(content(dst, "suid"), "#!/bin/sh\n");
	T_EQ_INT(lstat_at(dst, "suid-user", &s), 0);
	T_EQ_INT(s.st_mode, S_IFREG | 06755);
	T_EQ_INT(s.st_uid, 1234);
	T_EQ_INT(s.st_gid, 5678);
	T_EQ_INT(lstat_at(dst, "secret", &s), 0);
	T_EQ_INT(s.st_mode, S_IFREG | 0600);
	T_EQ_STR(content(dst, "secret"), "s3cr3t");
	T_EQ_INT(lstat_at(dst, "readonly", &s), 0);
	T_EQ_INT(s.st_mode, S_IFREG | 0444);
	T_EQ_STR(content(dst, "readonly"), "ro");
	T_EQ_INT(lstat_at(dst, "shared", &s), 0);
	T_EQ_INT(s.st_mode, S_IFREG | 0666);
	T_EQ_INT(s.st_uid, 0);
	T_EQ_INT(s.st_gid, 0);
	T_EQ_INT(lstat_at(dst, "sticky", &s), 0);
	T_EQ_INT(s.st_mode, S_IFREG | 01644);

	pathf(p, sizeof p, dst, "xattr");
	memset(v, 0, sizeof v);
	T_EQ_INT(getxattr(p, "trusted.test", v, sizeof v - 1), 8);
	T_EQ_STR(v, "value123");
	T_EQ_INT(getxattr(p, "security.capability", v, sizeof v), -1);
	T_EQ_INT(errno, ENODATA);
	pathf(p, sizeof p, dst, "file.txt");
	T_EQ_INT(listxattr(p, v, sizeof v), 0);

	/* Symlinks: recreated with their target, not followed. */
	T_EQ_INT(lstat_at(dst, "link", &s), 0);
	T_ASSERT(S_ISLNK(s.st_mode));
	T_EQ_INT(s.st_uid, 1234);
	T_EQ_INT(s.st_gid, 5678);
	T_EQ_INT(s.st_mtim.tv_sec, 1234567000);
	pathf(p, sizeof p, dst, "link");
	memset(v, 0, sizeof v);
	T_EQ_INT(readlink(p, v, sizeof v - 1), 8);
	T_EQ_STR(v, "file.txt");
	pathf(p, sizeof p, dst, "dangling");
	memset(v, 0, sizeof v);
	T_EQ_INT(readlink(p, v, sizeof v - 1), 19);
	T_EQ_STR(v, "/nonexistent/target");
	T_EQ_INT(lstat_at(dst, "dirlink", &s), 0);
	T_ASSERT(S_ISLNK(s.st_mode));

	/* Directories, empty and nested, with their modes and times. */
	T_EQ_INT(lstat_at(dst, "empty", &s), 0);
	T_EQ_INT(s.st_mode, S_IFDIR | 0755);
	pathf(p, sizeof p, dst, "empty");
	T_EQ_INT(entries(p), 0);
	T_EQ_INT(lstat_at(dst, "priv", &s), 0);
	T_EQ_INT(s.st_mode, S_IFDIR | 0700);
	T_EQ_INT(lstat_at(dst, "priv/inner", &s), 0);
	T_EQ_INT(s.st_mode, S_IFDIR | 0700);
	T_EQ_INT(s.st_mtim.tv_sec, 1500000000);
	T_EQ_STR(content(dst, "priv/inner/f"), "deep");
	T_EQ_INT(lstat_at(dst, "priv/inner/f", &s), 0);
	T_EQ_INT(s.st_mode, S_IFREG | 0640);
	T_EQ_INT(lstat_at(dst, "sub/deeper", &s), 0);
	T_EQ_INT(s.st_mode, S_IFDIR | 0751);
	T_EQ_INT(s.st_mtim.tv_sec, 1400000000);
	T_EQ_INT(s.st_mtim.tv_nsec, 42);
	T_EQ_INT(lstat_at(dst, "sub", &s), 0);
	T_EQ_INT(s.st_mtim.tv_sec, 1400000001);

	/* Hard links stay one inode. */
	T_EQ_INT(lstat_at(dst, "h1", &s), 0);
	T_EQ_INT(lstat_at(dst, "sub/h2", &s2), 0);
	T_EQ_INT(lstat_at(dst, "sub/deeper/h3", &s3), 0);
	T_EQ_INT(s.st_ino, s2.st_ino);
	T_EQ_INT(s.st_ino, s3.st_ino);
	T_EQ_INT(s.st_nlink, 3);
	T_EQ_STR(content(dst, "sub/deeper/h3"), "linked");

	/* Device node and fifo. */
	T_EQ_INT(lstat_at(dst, "null", &s), 0);
	T_ASSERT(S_ISCHR(s.st_mode));
	T_EQ_INT(s.st_mode & 07777, 0666);
	T_EQ_INT(major(s.st_rdev), 1);
	T_EQ_INT(minor(s.st_rdev), 3);
	T_EQ_INT(lstat_at(dst, "fifo", &s), 0);
	T_ASSERT(S_ISFIFO(s.st_mode));
	T_EQ_INT(s.st_mode & 07777, 0640);
}

static void move_full_tree(struct fx *f)
{
	struct tree_move_stats st;
	char errpath[512] = "unset";

	build_tree(f->src);
	if (t_failed_now)
		return;
	mode_t old = umask(027); /* a umask that would narrow 0666 and 0644: the move must not use it */
	int r = tree_move(f->src, f->dst, &st, errpath, sizeof errpath);
	mode_t during = umask(old);
	T_EQ_INT(r, 0);
	T_EQ_INT(during, 027); /* and the caller gets its umask back */
	T_EQ_STR(errpath, "");
	check_tree(f->dst);
	if (t_failed_now)
		return;
	T_EQ_INT(tree_leftovers(f->src), 0);
	T_EQ_INT(entries(f->src), 0);
	/* file.txt suid suid-user secret readonly shared sticky xattr priv/inner/f, one of the h* names */
	T_EQ_INT(st.files, 10);
	T_EQ_INT(st.hardlinks, 2);
	T_EQ_INT(st.dirs, 5); /* empty priv priv/inner sub sub/deeper */
	T_EQ_INT(st.symlinks, 3);
	T_EQ_INT(st.specials, 2);
	T_EQ_INT(st.bytes, 12 + 10 + 15 + 6 + 2 + 2 + 2 + 10 + 4 + 6);
	T_EQ_INT(st.mountpoints, 0);
	T_EQ_INT(st.warnings, 0);
}

TEST(test_move_keeps_every_kind_of_entry)
{
	struct fx f;
	fx_setup(&f, "64m", "64m");
	if (!t_failed_now)
		move_full_tree(&f);
	fx_teardown(&f);
}

TEST(test_move_there_and_back_again)
{
	struct fx f;
	struct tree_move_stats st;
	char errpath[512];
	fx_setup(&f, "64m", "64m");
	if (!t_failed_now)
		build_tree(f.src);
	if (!t_failed_now) {
		int a = tree_move(f.src, f.dst, &st, errpath, sizeof errpath);
		int b = tree_move(f.dst, f.src, &st, errpath, sizeof errpath);
		if (a != 0 || b != 0) {
			fx_teardown(&f);
			T_FAIL("tree_move there %d, back %d (%s)", a, b, errpath);
		}
		check_tree(f.src);
	}
	if (!t_failed_now && entries(f.dst) != 0) {
		fx_teardown(&f);
		T_FAIL("the destination is not empty after moving back");
	}
	fx_teardown(&f);
}

/* A set-gid destination hands its group to every new entry: the move must still give each file the
 * group it had (the fast path that skips fchown for root's own files must not apply). */
TEST(test_setgid_destination_keeps_groups)
{
	struct fx f;
	struct tree_move_stats st;
	char errpath[512];
	struct stat s;
	fx_setup(&f, "64m", "64m");
	if (t_failed_now)
		return;
	T_EQ_INT(chown(f.dst, 0, 4321), 0);
	T_EQ_INT(chmod(f.dst, 02775), 0);
	T_EQ_INT(mkfile(f.src, "rootfile", "r", 0644, 0, 0), 0);
	char p[300];
	pathf(p, sizeof p, f.src, "d");
	T_EQ_INT(mkdir(p, 0755), 0);
	T_EQ_INT(mkfile(f.src, "d/inner", "i", 0600, 0, 0), 0);
	int r = t_failed_now ? -1 : tree_move(f.src, f.dst, &st, errpath, sizeof errpath);
	int a = lstat_at(f.dst, "rootfile", &s);
	gid_t g1 = s.st_gid;
	mode_t m1 = s.st_mode;
	int b = lstat_at(f.dst, "d/inner", &s);
	fx_teardown(&f);
	T_EQ_INT(r, 0);
	T_EQ_INT(a, 0);
	T_EQ_INT(b, 0);
	T_EQ_INT(g1, 0);
	T_EQ_INT(m1, S_IFREG | 0644);
	T_EQ_INT(s.st_gid, 0);
	T_EQ_INT(s.st_mode, S_IFREG | 0600);
}

#define BIG_SIZE ((size_t)(17u << 20) + 12345)

TEST(test_big_file_chunked_byte_exact)
{
	struct fx f;
	struct tree_move_stats st;
	char errpath[512], p[300];
	unsigned char *buf = malloc(BIG_SIZE);
	T_ASSERT(buf);
	pattern(buf, BIG_SIZE, 7);
	fx_setup(&f, "128m", "128m");
	if (!t_failed_now) {
		pathf(p, sizeof p, f.src, "big");
		int w = write_all(p, buf, BIG_SIZE);
		int r = tree_move(f.src, f.dst, &st, errpath, sizeof errpath);
		pathf(p, sizeof p, f.dst, "big");
		int same = same_bytes(p, buf, BIG_SIZE);
		long left = entries(f.src);
		fx_teardown(&f);
		free(buf);
		T_EQ_INT(w, 0);
		T_EQ_INT(r, 0);
		T_ASSERT(same);
		T_EQ_INT(left, 0);
		T_EQ_INT(st.files, 1);
		T_EQ_INT(st.bytes, BIG_SIZE);
		return;
	}
	free(buf);
	fx_teardown(&f);
}

/* Out of space half-way: the error names the file, the source keeps it whole, moving back restores
 * everything that had moved. */
TEST(test_enospc_loses_nothing_and_moves_back)
{
	struct fx f;
	struct tree_move_stats st;
	char errpath[512], p[300], q[300];
	if (!have_ns)
		T_SKIP("no private mount namespace (needs root): tmpfs mounts of a set size");
	static unsigned char big[200 * 1024];
	pattern(big, sizeof big, 99);
	fx_setup(&f, "16m", "64k");
	if (t_failed_now) {
		fx_teardown(&f);
		return;
	}
	mkfile(f.src, "a", "first", 0644, 1234, 5678);
	mkfile(f.src, "z", "last", 0600, 0, 0);
	pathf(p, sizeof p, f.src, "d");
	mkdir(p, 0700);
	mkfile(f.src, "d/inner", "inside", 0644, 0, 0);
	pathf(p, sizeof p, f.src, "d/big");
	write_all(p, big, sizeof big);
	pathf(q, sizeof q, f.src, "big2");
	link(p, q);
	int r = tree_move(f.src, f.dst, &st, errpath, sizeof errpath);
	pathf(p, sizeof p, f.src, "d/big");
	int intact = same_bytes(p, big, sizeof big);
	pathf(q, sizeof q, f.dst, "d/big");
	int partial_gone = access(q, F_OK) < 0;
	int back = tree_move(f.dst, f.src, &st, q, sizeof q);
	int intact_after = same_bytes(p, big, sizeof big);
	pathf(p, sizeof p, f.src, "big2");
	int intact_link = same_bytes(p, big, sizeof big);
	char a[64], z[64], inner[64];
	snprintf(a, sizeof a, "%s", content(f.src, "a"));
	snprintf(z, sizeof z, "%s", content(f.src, "z"));
	snprintf(inner, sizeof inner, "%s", content(f.src, "d/inner"));
	struct stat sa, sd;
	int sta = lstat_at(f.src, "a", &sa), std = lstat_at(f.src, "d", &sd);
	long left = entries(f.dst);
	fx_teardown(&f);

	T_EQ_INT(r, -ENOSPC);
	T_CONTAINS(errpath, "/src/");
	T_CONTAINS(errpath, "big");
	T_ASSERT(intact);
	T_ASSERT(partial_gone);
	T_EQ_INT(back, 0);
	T_ASSERT(intact_after);
	T_ASSERT(intact_link);
	T_EQ_STR(a, "first");
	T_EQ_STR(z, "last");
	T_EQ_STR(inner, "inside");
	T_EQ_INT(sta, 0);
	T_EQ_INT(sa.st_uid, 1234);
	T_EQ_INT(std, 0);
	T_EQ_INT(sd.st_mode, S_IFDIR | 0700);
	T_EQ_INT(left, 0);
}

/* The same with a file bigger than one chunk: the first chunk is already punched out of the source
 * when the second one fails, so the source must be refilled from the partial copy. */
TEST(test_enospc_in_second_chunk_refills_source)
{
	struct fx f;
	struct tree_move_stats st;
	char errpath[512], p[300], q[300];
	if (!have_ns)
		T_SKIP("no private mount namespace (needs root): tmpfs mounts of a set size");
	size_t n = (size_t)40 << 20;
	unsigned char *buf = malloc(n);
	T_ASSERT(buf);
	pattern(buf, n, 12345);
	fx_setup(&f, "128m", "24m");
	if (t_failed_now) {
		free(buf);
		fx_teardown(&f);
		return;
	}
	pathf(p, sizeof p, f.src, "huge");
	int w = write_all(p, buf, n);
	int r = tree_move(f.src, f.dst, &st, errpath, sizeof errpath);
	int intact = same_bytes(p, buf, n);
	pathf(q, sizeof q, f.dst, "huge");
	int partial_gone = access(q, F_OK) < 0;
	fx_teardown(&f);
	free(buf);
	T_EQ_INT(w, 0);
	T_EQ_INT(r, -ENOSPC);
	T_CONTAINS(errpath, "/src/huge");
	T_ASSERT(partial_gone);
	T_ASSERT(intact);
}

/* A file system mounted inside the source: its directory is recreated empty in the destination, and
 * what is on it is neither copied nor deleted. */
TEST(test_mount_point_recreated_empty)
{
	struct fx f;
	struct tree_move_stats st;
	char errpath[512], p[300];
	if (!have_ns)
		T_SKIP("no private mount namespace (needs root): tmpfs mounts of a set size");
	fx_setup(&f, "16m", "16m");
	if (t_failed_now) {
		fx_teardown(&f);
		return;
	}
	mkfile(f.src, "plain", "p", 0644, 0, 0);
	pathf(p, sizeof p, f.src, "mnt");
	mkdir(p, 0755);
	int m1 = fx_mount(&f, p);
	mkfile(f.src, "mnt/keep", "stays", 0644, 0, 0);
	pathf(p, sizeof p, f.src, "sub");
	mkdir(p, 0755);
	mkfile(f.src, "sub/f", "moves", 0644, 0, 0);
	pathf(p, sizeof p, f.src, "sub/mnt2");
	mkdir(p, 0755);
	int m2 = fx_mount(&f, p);
	mkfile(f.src, "sub/mnt2/keep2", "stays too", 0644, 0, 0);

	int r = tree_move(f.src, f.dst, &st, errpath, sizeof errpath);
	char keep[32], keep2[32], moved[32];
	snprintf(keep, sizeof keep, "%s", content(f.src, "mnt/keep"));
	snprintf(keep2, sizeof keep2, "%s", content(f.src, "sub/mnt2/keep2"));
	snprintf(moved, sizeof moved, "%s", content(f.dst, "sub/f"));
	struct stat s1, s2;
	int d1 = lstat_at(f.dst, "mnt", &s1), d2 = lstat_at(f.dst, "sub/mnt2", &s2);
	pathf(p, sizeof p, f.dst, "mnt");
	long e1 = entries(p);
	pathf(p, sizeof p, f.dst, "sub/mnt2");
	long e2 = entries(p);
	long left = tree_leftovers(f.src);
	int plain_gone = lstat_at(f.src, "plain", &s1) < 0 && lstat_at(f.src, "sub/f", &s1) < 0;
	fx_teardown(&f);

	T_EQ_INT(m1, 0);
	T_EQ_INT(m2, 0);
	T_EQ_INT(r, 0);
	T_EQ_INT(st.mountpoints, 2);
	T_EQ_INT(d1, 0);
	T_ASSERT(S_ISDIR(s1.st_mode));
	T_EQ_INT(d2, 0);
	T_ASSERT(S_ISDIR(s2.st_mode));
	T_EQ_INT(e1, 0);
	T_EQ_INT(e2, 0);
	T_EQ_STR(keep, "stays");
	T_EQ_STR(keep2, "stays too");
	T_EQ_STR(moved, "moves");
	T_ASSERT(plain_gone);
	T_EQ_INT(left, 0);
}

/* The destination may live inside the source (root_move's /.ekinit-root): it is not moved into
 * itself. */
TEST(test_dst_inside_src_skipped)
{
	char base[64], dst[128];
	struct tree_move_stats st;
	char errpath[512];
	T_ASSERT(t_tmpdir(base, sizeof base));
	snprintf(dst, sizeof dst, "%s/newroot", base);
	mkdir(dst, 0755);
	mkfile(base, "a", "A", 0644, 0, 0);
	char p[300];
	pathf(p, sizeof p, base, "d");
	mkdir(p, 0755);
	mkfile(base, "d/b", "B", 0644, 0, 0);
	int r = tree_move(base, dst, &st, errpath, sizeof errpath);
	char a[8], b[8];
	snprintf(a, sizeof a, "%s", content(dst, "a"));
	snprintf(b, sizeof b, "%s", content(dst, "d/b"));
	struct stat s;
	int nested = lstat_at(dst, "newroot", &s);
	long left = entries(base);
	t_rmtree(base);
	T_EQ_INT(r, 0);
	T_EQ_STR(a, "A");
	T_EQ_STR(b, "B");
	T_EQ_INT(nested, -1);
	T_EQ_INT(left, 1); /* only newroot */
	T_EQ_INT(st.files, 2);
}

/* PID 1 moves the root it runs from: the running ekinit binary (and a console shell) are in the tree.
 * Opening a running executable for writing fails with ETXTBSY, so the source must still be readable
 * some other way. */
TEST(test_running_executable_moves)
{
	struct fx f;
	struct tree_move_stats st;
	char errpath[512] = "", p[300], q[300];
	int in[2], ready[2];

	fx_setup(&f, "64m", "64m");
	if (t_failed_now) {
		fx_teardown(&f);
		return;
	}
	pathf(p, sizeof p, f.src, "cat");
	char cmd[400];
	snprintf(cmd, sizeof cmd, "cp /bin/cat '%s'", p);
	T_EQ_INT(system(cmd), 0);
	T_EQ_INT(pipe(in), 0);
	T_EQ_INT(pipe2(ready, O_CLOEXEC), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		close(in[1]);
		execl(p, "cat", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(ready[1]);
	char c;
	/* EOF on ready: the child's exec closed it (no sleeping). */
	while (read(ready[0], &c, 1) > 0)
		;
	close(ready[0]);
	int r = tree_move(f.src, f.dst, &st, errpath, sizeof errpath);
	close(in[1]);
	int status;
	waitpid(pid, &status, 0);
	int cat_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	pathf(q, sizeof q, f.dst, "cat");
	struct stat s1, s2;
	int same = stat("/bin/cat", &s1) == 0 && stat(q, &s2) == 0 && s1.st_size == s2.st_size &&
		   (s2.st_mode & 0777) == (s1.st_mode & 0777);
	fx_teardown(&f);
	if (r != 0)
		T_FAIL("tree_move with a running executable returned %d (%s) at %s", r, strerror(-r), errpath);
	T_ASSERT(same);
	T_ASSERT(cat_ok);
}

TEST(test_tree_size_counts)
{
	struct fx f;
	uint64_t bytes = 0, n = 0;
	char p[300];
	fx_setup(&f, "16m", "16m");
	if (t_failed_now) {
		fx_teardown(&f);
		return;
	}
	mkfile(f.src, "one", "x", 0644, 0, 0); /* 4096 */
	static char b4097[4098];
	memset(b4097, 'y', 4097);
	mkfile(f.src, "two", b4097, 0644, 0, 0); /* 8192 */
	mkfile(f.src, "empty", "", 0644, 0, 0); /* 0 */
	pathf(p, sizeof p, f.src, "sl");
	symlink("one", p); /* 4096 */
	pathf(p, sizeof p, f.src, "d");
	mkdir(p, 0755); /* 4096 */
	mkfile(f.src, "d/three", "zz", 0644, 0, 0); /* 4096 */
	int m = 0;
	if (have_ns) {
		pathf(p, sizeof p, f.src, "mnt");
		mkdir(p, 0755);
		m = fx_mount(&f, p);
		mkfile(f.src, "mnt/not-counted", b4097, 0644, 0, 0);
	}
	int r = tree_size(f.src, &bytes, &n);
	pathf(p, sizeof p, f.base, "missing");
	uint64_t b2, n2;
	int r2 = tree_size(p, &b2, &n2);
	fx_teardown(&f);
	T_EQ_INT(m, 0);
	T_EQ_INT(r, 0);
	T_EQ_INT(n, 6);
	T_EQ_INT(bytes, 4096 + 8192 + 0 + 4096 + 4096 + 4096);
	T_EQ_INT(r2, -ENOENT);
}

TEST(test_bad_arguments)
{
	char base[64], p[128], q[128], errpath[512];
	struct tree_move_stats st;
	T_ASSERT(t_tmpdir(base, sizeof base));
	snprintf(p, sizeof p, "%s/nope", base);
	int r1 = tree_move(p, base, &st, errpath, sizeof errpath);
	char e1[512];
	snprintf(e1, sizeof e1, "%s", errpath);
	int r2 = tree_move(base, p, &st, errpath, sizeof errpath);
	char e2[512];
	snprintf(e2, sizeof e2, "%s", errpath);
	long l = tree_leftovers(p);
	snprintf(q, sizeof q, "%s/file", base);
	t_write(q, "x");
	int r3 = tree_move(base, q, &st, errpath, sizeof errpath);
	long l2 = tree_leftovers(base);
	t_rmtree(base);
	T_EQ_INT(r1, -ENOENT);
	T_EQ_STR(e1, p);
	T_EQ_INT(r2, -ENOENT);
	T_EQ_STR(e2, p);
	T_EQ_INT(l, -ENOENT);
	T_EQ_INT(r3, -ENOTDIR);
	T_EQ_INT(l2, 1);
}

int main(void)
{
	int devnull = open("/dev/null", O_WRONLY);
	ek_log_set_fd(devnull);
	if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		have_ns = true;
	else
		printf("note: no private mount namespace (%s); using plain directories\n", strerror(errno));
	T_RUN(test_move_keeps_every_kind_of_entry);
	T_RUN(test_move_there_and_back_again);
	T_RUN(test_setgid_destination_keeps_groups);
	T_RUN(test_big_file_chunked_byte_exact);
	T_RUN(test_enospc_loses_nothing_and_moves_back);
	T_RUN(test_enospc_in_second_chunk_refills_source);
	T_RUN(test_mount_point_recreated_empty);
	T_RUN(test_dst_inside_src_skipped);
	T_RUN(test_running_executable_moves);
	T_RUN(test_tree_size_counts);
	T_RUN(test_bad_arguments);
	return T_END();
}
