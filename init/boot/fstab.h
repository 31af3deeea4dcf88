/* /etc/fstab through libmount: local file systems mounted in order during boot, network file systems
 * (nfs, nfs4, cifs, or _netdev) in a child process that retries them with a visible countdown, and
 * network file systems unmounted first at shutdown without being able to hang PID 1.
 *
 * Mounts go straight to mount(2) (ek_sys.mount), never through /sbin/mount.* helpers: the node image
 * has no mount.nfs, so the options the helper would add for the kernel (addr=, a default vers=) are
 * added here. */
#ifndef EK_FSTAB_H
#define EK_FSTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FSTAB_MAX 64
#define FSTAB_DEADLINE_S 120 /* remote mounts; `x-ekinit.deadline=SECONDS` overrides per entry */

enum fstab_class { FSTAB_SKIP, FSTAB_LOCAL, FSTAB_REMOTE };

struct fstab_entry {
	char source[256], target[256], fstype[32];
	unsigned long flags;   /* MS_* from the options */
	char data[512];        /* the file system's own options, as mount(2) takes them */
	enum fstab_class cls;
	const char *why;       /* FSTAB_SKIP: why ("noauto", "swap", "root") */
	char error[160];       /* non-empty: the entry cannot be mounted as written */
	unsigned deadline_s;   /* FSTAB_REMOTE */
	bool nofail;
};

/* Reads and classifies every entry of an fstab. Returns the number of entries (at most max), or
 * -errno. Entries with unusable options get error set instead of failing the whole file. */
int fstab_read(const char *path, struct fstab_entry *out, size_t max);

struct fstab_result {
	unsigned mounted, present, skipped, failed;
};

/* Mounts the local entries in order, skipping what mountinfo shows mounted already; mkdir -p the
 * targets. Failures are ek_warn()ed. 0, or -errno when the fstab cannot be read (-ENOENT: none). */
int fstab_mount_local(const char *fstab, const char *mountinfo, struct fstab_result *res);

/* The remote entries in order, each retried until its deadline (1 s backoff growing to 5 s) with a
 * console line per retry: "ekinit: /share: 10.10.0.1:/share not reachable (Connection refused),
 * retrying; giving up in 95 s". Returns the number that failed, or -errno. Blocks: run it through
 * fstab_remote_start. */
int fstab_mount_remote(const char *fstab, const char *mountinfo, struct fstab_result *res);

/* Forks a child that runs fstab_mount_remote and exits 0 when every remote mount is done, 1 when some
 * failed (each failure printed), 2 when the fstab is unreadable. Returns its pid or -errno; the
 * caller reaps it. A single NFS mount(2) can block for minutes, which PID 1 must never do. */
pid_t fstab_remote_start(const char *fstab, const char *mountinfo);

/* Unmounts every network file system in mountinfo, last mounted first: umount2(MNT_FORCE), then
 * MNT_DETACH. The unmounting runs in a child; when it is not done by deadline_ms (ek_sys.now_ms()
 * scale) the remaining ones are detached, which never waits for the server. Returns how many
 * network mounts remain (0 when all are gone), or -errno. For the shutdown child, before sync(). */
int fstab_unmount_remote(const char *mountinfo, double deadline_ms);

/* Test seam: how the retry loop sleeps (default nanosleep). */
extern void (*fstab_sleep_ms)(double ms);

#endif
