#include "mount_api.h"

#include <errno.h>
#include <libmount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sys.h"

struct api_mount {
	const char *source, *target, *fstype;
	unsigned long flags;
	const char *data;
	const char *fallback_data; /* tried when data is refused (e.g. nsdelegate outside the init ns) */
};

#define NSE (MS_NOSUID | MS_NODEV | MS_NOEXEC)
static const struct api_mount api_mounts[] = {
	{"proc", "/proc", "proc", NSE, NULL, NULL},
	{"sysfs", "/sys", "sysfs", NSE, NULL, NULL},
	{"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", NULL},
	{"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666", NULL},
	{"tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", NULL},
	{"tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=20%", NULL},
	{"cgroup2", "/sys/fs/cgroup", "cgroup2", NSE, "nsdelegate", ""},
	{"bpf", "/sys/fs/bpf", "bpf", NSE, "mode=0700", NULL},
};

static struct libmnt_table *load_table(const char *mountinfo)
{
	struct libmnt_table *tb = mnt_new_table();
	if (!tb)
		return NULL;
	if (mnt_table_parse_file(tb, mountinfo) < 0) {
		mnt_unref_table(tb);
		return NULL;
	}
	return tb;
}

int mount_fstype(const char *mountinfo, const char *target, char *out, size_t cap)
{
	struct libmnt_table *tb = load_table(mountinfo);
	if (!tb)
		return -ENOENT;
	/* Backwards: the last mount on a path is the one that is visible. */
	struct libmnt_fs *fs = mnt_table_find_target(tb, target, MNT_ITER_BACKWARD);
	int r = -ENOENT;
	if (fs) {
		const char *t = mnt_fs_get_fstype(fs);
		snprintf(out, cap, "%s", t ? t : "");
		r = 0;
	}
	mnt_unref_table(tb);
	return r;
}

int mount_is_mounted(const char *mountinfo, const char *target)
{
	char type[64];
	int r = mount_fstype(mountinfo, target, type, sizeof type);
	if (r == -ENOENT && access(mountinfo, R_OK) < 0)
		return -errno;
	return r == 0;
}

/* /dev/fd and friends: devtmpfs does not provide them and shells' process substitution needs them. */
static void dev_links(void)
{
	static const char *const links[][2] = {
		{"/proc/self/fd", "/dev/fd"},
		{"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"},
		{"/proc/self/fd/2", "/dev/stderr"},
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
		if (symlink(links[i][0], links[i][1]) < 0 && errno != EEXIST)
			ek_debug("mount-api: %s: %s", links[i][1], strerror(errno));
}

void mount_api(const char *mountinfo, struct ek_mount_result *res)
{
	memset(res, 0, sizeof *res);
	for (size_t i = 0; i < sizeof api_mounts / sizeof api_mounts[0]; i++) {
		const struct api_mount *m = &api_mounts[i];
		/* Before /proc is mounted there is no mountinfo: that itself says nothing is mounted. */
		if (mount_is_mounted(mountinfo, m->target) == 1) {
			res->present++;
			continue;
		}
		if (mkdir(m->target, 0755) < 0 && errno != EEXIST) {
			ek_warn("mount-api: mkdir %s: %s", m->target, strerror(errno));
			res->failed++;
			continue;
		}
		int r = ek_sys.mount(m->source, m->target, m->fstype, m->flags, m->data);
		if (r < 0 && m->fallback_data)
			r = ek_sys.mount(m->source, m->target, m->fstype, m->flags, m->fallback_data);
		if (r < 0) {
			ek_warn("mount-api: %s on %s: %s", m->fstype, m->target, strerror(errno));
			res->failed++;
			continue;
		}
		res->mounted++;
	}
	dev_links();
}

int mount_make_rshared(void)
{
	return ek_sys.mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0 ? -errno : 0;
}
