/* The share protocol in a temporary directory: election races between forked processes, stale-lease
 * takeover, garbage leader files, lease refresh by a non-owner, registry, secret. */
#include "t.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <utime.h>

#include "share.h"
#include "share_mount.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static struct share_entry entry(const char *name, const char *ip, int n)
{
	struct share_entry e = {.lease = 30};
	snprintf(e.name, sizeof e.name, "%s", name);
	snprintf(e.ip, sizeof e.ip, "%s", ip);
	snprintf(e.boot_id, sizeof e.boot_id, "00000000-0000-0000-0000-%012d", n);
	return e;
}

/* 8 processes claim at the same moment (released together through a pipe): exactly one wins. */
TEST(election_race_has_one_winner)
{
	char dir[64];
	T_ASSERT(t_tmpdir(dir, sizeof dir));
	for (int round = 0; round < 20; round++) {
		char leader[128];
		snprintf(leader, sizeof leader, "%s/leader", dir);
		unlink(leader);
		int go[2], res[2];
		T_ASSERT(pipe(go) == 0 && pipe(res) == 0);
		pid_t pids[8];
		for (int i = 0; i < 8; i++) {
			if ((pids[i] = fork()) == 0) {
				char c, name[16], err[256];
				close(go[1]);
				if (read(go[0], &c, 1) != 0) /* EOF: everybody starts now */
					_exit(3);
				snprintf(name, sizeof name, "control%d", i);
				struct share_entry me = entry(name, "10.0.0.1", i), holder;
				int r = share_leader_claim(dir, &me, 1000, &holder, err, sizeof err);
				char out = r == CLAIM_WON ? 'W' : r == CLAIM_HELD ? 'H' : 'E';
				if (write(res[1], &out, 1) != 1)
					_exit(4);
				_exit(0);
			}
		}
		close(go[0]);
		close(res[1]);
		close(go[1]);
		int won = 0, held = 0;
		char c;
		while (read(res[0], &c, 1) == 1)
			won += c == 'W', held += c == 'H';
		close(res[0]);
		for (int i = 0; i < 8; i++)
			waitpid(pids[i], NULL, 0);
		T_EQ_INT(won, 1);
		T_EQ_INT(held, 7);
	}
	t_rmtree(dir);
}

TEST(own_lease_is_recognised_and_fresh_lease_is_held)
{
	char dir[64], err[256];
	struct share_entry a = entry("control1", "10.0.0.11", 1), b = entry("control2", "10.0.0.12", 2), h;
	T_ASSERT(t_tmpdir(dir, sizeof dir));
	T_EQ_INT(share_leader_claim(dir, &a, 1000, &h, err, sizeof err), CLAIM_WON);
	T_EQ_INT(share_leader_claim(dir, &a, 1010, &h, err, sizeof err), CLAIM_WON); /* ek-join restarted */
	T_EQ_INT(share_leader_claim(dir, &b, 1030, &h, err, sizeof err), CLAIM_HELD); /* 30 s: still live */
	T_EQ_STR(h.name, "control1");
	T_EQ_STR(h.ip, "10.0.0.11");
	/* A leader time ahead of our clock counts as live. */
	T_EQ_INT(share_leader_claim(dir, &b, 500, &h, err, sizeof err), CLAIM_HELD);
	t_rmtree(dir);
}

/* The control-join lease: the leader's protocol under its own name, independent of the leader file;
 * released only by its holder, after which the next node wins at once. */
TEST(control_join_lease_is_separate_and_released_by_its_holder)
{
	char dir[64], err[256], path[160];
	struct share_entry a = entry("control2", "10.0.0.12", 1), b = entry("control3", "10.0.0.13", 2), h;
	T_ASSERT(t_tmpdir(dir, sizeof dir));
	T_EQ_INT(share_leader_claim(dir, &b, 1000, &h, err, sizeof err), CLAIM_WON); /* another file */
	T_EQ_INT(share_lease_claim(dir, "control-join", &a, 1000, &h, err, sizeof err), CLAIM_WON);
	T_EQ_INT(share_lease_claim(dir, "control-join", &b, 1010, &h, err, sizeof err), CLAIM_HELD);
	T_EQ_STR(h.name, "control2");
	/* b cannot release a's lease; a refreshes and releases its own */
	T_EQ_INT(share_lease_release(dir, "control-join", &b, err, sizeof err), -ESTALE);
	T_CONTAINS(err, "control2");
	T_EQ_INT(share_lease_refresh(dir, "control-join", &a, 1020, err, sizeof err), 0);
	T_EQ_INT(share_lease_release(dir, "control-join", &a, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/control-join", dir);
	T_ASSERT(access(path, F_OK) < 0);
	T_EQ_INT(share_lease_release(dir, "control-join", &a, err, sizeof err), 0); /* already gone: fine */
	T_EQ_INT(share_lease_claim(dir, "control-join", &b, 1021, &h, err, sizeof err), CLAIM_WON);
	/* a holder that died is taken over after its lease, as the leader is */
	T_EQ_INT(share_lease_claim(dir, "control-join", &a, 1052, &h, err, sizeof err), CLAIM_WON);
	snprintf(path, sizeof path, "%s/control-join.stale.%s", dir, a.boot_id);
	T_EQ_INT(share_entry_read(path, &h, err, sizeof err), 0);
	T_EQ_STR(h.name, "control3");
	/* the leader file was never touched */
	snprintf(path, sizeof path, "%s/leader", dir);
	T_EQ_INT(share_entry_read(path, &h, err, sizeof err), 0);
	T_EQ_STR(h.name, "control3");
	T_EQ_INT(h.time, 1000);
	t_rmtree(dir);
}

TEST(stale_lease_is_taken_over_and_kept_aside)
{
	char dir[64], err[256], path[160];
	struct share_entry a = entry("control1", "10.0.0.11", 1), b = entry("control2", "10.0.0.12", 2), h;
	T_ASSERT(t_tmpdir(dir, sizeof dir));
	T_EQ_INT(share_leader_claim(dir, &a, 1000, &h, err, sizeof err), CLAIM_WON);
	T_EQ_INT(share_leader_claim(dir, &b, 1031, &h, err, sizeof err), CLAIM_WON);
	snprintf(path, sizeof path, "%s/leader", dir);
	T_EQ_INT(share_entry_read(path, &h, err, sizeof err), 0);
	T_EQ_STR(h.name, "control2");
	T_EQ_INT(h.time, 1031);
	snprintf(path, sizeof path, "%s/leader.stale.%s", dir, b.boot_id);
	T_EQ_INT(share_entry_read(path, &h, err, sizeof err), 0);
	T_EQ_STR(h.name, "control1");
	/* The old leader's refresh now fails: it lost the lease. */
	T_EQ_INT(share_leader_refresh(dir, &a, 1032, err, sizeof err), -ESTALE);
	T_CONTAINS(err, "control2");
	T_EQ_INT(share_leader_refresh(dir, &b, 1040, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/leader", dir);
	T_EQ_INT(share_entry_read(path, &h, err, sizeof err), 0);
	T_EQ_INT(h.time, 1040);
	t_rmtree(dir);
}

TEST(garbage_leader_file_goes_by_its_age)
{
	char dir[64], err[256], path[160];
	struct share_entry b = entry("control2", "10.0.0.12", 2), h;
	T_ASSERT(t_tmpdir(dir, sizeof dir));
	snprintf(path, sizeof path, "%s/leader", dir);
	static const char *const garbage[] = {"", "name=control1\n", "\x01\x02\x03 binary", "name=../x\nip=1\nboot_id=z\ntime=q\n"};
	for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
		t_write(path, garbage[i]);
		long long now = (long long)time(NULL);
		/* Recent garbage (maybe someone's write in flight on another client) is respected... */
		T_EQ_INT(share_leader_claim(dir, &b, now, &h, err, sizeof err), CLAIM_HELD);
		T_EQ_STR(h.name, "");
		/* ...old garbage is taken over. */
		struct utimbuf old = {.actime = now - 100, .modtime = now - 100};
		T_ASSERT(utime(path, &old) == 0);
		T_EQ_INT(share_leader_claim(dir, &b, now, &h, err, sizeof err), CLAIM_WON);
		T_EQ_INT(share_entry_read(path, &h, err, sizeof err), 0);
		T_EQ_STR(h.name, "control2");
		unlink(path);
	}
	t_rmtree(dir);
}

/* Many processes find the same stale lease at once: still one winner. */
TEST(takeover_race_has_one_winner)
{
	char dir[64], err[256];
	T_ASSERT(t_tmpdir(dir, sizeof dir));
	for (int round = 0; round < 10; round++) {
		struct share_entry dead = entry("control9", "10.0.0.19", 99 + round), h;
		char leader[128];
		snprintf(leader, sizeof leader, "%s/leader", dir);
		unlink(leader);
		T_EQ_INT(share_leader_claim(dir, &dead, 1000, &h, err, sizeof err), CLAIM_WON);
		int go[2], res[2];
		T_ASSERT(pipe(go) == 0 && pipe(res) == 0);
		pid_t pids[6];
		for (int i = 0; i < 6; i++) {
			if ((pids[i] = fork()) == 0) {
				char c, name[16], e2[256];
				close(go[1]);
				if (read(go[0], &c, 1) != 0)
					_exit(3);
				snprintf(name, sizeof name, "control%d", i);
				struct share_entry me = entry(name, "10.0.0.1", i), holder;
				int r = share_leader_claim(dir, &me, 2000, &holder, e2, sizeof e2);
				char out = r == CLAIM_WON ? 'W' : r == CLAIM_HELD ? 'H' : 'E';
				if (write(res[1], &out, 1) != 1)
					_exit(4);
				_exit(0);
			}
		}
		close(go[0]);
		close(res[1]);
		close(go[1]);
		int won = 0, errors = 0;
		char c;
		while (read(res[0], &c, 1) == 1)
			won += c == 'W', errors += c == 'E';
		close(res[0]);
		for (int i = 0; i < 6; i++)
			waitpid(pids[i], NULL, 0);
		T_EQ_INT(errors, 0);
		T_EQ_INT(won, 1);
	}
	t_rmtree(dir);
}

TEST(registry_lists_valid_entries_sorted)
{
	char dir[64], err[256], path[200];
	struct share_entry out[8];
	int garbage;
	T_ASSERT(t_tmpdir(dir, sizeof dir));
	T_EQ_INT(share_registry_list(dir, out, 8, &garbage, err, sizeof err), 0);
	struct share_entry b = entry("control2", "10.0.0.12", 2), a = entry("control1", "10.0.0.11", 1);
	b.lease = a.lease = 0;
	T_EQ_INT(share_registry_put(dir, &b, err, sizeof err), 0);
	T_EQ_INT(share_registry_put(dir, &a, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/phylactery/nodes/control3", dir);
	t_write(path, "name=control4\nip=10.0.0.14\nboot_id=00000000-0000-0000-0000-000000000004\ntime=1\n");
	snprintf(path, sizeof path, "%s/phylactery/nodes/junk", dir);
	t_write(path, "hello");
	/* Registry entries with a bad IP: never reach haproxy.cfg, keepalived.conf or an HTTP URL. */
	static const char *const bad_ips[] = {"10.0.0.256", "10.0.0.012", "1.2.3.4; rm -rf /", "", "::1"};
	for (size_t i = 0; i < sizeof bad_ips / sizeof bad_ips[0]; i++) {
		snprintf(path, sizeof path, "%s/phylactery/nodes/badip%zu", dir, i);
		char text[200];
		snprintf(text, sizeof text, "name=badip%zu\nip=%s\nboot_id=00000000-0000-0000-0000-000000000005\ntime=1\n", i,
			 bad_ips[i]);
		t_write(path, text);
	}
	T_EQ_INT(share_registry_list(dir, out, 8, &garbage, err, sizeof err), 2);
	T_EQ_INT(garbage, 7); /* a name that does not match its file, junk, and five bad addresses */
	T_EQ_STR(out[0].name, "control1");
	T_EQ_STR(out[1].ip, "10.0.0.12");
	struct share_entry bad = entry("../etc", "10.0.0.1", 1);
	T_EQ_INT(share_registry_put(dir, &bad, err, sizeof err), -EINVAL);
	t_rmtree(dir);
}

TEST(secret_is_created_once_0600)
{
	char dir[64], err[256], s1[65], s2[65], path[160];
	T_ASSERT(t_tmpdir(dir, sizeof dir));
	T_ASSERT(share_secret_read(dir, s1, err, sizeof err) == -ENOENT);
	T_EQ_INT(share_secret_ensure(dir, s1, err, sizeof err), 0);
	T_EQ_INT((int)strlen(s1), 64);
	T_EQ_INT(share_secret_ensure(dir, s2, err, sizeof err), 0);
	T_EQ_STR(s1, s2);
	snprintf(path, sizeof path, "%s/phylactery/secret", dir);
	struct stat st;
	T_ASSERT(stat(path, &st) == 0);
	T_EQ_INT(st.st_mode & 0777, 0600);
	chmod(path, 0644);
	T_EQ_INT(share_secret_read(dir, s2, err, sizeof err), -EPERM);
	T_CONTAINS(err, "expected 0600");
	chmod(path, 0600);
	t_write(path, "not hex");
	T_EQ_INT(share_secret_read(dir, s2, err, sizeof err), -EBADMSG);
	t_rmtree(dir);
}

/* A node whose NFS mount failed elected itself on its empty local /share (three clusters in one
 * rack): the stages wait until the share is a mount point. */
static int mount_go[2];
static int status_calls;
static char status_text[600];

static void on_status(const char *text)
{
	if (status_calls++ == 0) {
		snprintf(status_text, sizeof status_text, "%s", text);
		if (write(mount_go[1], "g", 1) < 0) {
			/* the test then times out and fails */
		}
	}
}

static void *mount_when_told(void *dir)
{
	char c;
	if (read(mount_go[0], &c, 1) == 1)
		mount("ekshare", dir, "tmpfs", 0, "size=1m");
	return NULL;
}

TEST(stages_wait_until_the_share_is_mounted)
{
	char err[300];
	T_EQ_INT(share_is_mounted("/", err, sizeof err), 1);
	T_EQ_INT(share_is_mounted("/proc", err, sizeof err), 1);
	char dbuf[256];
	char *d = t_tmpdir(dbuf, sizeof dbuf);
	T_EQ_INT(share_is_mounted(d, err, sizeof err), 0);
	char missing[300], file[300];
	snprintf(missing, sizeof missing, "%s/nope", d);
	T_EQ_INT(share_is_mounted(missing, err, sizeof err), -ENOENT);
	snprintf(file, sizeof file, "%s/f", d);
	FILE *f = fopen(file, "w");
	T_ASSERT(f != NULL);
	fclose(f);
	T_EQ_INT(share_is_mounted(file, err, sizeof err), -ENOTDIR);

	/* not mounted: says so once, gives up at its deadline */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long long now = (long long)t0.tv_sec * 1000 + t0.tv_nsec / 1000000;
	T_ASSERT(pipe(mount_go) == 0);
	status_calls = 0;
	T_EQ_INT(share_wait_mounted(d, now + 300, on_status), -ETIMEDOUT);
	T_EQ_INT(status_calls, 1);
	T_CONTAINS(status_text, "is not mounted");
	char c;
	T_EQ_INT((int)read(mount_go[0], &c, 1), 1); /* drain the go the callback sent */
	T_EQ_INT(share_wait_mounted("/proc", 0, on_status), 0);
	T_EQ_INT(status_calls, 1); /* mounted: nothing said */

	/* mounted while it waits (in a mount namespace of a child of ours): it wakes on the mount
	 * table's change, well before its 5 s fallback look */
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(77); /* no mount namespaces here */
		status_calls = 0;
		pthread_t th;
		if (pthread_create(&th, NULL, mount_when_told, d) != 0)
			_exit(2);
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		int r = share_wait_mounted(d, 0, on_status);
		clock_gettime(CLOCK_MONOTONIC, &b);
		pthread_join(th, NULL);
		double took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		umount(d);
		_exit(r == 0 && status_calls == 2 && took < 4.5 ? 0 : 1);
	}
	int st;
	T_EQ_INT(waitpid(pid, &st, 0), pid);
	T_ASSERT(WIFEXITED(st));
	if (WEXITSTATUS(st) != 77)
		T_EQ_INT(WEXITSTATUS(st), 0);
	close(mount_go[0]);
	close(mount_go[1]);
	t_rmtree(d);
}

int main(void)
{
	T_RUN(election_race_has_one_winner);
	T_RUN(own_lease_is_recognised_and_fresh_lease_is_held);
	T_RUN(stale_lease_is_taken_over_and_kept_aside);
	T_RUN(control_join_lease_is_separate_and_released_by_its_holder);
	T_RUN(garbage_leader_file_goes_by_its_age);
	T_RUN(takeover_race_has_one_winner);
	T_RUN(registry_lists_valid_entries_sorted);
	T_RUN(secret_is_created_once_0600);
	T_RUN(stages_wait_until_the_share_is_mounted);
	return T_END();
}
