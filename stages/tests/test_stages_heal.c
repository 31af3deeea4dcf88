/* Healing's pure parts and files: quorum-loss report and the etcd manifest edit, snapshots on the share
 * (names, checksums, a snapshot that does not verify, pruning), the reset epoch, /metrics text and
 * the new cluster.conf keys. */
#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cluster_conf.h"
#include "reset_epoch.h"
#include "snapshot.h"
#include "phylactery.h"
#include "quorum.h"

static char dir[64], reset_tool[600];

static void put_file(const char *name, const char *text)
{
	char path[200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		close(fd);
	}
}

/* Quorum is judged only by a started voting member, and reported only once the loss has lasted: the
 * cluster scenario saw "quorum lost" during formation (a joiner's member added, not yet started). */
TEST(quorum_loss_must_last_and_be_seen_by_a_member)
{
	struct etcd_member m[3] = {
		{.id = 1, .name = "control1", .peer_url = "https://10.10.0.11:2380", .client_url = "https://10.10.0.11:2379"},
		{.id = 2, .name = "", .peer_url = "https://10.10.0.12:2380", .client_url = ""},
		{.id = 3, .name = "control3", .peer_url = "https://10.10.0.13:2380", .client_url = "https://10.10.0.13:2379",
		 .learner = true}};
	T_ASSERT(quorum_judge_is_member(m, 3, "control1", "10.10.0.11"));
	T_ASSERT(!quorum_judge_is_member(m, 3, "control2", "10.10.0.12")); /* added, not started */
	T_ASSERT(!quorum_judge_is_member(m, 3, "control3", "10.10.0.13")); /* a learner */
	T_ASSERT(!quorum_judge_is_member(m, 3, "control4", "10.10.0.14")); /* not a member */
	T_ASSERT(quorum_judge_is_member(m, 3, "control1", "10.10.0.1"));   /* by name is enough... */
	T_ASSERT(quorum_judge_is_member(m, 3, "", "10.10.0.11"));          /* ...and so is the exact peer host */

	struct quorum_loss l = {0};
	T_ASSERT(!quorum_loss_sustained(&l, true, 1000));
	T_ASSERT(!quorum_loss_sustained(&l, true, 1010));
	T_ASSERT(!quorum_loss_sustained(&l, true, 1000 + QUORUM_LOST_GRACE_S - 1));
	T_ASSERT(quorum_loss_sustained(&l, true, 1000 + QUORUM_LOST_GRACE_S));
	T_ASSERT(!quorum_loss_sustained(&l, false, 1100)); /* back: the clock and the count start over */
	T_EQ_INT((int)l.since, 0);
	T_EQ_INT(l.looks, 0);
	T_ASSERT(!quorum_loss_sustained(&l, true, 1200));
	T_ASSERT(!quorum_loss_sustained(&l, true, 1200 + QUORUM_LOST_GRACE_S - 1));
}

/* Housekeeping starved (its etcd requests timing out under load): two looks 74 s apart are not a
 * sustained loss; the third look in a row, still past the grace, is. A look that sees quorum
 * between them starts over. */
TEST(quorum_loss_needs_looks_in_a_row)
{
	struct quorum_loss l = {0};
	T_ASSERT(!quorum_loss_sustained(&l, true, 250));
	T_ASSERT(!quorum_loss_sustained(&l, true, 324)); /* past the grace, but the second look */
	T_ASSERT(quorum_loss_sustained(&l, true, 330));
	T_ASSERT(quorum_loss_sustained(&l, true, 340)); /* stays so while it lasts */
	T_EQ_INT(l.looks, QUORUM_LOST_LOOKS);          /* counted up to the need, no further */
	T_ASSERT(!quorum_loss_sustained(&l, false, 350));
	T_ASSERT(!quorum_loss_sustained(&l, true, 500));
	T_ASSERT(!quorum_loss_sustained(&l, true, 600));
	T_ASSERT(quorum_loss_sustained(&l, true, 601));
}

/* The looks of a survivor every 10 s, as housekeeping makes them: one report once the grace has
 * passed (the first version compared "lasted" before and after the same look and never reported),
 * none again while it stands, withdrawn when quorum is back, not withdrawn by a look that cannot judge. */
TEST(quorum_reported_once_then_withdrawn)
{
	struct quorum_loss l = {0};
	bool reported = false;
	int reports = 0, withdrawals = 0;
	for (long long t = 1000; t <= 1200; t += 10) {
		bool lost = t < 1150, judge = t != 1160;
		bool sustained = quorum_loss_sustained(&l, judge && lost, t);
		enum quorum_action a = quorum_next(sustained, judge, lost, reported);
		if (a == QUORUM_ACT_REPORT) {
			reports++, reported = true;
			T_EQ_INT((int)t, 1000 + QUORUM_LOST_GRACE_S);
		}
		if (a == QUORUM_ACT_WITHDRAW) {
			withdrawals++, reported = false;
			T_EQ_INT((int)t, 1150);
		}
	}
	T_EQ_INT(reports, 1);
	T_EQ_INT(withdrawals, 1);
	T_EQ_INT(quorum_next(false, false, false, true), QUORUM_ACT_KEEP); /* cannot judge: the report stays */
}

TEST(quorum_report_names_survivors_and_recovery)
{
	struct etcd_member m[3] = {{.id = 1, .name = "control1"}, {.id = 2, .name = "control2"}, {.id = 3, .name = "control3"}};
	bool healthy[3] = {true, false, false};
	struct quorum_self s = {.name = "control1", .ip = "10.10.0.11", .boot_id = "b", .share = "/share", .now = 42};
	char file[2048], line[600];
	int n = quorum_report_render(m, healthy, 3, &s, file, sizeof file, line, sizeof line);
	T_ASSERT(n > 0);
	T_CONTAINS(file, "voting=3\nhealthy=1\nneeded=2\nhealthy_members=control1\npolicy=report\n");
	T_CONTAINS(file, "recovery=on control1: add '- --force-new-cluster'");
	T_CONTAINS(line, "etcd quorum lost: 1 of 3 voting members healthy (2 needed: control1)");
	T_CONTAINS(line, "ekcluster-reset --yes");
	T_CONTAINS(line, "--force-new-cluster on control1");
	T_ASSERT(strlen(line) < 300); /* whole on the console: ekinit's lines end at 512 bytes */
	char small[10];
	T_ASSERT(quorum_report_render(m, healthy, 3, &s, small, sizeof small, line, sizeof line) < 0);
	/* Withdrawn only by its writer (recognised by its boot_id line; the file can exceed a share entry). */
	char path[200];
	put_file(QUORUM_LOST_FILE, file);
	snprintf(path, sizeof path, "%s/" QUORUM_LOST_FILE, dir);
	T_ASSERT(quorum_file_is_mine(path, "b"));
	T_ASSERT(!quorum_file_is_mine(path, "c"));
	T_ASSERT(!quorum_file_is_mine(path, ""));
	put_file(QUORUM_LOST_FILE, "boot_id=b\n"); /* not a report: first line, no name= before it */
	T_ASSERT(!quorum_file_is_mine(path, "b"));
}

TEST(manifest_force_new_cluster_round_trip)
{
	const char *in = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - etcd\n"
			 "    - --data-dir=/var/lib/etcd\n    image: registry.k8s.io/etcd:3.5.16-0\n";
	char on[1024], off[1024];
	int n = manifest_force_new_cluster(in, true, on, sizeof on);
	T_ASSERT(n > 0);
	T_CONTAINS(on, "    - etcd\n    - --force-new-cluster\n    - --data-dir=/var/lib/etcd\n");
	/* Adding twice keeps one flag. */
	char twice[1024];
	T_ASSERT(manifest_force_new_cluster(on, true, twice, sizeof twice) > 0);
	T_EQ_STR(twice, on);
	T_ASSERT(manifest_force_new_cluster(on, false, off, sizeof off) > 0);
	T_EQ_STR(off, in);
	T_EQ_INT(manifest_force_new_cluster("kind: Pod\n", true, off, sizeof off), -EINVAL);
	T_EQ_INT(manifest_force_new_cluster(in, true, off, 20), -ENOSPC);
}

static int reject_all(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: etcdctl says no", path);
	return -EBADMSG;
}

TEST(snapshots_verify_prune_and_refuse_torn_files)
{
	long long t;
	T_ASSERT(snapshot_name_time("etcd-snapshot-1700000000.db", &t));
	T_EQ_INT(t, 1700000000);
	T_ASSERT(!snapshot_name_time("etcd-snapshot-.db", &t));
	T_ASSERT(!snapshot_name_time("etcd-snapshot-17x.db", &t));
	T_ASSERT(!snapshot_name_time("etcd-snapshot-1700000000.db.sha256", &t));
	T_ASSERT(!snapshot_name_time(".tmp-control1-1700000000.db", &t));
	T_ASSERT(!snapshot_name_time("etcd-snapshot-99999999999999999999999.db", &t));
	char sdir[100], path[200], err[400];
	snprintf(sdir, sizeof sdir, "%s/etcd", dir);
	mkdir(sdir, 0700);
	T_EQ_INT(snapshot_newest_valid(sdir, NULL, path, sizeof path, err, sizeof err), -ENOENT);
	put_file("etcd/etcd-snapshot-100.db", "old but good");
	put_file("etcd/etcd-snapshot-200.db", "good");
	put_file("etcd/etcd-snapshot-300.db", "torn: no checksum");
	put_file("etcd/etcd-snapshot-400.db", "altered after its checksum");
	put_file("etcd/etcd-snapshot-500.db", "garbage checksum");
	put_file("etcd/etcd-snapshot-500.db.sha256", "not hex at all\n");
	for (int i = 1; i <= 4; i++) {
		if (i == 3)
			continue;
		snprintf(path, sizeof path, "%s/etcd-snapshot-%d00.db", sdir, i);
		T_EQ_INT(snapshot_checksum_write(path, err, sizeof err), 0);
	}
	put_file("etcd/etcd-snapshot-400.db", "altered!");
	snprintf(path, sizeof path, "%s/etcd-snapshot-400.db", sdir);
	T_EQ_INT(snapshot_checksum_ok(path, err, sizeof err), -EBADMSG);
	T_CONTAINS(err, "mismatch");
	T_EQ_INT(snapshot_newest_valid(sdir, NULL, path, sizeof path, err, sizeof err), 0);
	T_CONTAINS(path, "etcd-snapshot-200.db");
	/* A snapshot etcdctl cannot read is never restored either. */
	T_EQ_INT(snapshot_newest_valid(sdir, reject_all, path, sizeof path, err, sizeof err), -ENOENT);
	T_CONTAINS(err, "etcdctl says no");
	long long times[8];
	T_EQ_INT(snapshot_list(sdir, times, 8, err, sizeof err), 5);
	T_EQ_INT(times[0], 500);
	T_EQ_INT(snapshot_prune(sdir, 2), 3);
	T_EQ_INT(snapshot_list(sdir, times, 8, err, sizeof err), 2);
	T_EQ_INT(times[1], 400);
	snprintf(path, sizeof path, "%s/etcd-snapshot-200.db.sha256", sdir);
	T_ASSERT(access(path, F_OK) < 0); /* pruned with its snapshot */
}

TEST(reset_epoch_only_decimal)
{
	char e[32];
	T_EQ_INT(reset_epoch_read(dir, e, sizeof e), -ENOENT);
	put_file("reset-epoch", "1700000123\n");
	T_EQ_INT(reset_epoch_read(dir, e, sizeof e), 0);
	T_EQ_STR(e, "1700000123");
	static const char *const bad[] = {"", "\n", "12a\n", "-1\n", "1 2\n", "123456789012345678901\n", "1\n2\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put_file("reset-epoch", bad[i]);
		T_EQ_INT(reset_epoch_read(dir, e, sizeof e), -EBADMSG);
		T_EQ_STR(e, "");
	}
	char path[200];
	snprintf(path, sizeof path, "%s/reset-epoch", dir);
	unlink(path);
	T_EQ_INT(mkfifo(path, 0600), 0); /* must not block */
	T_ASSERT(reset_epoch_read(dir, e, sizeof e) < 0);
	unlink(path);
}

TEST(metrics_text_format)
{
	struct phyl_metrics m = {.rejoins = 3, .evictions = 1, .reloads = 7, .elections = 2, .failures = 0,
				 .etcd_known = true, .quorum_ok = true, .etcd_members = 3, .etcd_healthy = 3,
				 .last_formation = 1700000000};
	char *s = metrics_render(&m);
	T_ASSERT(s);
	T_CONTAINS(s, "# TYPE phylactery_rejoins_total counter\nphylactery_rejoins_total 3\n");
	T_CONTAINS(s, "phylactery_evictions_total 1\n");
	T_CONTAINS(s, "phylactery_elections_total 2\n");
	T_CONTAINS(s, "# TYPE phylactery_etcd_members gauge\nphylactery_etcd_members 3\n");
	T_CONTAINS(s, "phylactery_etcd_quorum 1\n");
	T_CONTAINS(s, "phylactery_last_formation_timestamp_seconds 1700000000\n");
	T_ASSERT(s[strlen(s) - 1] == '\n');
	free(s);
	m.etcd_known = false;
	s = metrics_render(&m);
	T_ASSERT(s && !strstr(s, "phylactery_etcd_members"));
	free(s);
}

TEST(cluster_conf_snapshot_keys)
{
	const char *base = "[cluster]\nvip = 10.10.0.100\nvip_name = vip.kubernetes.local\nk8s_version = 1.32.0\n"
			   "pod_cidr = 10.244.0.0/16\n";
	char text[1024], err[300];
	struct cluster_conf c;
	T_EQ_INT(cluster_conf_parse("c", base, &c, err, sizeof err), 0);
	T_EQ_INT(c.snapshot_interval, 3600);
	T_EQ_INT(c.snapshot_count, 24);
	T_ASSERT(!c.restore_on_cold_start);
	snprintf(text, sizeof text, "%ssnapshot_interval = 0\nsnapshot_count = 3\nrestore_on_cold_start = yes\n", base);
	T_EQ_INT(cluster_conf_parse("c", text, &c, err, sizeof err), 0);
	T_EQ_INT(c.snapshot_interval, 0);
	T_EQ_INT(c.snapshot_count, 3);
	T_ASSERT(c.restore_on_cold_start);
	snprintf(text, sizeof text, "%ssnapshot_interval = 5\n", base);
	T_ASSERT(cluster_conf_parse("c", text, &c, err, sizeof err) < 0);
	T_CONTAINS(err, "snapshot_interval: expected a number of seconds: 0 (no snapshots) or 60-604800, got '5'");
	snprintf(text, sizeof text, "%ssnapshot_count = 0\n", base);
	T_ASSERT(cluster_conf_parse("c", text, &c, err, sizeof err) < 0);
	snprintf(text, sizeof text, "%srestore_on_cold_start = maybe\n", base);
	T_ASSERT(cluster_conf_parse("c", text, &c, err, sizeof err) < 0);
	T_CONTAINS(err, "restore_on_cold_start: expected yes or no");
}

TEST(etcd_status_leader)
{
	uint64_t me, lead;
	char err[200];
	const char *ok = "{\"header\":{\"cluster_id\":\"1\",\"member_id\":\"10276657743932975437\"},"
			 "\"version\":\"3.4.23\",\"leader\":\"10276657743932975437\"}";
	T_EQ_INT(etcd_status_parse(ok, strlen(ok), &me, &lead, err, sizeof err), 0);
	T_ASSERT(me == lead && me == 10276657743932975437ULL);
	const char *num = "{\"header\":{\"member_id\":1},\"leader\":\"1\"}";
	T_ASSERT(etcd_status_parse(num, strlen(num), &me, &lead, err, sizeof err) < 0);
	T_ASSERT(etcd_status_parse("{}", 2, &me, &lead, err, sizeof err) < 0);
}

static bool exists(const char *name)
{
	char path[200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* The operator's reset against a share directory. Its one "node" listens nowhere: 127.0.0.1 on a port
 * nobody uses here (curl: connection refused), so nothing leaves this machine. */
TEST(cluster_reset_asks_then_clears_and_keeps_snapshots)
{
	char cmd[600];
	mkdir(dir, 0700);
	snprintf(cmd, sizeof cmd, "%s/phylactery", dir);
	mkdir(cmd, 0700);
	snprintf(cmd, sizeof cmd, "%s/phylactery/nodes", dir);
	mkdir(cmd, 0700);
	snprintf(cmd, sizeof cmd, "%s/etcd", dir);
	mkdir(cmd, 0700);
	put_file("leader", "name=control1\n");
	put_file("leader_ready", "name=control1\n");
	put_file("leader_ready.dead.x", "x");
	put_file("kube.config", "x");
	put_file("quorum-lost", "x");
	put_file("phylactery/secret", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	put_file("phylactery/nodes/control1", "name=control1\nip=127.0.0.1\n");
	put_file("phylactery/nodes/evil", "name=evil\nip=1.2.3.4; rm -rf /\n");
	put_file("etcd/etcd-snapshot-100.db", "s");
	const char *tool = reset_tool;
	snprintf(cmd, sizeof cmd, "%s --share %s --port 1 --wait 0 >/dev/null 2>&1", tool, dir);
	T_EQ_INT(WEXITSTATUS(system(cmd)), 2); /* no --yes: nothing done */
	T_ASSERT(exists("leader") && !exists("reset-epoch"));
	snprintf(cmd, sizeof cmd, "%s --share %s --port 1 --wait 0 --yes >%s/out 2>&1", tool, dir, dir);
	T_EQ_INT(WEXITSTATUS(system(cmd)), 0);
	char e[32];
	T_EQ_INT(reset_epoch_read(dir, e, sizeof e), 0);
	T_ASSERT(!exists("leader") && !exists("leader_ready") && !exists("leader_ready.dead.x") &&
		 !exists("kube.config") && !exists("quorum-lost") && !exists("phylactery/nodes/control1"));
	T_ASSERT(exists("phylactery/secret") && exists("etcd/etcd-snapshot-100.db"));
	char out[2048] = "";
	snprintf(cmd, sizeof cmd, "%s/out", dir);
	int fd = open(cmd, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, out, sizeof out - 1) : -1;
	if (fd >= 0)
		close(fd);
	out[n > 0 ? n : 0] = '\0';
	T_CONTAINS(out, "127.0.0.1: POST /reboot: 000");
	T_CONTAINS(out, "nodes/evil: no valid ip= line; skipped");
	/* A second reset gets a different epoch; --purge removes the snapshots. */
	char e2[32];
	snprintf(cmd, sizeof cmd, "%s --share %s --port 1 --wait 0 --purge --yes >/dev/null 2>&1", tool, dir);
	T_EQ_INT(WEXITSTATUS(system(cmd)), 0);
	T_EQ_INT(reset_epoch_read(dir, e2, sizeof e2), 0);
	T_ASSERT(strcmp(e, e2));
	T_ASSERT(!exists("etcd/etcd-snapshot-100.db"));
}

int main(int argc, char **argv)
{
	(void)argc;
	/* build/unit/test_stages_heal -> the source tree's stages/tools (BUILD is a subdirectory of it). */
	t_beside_self(reset_tool, sizeof reset_tool, argv[0], "../../stages/tools/ekcluster-reset");
	if (access(reset_tool, X_OK) < 0)
		snprintf(reset_tool, sizeof reset_tool, "stages/tools/ekcluster-reset");
	snprintf(dir, sizeof dir, "/tmp/test_stages_heal.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	T_RUN(quorum_loss_must_last_and_be_seen_by_a_member);
	T_RUN(quorum_loss_needs_looks_in_a_row);
	T_RUN(quorum_report_names_survivors_and_recovery);
	T_RUN(quorum_reported_once_then_withdrawn);
	T_RUN(manifest_force_new_cluster_round_trip);
	T_RUN(snapshots_verify_prune_and_refuse_torn_files);
	T_RUN(reset_epoch_only_decimal);
	T_RUN(metrics_text_format);
	T_RUN(cluster_conf_snapshot_keys);
	T_RUN(etcd_status_leader);
	T_RUN(cluster_reset_asks_then_clears_and_keeps_snapshots);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return T_END();
}
