#include "fstab.h"

#include <errno.h>
#include <libmount.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "log_console.h"
#include "modules.h"
#include "mount_api.h"
#include "nodeconf.h"
#include "signals.h"
#include "sys.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 5000

static void real_sleep_ms(double ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)((ms - (double)(long)(ms / 1000) * 1000) * 1e6)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void (*fstab_sleep_ms)(double ms) = real_sleep_ms;

static bool is_nfs(const char *fstype)
{
	return !strcmp(fstype, "nfs") || !strcmp(fstype, "nfs4");
}

static bool is_remote_type(const char *fstype)
{
	static const char *const types[] = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "9p", "glusterfs", NULL};
	for (int i = 0; types[i]; i++)
		if (!strcmp(fstype, types[i]))
			return true;
	return false;
}

/* Is option name (with or without "=value") in a comma-separated list? */
static bool has_opt(const char *opts, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = opts; p && *p;) {
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '=' || !p[n]))
			return true;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return false;
}

/* What mount.nfs would add for the kernel: the server's address (the kernel does not resolve names
 * and refuses a mount without addr=: "NFS: mount program didn't pass remote address") and an NFS
 * version (the kernel's default is 3, which needs rpcbind; our share is NFSv4-only). */
static void nfs_options(struct fstab_entry *e)
{
	char host[64];
	struct in_addr a;
	const char *colon = strchr(e->source, ':');
	if (!colon || colon == e->source || colon[1] != '/' || (size_t)(colon - e->source) >= sizeof host) {
		snprintf(e->error, sizeof e->error, "'%s' is not SERVER:/path", e->source);
		return;
	}
	snprintf(host, sizeof host, "%.*s", (int)(colon - e->source), e->source);
	if (!has_opt(e->data, "addr")) {
		if (nodeconf_parse_ipv4(host, &a) < 0) {
			snprintf(e->error, sizeof e->error,
				 "server '%s' is not an IPv4 address (PID 1 does not resolve names; or give addr=)", host);
			return;
		}
		size_t n = strlen(e->data);
		snprintf(e->data + n, sizeof e->data - n, "%saddr=%s", n ? "," : "", host);
	}
	if (!has_opt(e->data, "vers") && !has_opt(e->data, "nfsvers")) {
		size_t n = strlen(e->data);
		snprintf(e->data + n, sizeof e->data - n, ",vers=4.2");
	}
	if (strlen(e->data) >= sizeof e->data - 1)
		snprintf(e->error, sizeof e->error, "options too long");
}

static void read_entry(struct libmnt_fs *fs, struct fstab_entry *e)
{
	const char *src = mnt_fs_get_source(fs), *tgt = mnt_fs_get_target(fs), *type = mnt_fs_get_fstype(fs);
	const char *fsopts = mnt_fs_get_fs_options(fs), *user = mnt_fs_get_user_options(fs);
	char *val = NULL;
	size_t valsz = 0;
	memset(e, 0, sizeof *e);
	snprintf(e->source, sizeof e->source, "%s", src ? src : "none");
	snprintf(e->target, sizeof e->target, "%s", tgt ? tgt : "");
	snprintf(e->fstype, sizeof e->fstype, "%s", type ? type : "");
	snprintf(e->data, sizeof e->data, "%s", fsopts ? fsopts : "");
	e->nofail = has_opt(user, "nofail");
	if (mnt_fs_is_swaparea(fs)) {
		e->why = "swap";
		return;
	}
	if (!strcmp(e->target, "/")) {
		e->why = "root";
		return;
	}
	if (has_opt(user, "noauto")) {
		e->why = "noauto";
		return;
	}
	e->cls = is_remote_type(e->fstype) || mnt_fs_is_netfs(fs) || has_opt(user, "_netdev") ? FSTAB_REMOTE : FSTAB_LOCAL;
	if (e->target[0] != '/') {
		snprintf(e->error, sizeof e->error, "target '%s' is not an absolute path", e->target);
		return;
	}
	const char *vfs = mnt_fs_get_vfs_options(fs);
	if (vfs && mnt_optstr_get_flags(vfs, &e->flags, mnt_get_builtin_optmap(MNT_LINUX_MAP)) < 0)
		snprintf(e->error, sizeof e->error, "cannot read the mount options");
	e->deadline_s = FSTAB_DEADLINE_S;
	if (mnt_fs_get_option(fs, "x-ekinit.deadline", &val, &valsz) == 0) {
		char num[16];
		char *end;
		snprintf(num, sizeof num, "%.*s", (int)(valsz < 15 ? valsz : 15), val ? val : "");
		long s = strtol(num, &end, 10);
		if (!num[0] || *end || s < 0 || s > 86400)
			snprintf(e->error, sizeof e->error, "x-ekinit.deadline=%s: not a number of seconds (0-86400)", num);
		else
			e->deadline_s = (unsigned)s;
	}
	if (is_nfs(e->fstype) && !e->error[0])
		nfs_options(e);
}

int fstab_read(const char *path, struct fstab_entry *out, size_t max)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	int n = 0;
	if (!tb || !it) {
		n = -ENOMEM;
		goto out;
	}
	if (access(path, R_OK) < 0) {
		n = -errno;
		goto out;
	}
	int r = mnt_table_parse_fstab(tb, path);
	if (r < 0) {
		n = r;
		goto out;
	}
	while ((size_t)n < max && mnt_table_next_fs(tb, it, &fs) == 0)
		read_entry(fs, &out[n++]);
out:
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return n;
}

static int mkdir_p(const char *path)
{
	char p[256];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return -errno;
			*s = c;
			if (!c)
				return 0;
		}
	}
}

static int mount_entry(const struct fstab_entry *e)
{
	int r = mkdir_p(e->target);
	if (r < 0)
		return r;
	if (ek_sys.mount(e->source, e->target, e->fstype, e->flags, e->data[0] ? e->data : NULL) < 0)
		return -errno;
	return 0;
}

/* Reads the fstab into static storage (boot-time work, one caller at a time). */
static struct fstab_entry entries[FSTAB_MAX];

int fstab_mount_local(const char *fstab, const char *mountinfo, struct fstab_result *res)
{
	memset(res, 0, sizeof *res);
	int n = fstab_read(fstab, entries, FSTAB_MAX);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const struct fstab_entry *e = &entries[i];
		if (e->cls != FSTAB_LOCAL) {
			res->skipped += e->cls == FSTAB_SKIP;
			continue;
		}
		if (e->error[0]) {
			ek_warn("fstab: %s: %s", e->target, e->error);
			res->failed++;
			continue;
		}
		if (mount_is_mounted(mountinfo, e->target) == 1) {
			res->present++;
			continue;
		}
		int r = mount_entry(e);
		if (r < 0) {
			ek_warn("fstab: %s: mounting %s (%s): %s%s", e->target, e->source, e->fstype, strerror(-r),
				e->nofail ? " (nofail)" : "");
			res->failed += !e->nofail;
			continue;
		}
		res->mounted++;
	}
	return 0;
}

/* Errors that retrying cannot fix: bad options, unknown file system type, not allowed. */
static bool permanent(int err)
{
	return err == EINVAL || err == ENODEV || err == EPERM || err == ENOTBLK || err == ENAMETOOLONG;
}

static bool mount_with_retries(const struct fstab_entry *e, double start_ms)
{
	double deadline = start_ms + (double)e->deadline_s * 1000, backoff = BACKOFF_FIRST_MS;
	for (;;) {
		int r = mount_entry(e);
		if (r == 0) {
			ek_info("%s: mounted %s", e->target, e->source);
			return true;
		}
		double left = deadline - ek_sys.now_ms();
		if (permanent(-r) || left <= 0) {
			ek_err("%s: %s: %s; gave up%s", e->target, e->source, strerror(-r),
			       permanent(-r) ? " (retrying cannot help)" : " at the deadline");
			return false;
		}
		ek_info("%s: %s not reachable (%s), retrying; giving up in %ld s", e->target, e->source, strerror(-r),
			(long)((left + 999) / 1000)); /* rounded up: "0 s" only when it is over */
		fstab_sleep_ms(backoff < left ? backoff : left);
		backoff = backoff * 2 < BACKOFF_MAX_MS ? backoff * 2 : BACKOFF_MAX_MS;
	}
}

int fstab_mount_remote(const char *fstab, const char *mountinfo, struct fstab_result *res)
{
	memset(res, 0, sizeof *res);
	int n = fstab_read(fstab, entries, FSTAB_MAX);
	if (n < 0)
		return n;
	/* Every deadline counts from here, so a slow first share does not extend the second's. */
	double start = ek_sys.now_ms();
	for (int i = 0; i < n; i++) {
		const struct fstab_entry *e = &entries[i];
		if (e->cls != FSTAB_REMOTE)
			continue;
		if (e->error[0]) {
			ek_err("%s: %s", e->target, e->error);
			res->failed++;
		} else if (mount_is_mounted(mountinfo, e->target) == 1) {
			res->present++;
		} else if (mount_with_retries(e, start)) {
			res->mounted++;
		} else {
			res->failed += !e->nofail;
		}
	}
	return (int)res->failed;
}

pid_t fstab_remote_start(const char *fstab, const char *mountinfo, const struct ek_modlist *mods)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct fstab_result res;
		/* PID 1 blocks its signals for the signalfd; this child must die on SIGTERM at shutdown. */
		signals_reset_for_child();
		log_console_child_stdio();
		size_t loaded;
		if (mods)
			modules_load(mods, &loaded); /* failures are warnings; the mount says the rest */
		int r = fstab_mount_remote(fstab, mountinfo, &res);
		if (r < 0)
			ek_err("%s: %s", fstab, strerror(-r));
		_exit(r < 0 ? 2 : r > 0 ? 1 : 0);
	}
	return pid;
}

/* Network mounts in mountinfo, last mounted first (children before parents). */
static int remote_mounts(const char *mountinfo, char targets[][256], int max)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
	struct libmnt_fs *fs;
	int n = 0;
	if (!tb || !it || mnt_table_parse_file(tb, mountinfo) < 0) {
		n = -ENOENT;
		goto out;
	}
	while (n < max && mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *type = mnt_fs_get_fstype(fs), *t = mnt_fs_get_target(fs);
		if (t && type && (mnt_fs_is_netfs(fs) || is_remote_type(type)))
			snprintf(targets[n++], 256, "%s", t);
	}
out:
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return n;
}

int fstab_unmount_remote(const char *mountinfo, double deadline_ms)
{
	static char targets[FSTAB_MAX][256];
	int n = remote_mounts(mountinfo, targets, FSTAB_MAX);
	if (n <= 0)
		return n;
	/* MNT_FORCE makes NFS abort its outstanding requests, but the call can still wait on the server:
	 * a child does it, and we stop waiting at the deadline. */
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		for (int i = 0; i < n; i++)
			if (ek_sys.umount2(targets[i], MNT_FORCE) < 0)
				ek_sys.umount2(targets[i], MNT_DETACH);
		_exit(0);
	}
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		double left = deadline_ms - ek_sys.now_ms();
		if (left <= 0) {
			kill(pid, SIGKILL); /* it may sit in the kernel; we do not wait for it */
			break;
		}
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		if (pidfd < 0)
			real_sleep_ms(left < 50 ? left : 50); /* no pidfd (kernel < 5.3): a short nap */
		else
			poll(&pfd, 1, (int)left + 1);
	}
	if (pidfd >= 0)
		close(pidfd);
	/* Whatever is left is detached: that never waits for a server. */
	n = remote_mounts(mountinfo, targets, FSTAB_MAX);
	for (int i = 0; i < n; i++)
		ek_sys.umount2(targets[i], MNT_DETACH);
	return remote_mounts(mountinfo, targets, FSTAB_MAX);
}
