/* mount_api with a fake mount(2) and fake mountinfo files. mount_api creates its targets (/dev/pts,
 * /run, ...) and the /dev/fd links, so it runs in a child chrooted into a temp dir: nothing it makes
 * reaches the host. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "t.h"
#include "log.h"
#include "mount_api.h"
#include "sys.h"

static char base[64];

#define MI_PROC "22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw\n"
#define MI_SYS "23 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw\n"

static char calls[2048];
static int fail_mode; /* 0: succeed, 1: refuse nsdelegate only, 2: refuse all */

static int fake_mount(const char *src, const char *target, const char *fstype, unsigned long flags,
		      const void *data)
{
	size_t n = strlen(calls);
	snprintf(calls + n, sizeof calls - n, "%s %s %s %lx %s\n", src, target, fstype, flags,
		 data ? (const char *)data : "-");
	if (fail_mode == 2 || (fail_mode == 1 && data && !strcmp(data, "nsdelegate"))) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

static void mi(const char *name, const char *text)
{
	char p[200];
	snprintf(p, sizeof p, "%s/%s", base, name);
	t_write(p, text);
}

static const char *mipath(const char *name)
{
	static char p[4][200];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", base, name);
	return p[i];
}

/* Runs mount_api chrooted into a fresh root below base; returns the report the child wrote:
 * "mounted present failed\n" then the fake mount calls. */
static int run_chrooted(const char *mountinfo_text, int mode, char *report, size_t cap)
{
	char root[128], cmd[300];
	int p[2];
	snprintf(root, sizeof root, "%s/root%d", base, mode);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/sys/fs' '%s/proc'", root, root);
	if (system(cmd) != 0 || pipe(p) < 0)
		return -1;
	char mpath[200];
	snprintf(mpath, sizeof mpath, "%s/mountinfo", root);
	t_write(mpath, mountinfo_text);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (chroot(root) < 0 || chdir("/") < 0)
			_exit(2);
		struct ek_mount_result res;
		fail_mode = mode;
		ek_sys.mount = fake_mount;
		mount_api("/mountinfo", &res);
		char out[2300];
		int n = snprintf(out, sizeof out, "%u %u %u\n%s", res.mounted, res.present, res.failed, calls);
		if (write(p[1], out, (size_t)n) != n)
			_exit(3);
		struct stat s;
		/* The targets were created inside the chroot. */
		_exit(stat("/dev/pts", &s) == 0 && stat("/run", &s) == 0 && lstat("/dev/fd", &s) == 0 ? 0 : 4);
	}
	close(p[1]);
	size_t got = t_drain(p[0], report, cap);
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	if (!got || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(test_mount_api_mounts_only_missing)
{
	static char rep[4096];
	T_EQ_INT(run_chrooted(MI_PROC MI_SYS, 0, rep, sizeof rep), 0);
	T_EQ_STR(rep, "6 2 0\n"
		      "devtmpfs /dev devtmpfs 2 mode=0755\n"
		      "devpts /dev/pts devpts a gid=5,mode=0620,ptmxmode=0666\n"
		      "tmpfs /dev/shm tmpfs 6 mode=1777\n"
		      "tmpfs /run tmpfs 6 mode=0755,size=20%\n"
		      "cgroup2 /sys/fs/cgroup cgroup2 e nsdelegate\n"
		      "bpf /sys/fs/bpf bpf e mode=0700\n");
}

TEST(test_mount_api_cgroup_fallback_and_failures)
{
	static char rep[4096];
	T_EQ_INT(run_chrooted(MI_PROC MI_SYS, 1, rep, sizeof rep), 0);
	T_ASSERT(!strncmp(rep, "6 2 0\n", 6));
	T_CONTAINS(rep, "cgroup2 /sys/fs/cgroup cgroup2 e nsdelegate\ncgroup2 /sys/fs/cgroup cgroup2 e \n");
	/* Every mount refused: each one counts once, cgroup2 was tried twice. */
	T_EQ_INT(run_chrooted(MI_PROC MI_SYS, 2, rep, sizeof rep), 0);
	T_ASSERT(!strncmp(rep, "0 2 6\n", 6));
	T_CONTAINS(rep, "cgroup2 /sys/fs/cgroup cgroup2 e \nbpf");
}

TEST(test_mount_api_nothing_to_do)
{
	static char rep[4096];
	static const char all[] = MI_PROC MI_SYS
		"24 1 0:5 / /dev rw - devtmpfs udev rw\n"
		"25 24 0:23 / /dev/pts rw - devpts devpts rw\n"
		"26 24 0:24 / /dev/shm rw - tmpfs tmpfs rw\n"
		"27 1 0:25 / /run rw - tmpfs tmpfs rw\n"
		"28 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
		"29 23 0:27 / /sys/fs/bpf rw - bpf bpf rw\n";
	run_chrooted(all, 0, rep, sizeof rep);
	T_EQ_STR(rep, "0 8 0\n");
}

TEST(test_fstype_and_is_mounted)
{
	char type[64];
	mi("rootfs", "1 1 0:2 / / rw - rootfs rootfs rw\n" MI_PROC);
	T_EQ_INT(mount_fstype(mipath("rootfs"), "/", type, sizeof type), 0);
	T_EQ_STR(type, "rootfs");
	T_EQ_INT(mount_fstype(mipath("rootfs"), "/proc", type, sizeof type), 0);
	T_EQ_STR(type, "proc");
	T_EQ_INT(mount_is_mounted(mipath("rootfs"), "/proc"), 1);
	T_EQ_INT(mount_is_mounted(mipath("rootfs"), "/sys"), 0);
	T_EQ_INT(mount_is_mounted(mipath("rootfs"), "/pro"), 0);
	T_EQ_INT(mount_fstype(mipath("rootfs"), "/sys", type, sizeof type), -ENOENT);
	/* The last mount on a path is the visible one. */
	mi("stacked", "1 1 0:2 / / rw - rootfs rootfs rw\n" MI_PROC "40 1 0:40 / / rw - tmpfs newroot rw\n");
	T_EQ_INT(mount_fstype(mipath("stacked"), "/", type, sizeof type), 0);
	T_EQ_STR(type, "tmpfs");
	T_EQ_INT(mount_is_mounted(mipath("nonexistent"), "/"), -ENOENT);
	/* A small buffer is cut, still terminated. */
	char small[4];
	T_EQ_INT(mount_fstype(mipath("rootfs"), "/", small, sizeof small), 0);
	T_EQ_STR(small, "roo");
}

int main(void)
{
	int devnull = open("/dev/null", O_WRONLY);
	ek_log_set_fd(devnull);
	if (!t_tmpdir(base, sizeof base))
		return 1;
	T_RUN(test_mount_api_mounts_only_missing);
	T_RUN(test_mount_api_cgroup_fallback_and_failures);
	T_RUN(test_mount_api_nothing_to_do);
	T_RUN(test_fstype_and_is_mounted);
	t_rmtree(base);
	return T_END();
}
