#include "root_move.h"

#include <errno.h>
#include <libmount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "log.h"
#include "mount_api.h"
#include "proc_status.h"
#include "sys.h"
#include "tree_move.h"

#define MOUNTINFO "/proc/self/mountinfo"

int root_is_rootfs(const char *mountinfo)
{
	char type[64];
	int r = mount_fstype(mountinfo, "/", type, sizeof type);
	if (r < 0)
		return r;
	return strcmp(type, "rootfs") == 0;
}

/* Mounts sitting directly on the old root (/proc, maybe /dev) move along into the new root; their
 * own submounts travel with them. */
static int move_mounts(const char *newroot)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs, *root = NULL;
	int r = 0;

	if (!tb || !it || mnt_table_parse_file(tb, MOUNTINFO) < 0 || mnt_table_get_root_fs(tb, &root) < 0) {
		r = -ENOENT;
		goto out;
	}
	int root_id = mnt_fs_get_id(root);
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *target = mnt_fs_get_target(fs);
		if (mnt_fs_get_parent_id(fs) != root_id || fs == root || !target || !strcmp(target, newroot))
			continue;
		char dst[4096];
		snprintf(dst, sizeof dst, "%s%s", newroot, target);
		mkdir(dst, 0755);
		if (ek_sys.mount(target, dst, NULL, MS_MOVE, NULL) < 0) {
			r = -errno;
			ek_warn("root-move: moving mount %s: %s", target, strerror(errno));
		}
	}
out:
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return r;
}

static void put_back(const char *why, const char *path, int err, char *detail, size_t cap)
{
	struct tree_move_stats back;
	char errpath[512];
	int r = tree_move(EK_NEWROOT, "/", &back, errpath, sizeof errpath);
	if (r < 0)
		ek_err("root-move: putting files back failed at %s: %s; some files may be missing",
		       errpath, strerror(-r));
	if (ek_sys.umount2(EK_NEWROOT, MNT_DETACH) == 0)
		rmdir(EK_NEWROOT);
	snprintf(detail, cap, "%s %s: %s; staying on the initramfs (container runtimes will fail to pivot_root)",
		 why, path, strerror(-err));
}

enum ek_result root_move_bind(char *detail, size_t cap)
{
	if (mkdir(EK_NEWROOT, 0755) < 0 && errno != EEXIST) {
		snprintf(detail, cap, "mkdir %s: %s; staying on the initramfs", EK_NEWROOT, strerror(errno));
		return EK_FAILED;
	}
	/* Not MS_REC: a recursive bind would keep copies of /proc (and /dev) under the covered rootfs
	 * for ever; the mounts on / are moved along instead. */
	if (ek_sys.mount("/", EK_NEWROOT, NULL, MS_BIND, NULL) < 0) {
		snprintf(detail, cap, "bind-mounting / on %s: %s; staying on the initramfs", EK_NEWROOT, strerror(errno));
		rmdir(EK_NEWROOT);
		return EK_FAILED;
	}
	if (move_mounts(EK_NEWROOT) < 0)
		ek_warn("root-move: some mounts did not move; they stay behind on the old root");
	if (chdir(EK_NEWROOT) < 0 || ek_sys.mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0) {
		int e = errno;
		chdir("/");
		ek_sys.umount2(EK_NEWROOT, MNT_DETACH);
		rmdir(EK_NEWROOT);
		snprintf(detail, cap, "moving the bind mount onto /: %s; staying on the initramfs", strerror(e));
		return EK_FAILED;
	}
	rmdir(EK_NEWROOT); /* the same directory, seen through the new mount */
	snprintf(detail, cap, "bind: the initramfs is now a mount of its own, nothing copied (df / and "
			      "/proc/mounts still say rootfs; no size limit)");
	return EK_OK;
}

/* The space the image needs in the new tmpfs. On a tmpfs rootfs (no root= on the kernel command
 * line) the kernel has counted it already: every tmpfs page is in /proc/meminfo's Shmem, and this
 * early the rootfs holds nearly all of them (devtmpfs adds a few KiB), so it is a close upper bound
 * read in one call instead of a stat of every entry (a whole extra pass over tens of thousands of
 * files before the move). A ramfs rootfs is not in Shmem: it is walked. */
static int image_size(uint64_t *need)
{
	struct statfs fs;
	uint64_t entries;
	if (statfs("/", &fs) == 0 && fs.f_type == TMPFS_MAGIC) {
		long kib = proc_meminfo_kib("Shmem");
		if (kib >= 0) {
			*need = (uint64_t)kib << 10;
			return 0;
		}
	}
	return tree_size("/", need, &entries);
}

enum ek_result root_move(const char *size, char *detail, size_t cap)
{
	uint64_t need;
	struct statvfs vfs;
	char opts[96], errpath[512];
	struct tree_move_stats st;
	int r;

	if ((r = image_size(&need)) < 0) {
		snprintf(detail, cap, "measuring /: %s; staying on the initramfs", strerror(-r));
		return EK_FAILED;
	}
	if (mkdir(EK_NEWROOT, 0755) < 0 && errno != EEXIST) {
		snprintf(detail, cap, "mkdir %s: %s; staying on the initramfs", EK_NEWROOT, strerror(errno));
		return EK_FAILED;
	}
	snprintf(opts, sizeof opts, "mode=0755%s%s", size[0] ? ",size=" : "", size);
	if (ek_sys.mount("rootfs-tmpfs", EK_NEWROOT, "tmpfs", 0, opts) < 0) {
		snprintf(detail, cap, "mounting tmpfs (%s): %s; staying on the initramfs", opts, strerror(errno));
		rmdir(EK_NEWROOT);
		return EK_FAILED;
	}
	/* Refuse up front rather than half-way: a half-moved root would have to be moved back. */
	if (statvfs(EK_NEWROOT, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < need + need / 20) {
		snprintf(detail, cap, "the image needs %llu MiB but the tmpfs has %llu MiB (set ekinit.rootsize=); "
				      "staying on the initramfs",
			 (unsigned long long)(need >> 20), (unsigned long long)(((uint64_t)vfs.f_bavail * vfs.f_frsize) >> 20));
		ek_sys.umount2(EK_NEWROOT, MNT_DETACH);
		rmdir(EK_NEWROOT);
		return EK_FAILED;
	}
	if ((r = tree_move("/", EK_NEWROOT, &st, errpath, sizeof errpath)) < 0) {
		put_back("moving", errpath, r, detail, cap);
		return EK_FAILED;
	}
	long left = tree_leftovers("/");
	if ((r = move_mounts(EK_NEWROOT)) < 0)
		ek_warn("root-move: some mounts did not move; they stay behind on the old root");
	/* switch_root: the new root's mount replaces / and we step into it. */
	if (chdir(EK_NEWROOT) < 0 || ek_sys.mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0) {
		r = -errno;
		chdir("/");
		put_back("switching root to", EK_NEWROOT, r, detail, cap);
		return EK_FAILED;
	}
	int n = snprintf(detail, cap, "moved %llu files (%llu KiB) into tmpfs, ",
			 (unsigned long long)(st.files + st.symlinks + st.specials + st.hardlinks),
			 (unsigned long long)(st.bytes >> 10));
	if (n > 0 && (size_t)n < cap) {
		if (left == 0)
			snprintf(detail + n, cap - (size_t)n, "rootfs emptied");
		else
			snprintf(detail + n, cap - (size_t)n, "%ld entries left on rootfs", left);
	}
	if (st.warnings)
		ek_warn("root-move: %llu attributes could not be kept (see above)", (unsigned long long)st.warnings);
	return EK_OK;
}
