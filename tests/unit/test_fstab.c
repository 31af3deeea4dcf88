/* fstab: entries are classified local / network / skipped, NFS gets the options mount.nfs would have
 * added, local mounts go through ek_sys.mount in order, and the remote retry loop counts down on the
 * console with a fake clock (no real sleeping). */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "t.h"
#include "fstab.h"
#include "log.h"
#include "sys.h"

static char root[64], fstab[128], mountinfo[128];
static int logpipe[2];
static char logbuf[16384];

/* ---- fakes ---- */
struct call {
	char src[256], tgt[256], type[32], data[512];
	unsigned long flags;
};
static struct call calls[32];
static int ncalls, fail_first; /* the first fail_first calls fail with fail_errno */
static int fail_errno = ECONNREFUSED;
static double fake_now, slept[64];
static int nslept;

static int fake_mount(const char *src, const char *tgt, const char *type, unsigned long flags, const void *data)
{
	struct call *c = &calls[ncalls < 32 ? ncalls : 31];
	snprintf(c->src, sizeof c->src, "%s", src);
	snprintf(c->tgt, sizeof c->tgt, "%s", tgt);
	snprintf(c->type, sizeof c->type, "%s", type);
	snprintf(c->data, sizeof c->data, "%s", data ? (const char *)data : "(null)");
	c->flags = flags;
	if (ncalls++ < fail_first) {
		errno = fail_errno;
		return -1;
	}
	return 0;
}

static double fake_now_ms(void)
{
	return fake_now;
}

static void fake_sleep(double ms)
{
	if (nslept < 64)
		slept[nslept++] = ms;
	fake_now += ms;
}

static void reset(int fails)
{
	ncalls = 0;
	fail_first = fails;
	fail_errno = ECONNREFUSED;
	nslept = 0;
	fake_now = 1000;
	memset(calls, 0, sizeof calls);
}

/* Targets live under root so mkdir -p works without touching the host's tree. */
static void write_fstab(const char *fmt)
{
	char text[4096], out[4096];
	snprintf(text, sizeof text, "%s", fmt);
	/* "@" stands for the temporary root. */
	size_t o = 0;
	for (const char *p = text; *p && o < sizeof out - 70; p++) {
		if (*p == '@')
			o += (size_t)snprintf(out + o, sizeof out - o, "%s", root);
		else
			out[o++] = *p;
	}
	out[o] = '\0';
	t_write(fstab, out);
}

static const char *R(const char *rel)
{
	static char b[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(b[i], sizeof b[i], "%s%s", root, rel);
	return b[i];
}

static const char sample[] = "# /etc/fstab rendered by wwinit\n"
			     "proc /proc proc defaults 0 0\n"
			     "tmpfs @/scratch tmpfs nosuid,nodev,size=10%,mode=1777 0 0\n"
			     "/dev/sda1 / ext4 defaults 0 1\n"
			     "/dev/sda2 none swap sw 0 0\n"
			     "tmpfs @/later tmpfs noauto 0 0\n"
			     "10.10.0.1:/share @/share nfs4 defaults,x-ekinit.deadline=30 0 0\n"
			     "10.10.0.1:/home @/home nfs vers=4.1,ro 0 0\n"
			     "//10.10.0.1/data @/data cifs username=x 0 0\n"
			     "/dev/vg/iscsi @/iscsi ext4 _netdev,noatime 0 0\n"
			     "fileserver:/x @/named nfs defaults 0 0\n";

TEST(test_read_classifies)
{
	static struct fstab_entry e[FSTAB_MAX];
	write_fstab(sample);
	int n = fstab_read(fstab, e, FSTAB_MAX);
	T_EQ_INT(n, 10);
	T_EQ_INT(e[0].cls, FSTAB_LOCAL);
	T_EQ_STR(e[0].target, "/proc");
	T_EQ_INT(e[1].cls, FSTAB_LOCAL);
	T_EQ_INT(e[1].flags, MS_NOSUID | MS_NODEV);
	T_EQ_STR(e[1].data, "size=10%,mode=1777");
	T_EQ_INT(e[2].cls, FSTAB_SKIP);
	T_EQ_STR(e[2].why, "root");
	T_EQ_INT(e[3].cls, FSTAB_SKIP);
	T_EQ_STR(e[3].why, "swap");
	T_EQ_INT(e[4].cls, FSTAB_SKIP);
	T_EQ_STR(e[4].why, "noauto");
	/* nfs4: addr= from the literal server address, vers=4.2 by default; x-* never reaches the kernel. */
	T_EQ_INT(e[5].cls, FSTAB_REMOTE);
	T_EQ_STR(e[5].data, "addr=10.10.0.1,vers=4.2");
	T_EQ_INT(e[5].deadline_s, 30);
	T_EQ_STR(e[5].error, "");
	/* An explicit version is kept; ro is a flag, not data. */
	T_EQ_INT(e[6].cls, FSTAB_REMOTE);
	T_EQ_STR(e[6].data, "vers=4.1,addr=10.10.0.1");
	T_EQ_INT(e[6].flags, MS_RDONLY);
	T_EQ_INT(e[6].deadline_s, FSTAB_DEADLINE_S);
	T_EQ_INT(e[7].cls, FSTAB_REMOTE);
	T_EQ_INT(e[8].cls, FSTAB_REMOTE); /* _netdev */
	T_EQ_INT(e[8].flags, MS_NOATIME);
	T_EQ_STR(e[8].data, "");
	/* A name instead of an address: an error on the entry, not a crash or a DNS query. */
	T_EQ_INT(e[9].cls, FSTAB_REMOTE);
	T_CONTAINS(e[9].error, "server 'fileserver' is not an IPv4 address");
}

TEST(test_read_bad_deadline_and_missing_file)
{
	static struct fstab_entry e[4];
	write_fstab("10.0.0.1:/s @/s nfs4 x-ekinit.deadline=soon 0 0\n10.0.0.1:/t @/t nfs4 addr=10.0.0.2 0 0\n");
	T_EQ_INT(fstab_read(fstab, e, 4), 2);
	T_CONTAINS(e[0].error, "x-ekinit.deadline=soon: not a number");
	T_EQ_STR(e[1].data, "addr=10.0.0.2,vers=4.2");
	T_EQ_INT(fstab_read(R("/absent"), e, 4), -ENOENT);
}

TEST(test_mount_local_in_order)
{
	struct fstab_result res;
	write_fstab(sample);
	/* mountinfo says /proc is there already. */
	t_write(mountinfo, "22 1 0:5 / /proc rw,nosuid,nodev,noexec - proc proc rw\n");
	reset(0);
	T_EQ_INT(fstab_mount_local(fstab, mountinfo, &res), 0);
	T_EQ_INT(res.mounted, 1);
	T_EQ_INT(res.present, 1);
	T_EQ_INT(res.skipped, 3);
	T_EQ_INT(res.failed, 0);
	T_EQ_INT(ncalls, 1);
	T_EQ_STR(calls[0].tgt, R("/scratch"));
	T_EQ_STR(calls[0].type, "tmpfs");
	T_EQ_STR(calls[0].data, "size=10%,mode=1777");
	T_EQ_INT(calls[0].flags, MS_NOSUID | MS_NODEV);
	struct stat st;
	T_ASSERT(stat(R("/scratch"), &st) == 0 && S_ISDIR(st.st_mode)); /* mkdir -p */
}

TEST(test_mount_local_failure_warns)
{
	struct fstab_result res;
	write_fstab("tmpfs @/a/b/c tmpfs defaults 0 0\ntmpfs @/d tmpfs nofail 0 0\ntmpfs @/e tmpfs defaults 0 0\n");
	t_write(mountinfo, "");
	reset(2);
	fail_errno = ENODEV;
	T_EQ_INT(fstab_mount_local(fstab, mountinfo, &res), 0);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_EQ_INT(ncalls, 3);
	T_EQ_INT(res.failed, 1); /* nofail does not count */
	T_EQ_INT(res.mounted, 1);
	T_CONTAINS(logbuf, "/a/b/c: mounting tmpfs (tmpfs): No such device");
	T_CONTAINS(logbuf, "/d: mounting tmpfs (tmpfs): No such device (nofail)");
}

TEST(test_remote_retries_with_countdown)
{
	struct fstab_result res;
	write_fstab("tmpfs @/local tmpfs defaults 0 0\n10.10.0.1:/share @/share nfs4 defaults 0 0\n");
	t_write(mountinfo, "");
	reset(2);
	T_EQ_INT(fstab_mount_remote(fstab, mountinfo, &res), 0);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_EQ_INT(res.mounted, 1);
	T_EQ_INT(ncalls, 3);
	T_EQ_STR(calls[2].src, "10.10.0.1:/share");
	T_EQ_STR(calls[2].type, "nfs4");
	T_EQ_STR(calls[2].data, "addr=10.10.0.1,vers=4.2");
	T_EQ_INT(nslept, 2);
	T_EQ_INT(slept[0], 1000);
	T_EQ_INT(slept[1], 2000);
	T_CONTAINS(logbuf, "ekinit: ");
	T_CONTAINS(logbuf, "/share: 10.10.0.1:/share not reachable (Connection refused), retrying; giving up in 120 s\n");
	T_CONTAINS(logbuf, "/share: 10.10.0.1:/share not reachable (Connection refused), retrying; giving up in 119 s\n");
	T_CONTAINS(logbuf, "/share: mounted 10.10.0.1:/share");
}

TEST(test_remote_gives_up_at_deadline)
{
	struct fstab_result res;
	write_fstab("10.10.0.1:/share @/share nfs4 x-ekinit.deadline=20 0 0\n"
		    "10.10.0.1:/home @/home nfs4 x-ekinit.deadline=5 0 0\n");
	t_write(mountinfo, "");
	reset(1000);
	fail_errno = ETIMEDOUT;
	T_EQ_INT(fstab_mount_remote(fstab, mountinfo, &res), 2);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_EQ_INT(res.failed, 2);
	/* Backoff 1, 2, 4, then 5 s steps; the last sleep ends exactly at the deadline. */
	T_EQ_INT(slept[0], 1000);
	T_EQ_INT(slept[1], 2000);
	T_EQ_INT(slept[2], 4000);
	T_EQ_INT(slept[3], 5000);
	double total = 0;
	for (int i = 0; i < nslept; i++)
		total += slept[i];
	/* 20 s for the first; the second's 5 s deadline had passed by then: one try, no sleep. */
	T_EQ_INT(total, 20000);
	T_CONTAINS(logbuf, "giving up in 20 s");
	T_CONTAINS(logbuf, "giving up in 3 s");
	T_CONTAINS(logbuf, "/share: 10.10.0.1:/share: Connection timed out; gave up at the deadline");
	T_CONTAINS(logbuf, "/home: 10.10.0.1:/home: Connection timed out; gave up at the deadline");
}

TEST(test_remote_permanent_error_stops_at_once)
{
	struct fstab_result res;
	write_fstab("10.10.0.1:/share @/share nfs4 defaults 0 0\nbad:/x @/x nfs defaults 0 0\n");
	t_write(mountinfo, "");
	reset(1);
	fail_errno = EINVAL;
	T_EQ_INT(fstab_mount_remote(fstab, mountinfo, &res), 2);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_EQ_INT(ncalls, 1);
	T_EQ_INT(nslept, 0);
	T_CONTAINS(logbuf, "/share: 10.10.0.1:/share: Invalid argument; gave up (retrying cannot help)");
	T_CONTAINS(logbuf, "server 'bad' is not an IPv4 address");
}

TEST(test_remote_start_child_exit_status)
{
	write_fstab("10.10.0.1:/share @/share nfs4 defaults 0 0\n");
	t_write(mountinfo, "");
	reset(0);
	pid_t pid = fstab_remote_start(fstab, mountinfo);
	T_ASSERT(pid > 0);
	int status;
	T_EQ_INT(waitpid(pid, &status, 0), pid);
	T_ASSERT(WIFEXITED(status));
	T_EQ_INT(WEXITSTATUS(status), 0);
	reset(1000);
	fail_errno = EPERM;
	pid = fstab_remote_start(fstab, mountinfo);
	T_EQ_INT(waitpid(pid, &status, 0), pid);
	T_EQ_INT(WEXITSTATUS(status), 1);
	pid = fstab_remote_start(R("/absent"), mountinfo);
	T_EQ_INT(waitpid(pid, &status, 0), pid);
	T_EQ_INT(WEXITSTATUS(status), 2);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
}

/* The unmount runs in a child: the fake umount2 reports through a pipe. */
static int umpipe[2];
static int fake_umount2(const char *target, int flags)
{
	char line[300];
	int n = snprintf(line, sizeof line, "%s %d\n", target, flags);
	if (write(umpipe[1], line, (size_t)n) < 0)
		return -1;
	errno = EBUSY;
	return flags & MNT_FORCE ? -1 : 0;
}

TEST(test_unmount_remote_force_then_detach)
{
	char got[4096];
	T_ASSERT(pipe2(umpipe, O_NONBLOCK) == 0);
	t_write(mountinfo, "22 1 0:5 / /proc rw - proc proc rw\n"
			   "40 1 0:40 / /share rw - nfs4 10.10.0.1:/share rw,vers=4.2,addr=10.10.0.1\n"
			   "41 40 0:41 / /share/sub rw - nfs4 10.10.0.1:/sub rw,vers=4.2,addr=10.10.0.1\n"
			   "42 1 0:42 / /scratch rw - tmpfs tmpfs rw\n");
	int (*saved)(const char *, int) = ek_sys.umount2;
	double (*saved_now)(void) = ek_sys.now_ms;
	ek_sys.umount2 = fake_umount2;
	ek_sys.now_ms = saved_now; /* the real clock: the child is real */
	int left = fstab_unmount_remote(mountinfo, ek_sys.now_ms() + 5000);
	ek_sys.umount2 = saved;
	ek_sys.now_ms = fake_now_ms;
	t_drain(umpipe[0], got, sizeof got);
	close(umpipe[0]);
	close(umpipe[1]);
	/* The fake changes nothing, so both are still in mountinfo and get a final detach. */
	T_EQ_INT(left, 2);
	char want[512];
	snprintf(want, sizeof want, "/share/sub %d\n/share/sub %d\n/share %d\n/share %d\n/share/sub %d\n/share %d\n",
		 MNT_FORCE, MNT_DETACH, MNT_FORCE, MNT_DETACH, MNT_DETACH, MNT_DETACH);
	T_EQ_STR(got, want);
}

int main(void)
{
	if (!t_tmpdir(root, sizeof root) || pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	snprintf(fstab, sizeof fstab, "%s/fstab", root);
	snprintf(mountinfo, sizeof mountinfo, "%s/mountinfo", root);
	ek_log_set_fd(logpipe[1]);
	ek_sys.mount = fake_mount;
	ek_sys.now_ms = fake_now_ms;
	fstab_sleep_ms = fake_sleep;
	T_RUN(test_read_classifies);
	T_RUN(test_read_bad_deadline_and_missing_file);
	T_RUN(test_mount_local_in_order);
	T_RUN(test_mount_local_failure_warns);
	T_RUN(test_remote_retries_with_countdown);
	T_RUN(test_remote_gives_up_at_deadline);
	T_RUN(test_remote_permanent_error_stops_at_once);
	T_RUN(test_remote_start_child_exit_status);
	T_RUN(test_unmount_remote_force_then_detach);
	t_rmtree(root);
	return T_END();
}
