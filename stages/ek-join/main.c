/* ek-join: forms the cluster on this node (oneshot unit ek-join.service).
 *
 *   ek-join [--node-conf PATH] [--cluster-conf PATH] [--run-dir DIR] [--attempts N]
 *   ek-join --check-config CLUSTER_CONF     validate a cluster.conf and exit
 *   ek-join --watch-reset [--cluster-conf PATH]   reboot when the share's reset-epoch changes
 *
 * Steps: clock step from the manager, offline image import (in the background), then for a control
 * node the election on the share (leader.c) or, like every worker, the join (joiner.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "notify.h"
#include "share_mount.h"
#include "sntp.h"
#include "valid.h"
#include "dead_check.h"
#include "ekjoin.h"

static void clock_from_manager(struct ekjoin *j)
{
	char err[300];
	int64_t off;
	if (!j->node.manager[0]) {
		notify_status("ek-join", "clock: node.conf names no manager; clock not stepped");
		return;
	}
	if (sntp_offset(j->node.manager, 123, 3000, &off, err, sizeof err) < 0) {
		notify_status("ek-join", "clock: %s; clock not stepped (certificates may be 'not yet valid')", err);
		return;
	}
	int64_t mag = off < 0 ? -off : off;
	if (mag > (int64_t)j->conf.clock_max_skew_ms)
		notify_status("ek-join", "clock: %lld ms off the manager, beyond clock_max_skew_ms=%u; stepping",
			      (long long)off, j->conf.clock_max_skew_ms);
	if (mag >= 50 && clock_step(off, err, sizeof err) < 0) {
		notify_status("ek-join", "clock: %s", err);
		return;
	}
	j->clock_stepped = true;
	notify_status("ek-join", "clock: %lld ms off the manager%s", (long long)off, mag >= 50 ? ", stepped" : "");
}

struct watch {
	struct ekjoin *j;
	struct dead_track t;       /* about the leader_ready seen now (dead_check.h) */
	struct share_entry dead;   /* the leader_ready judged dead, the only one set_dead_aside moves */
	bool judged_dead;
};

enum { W_READY = 1, W_CLAIM = 2 };

/* One probe round about leader_ready e: READY_JOIN, READY_WAIT or READY_DEAD (dead_check.h). */
static enum ready_verdict judge_ready(struct watch *w, const struct share_entry *e)
{
	struct ekjoin *j = w->j;
	long vip = api_healthz(j->conf.vip_name, j->conf.api_port, 1000);
	long direct = vip > 0 ? vip : api_healthz(e->ip, j->conf.backend_port, 1000);
	long long now_ms = mono_ms();
	int before = w->t.failed_rounds;
	dead_track_round(&w->t, e->boot_id, e->time, now_ms, vip, direct);
	struct ready_facts f = {.ready_time = e->time, .now = now_unix(), .clock_stepped = j->clock_stepped,
				.seen_ms = now_ms - w->t.first_seen_ms, .failed_rounds = w->t.failed_rounds,
				.streak_ms = w->t.failed_rounds ? now_ms - w->t.streak_start_ms : 0,
				.vip_healthy = vip == 200};
	if (w->t.failed_rounds == 1 && before == 0)
		notify_status("ek-join", "leader_ready by %s (time=%lld): no API answer through the VIP nor from %s:%u yet",
			      e->name, e->time, e->ip, j->conf.backend_port);
	else if (!w->t.failed_rounds && before >= 1)
		notify_status("ek-join", "leader_ready by %s: the API answers (VIP %ld, direct %ld)", e->name, vip, direct);
	return ready_verdict(&f);
}

/* The joiners' wait: a live leader_ready means join; for a control node, no leader (or a stale
 * lease, or a leader_ready proven dead by judge_ready) means try to claim. */
static int check_share(void *ctx)
{
	struct watch *w = ctx;
	struct ekjoin *j = w->j;
	struct share_entry e;
	char err[300];
	if (share_leader_ready_read(j->share, &e, err, sizeof err) == 0) {
		enum ready_verdict v = judge_ready(w, &e);
		if (v == READY_JOIN)
			return W_READY;
		if (v != READY_DEAD || !j->node.control)
			return 0; /* workers wait for a control node to form a new cluster */
		if (!w->judged_dead || strcmp(w->dead.boot_id, e.boot_id) || w->dead.time != e.time)
			notify_status("ek-join", "leader_ready by %s (time=%lld) is from a dead cluster: %d probe rounds "
				      "over %lld s without an answer through the VIP or from %s:%u",
				      e.name, e.time, w->t.failed_rounds, (mono_ms() - w->t.streak_start_ms) / 1000,
				      e.ip, j->conf.backend_port);
		w->dead = e;
		w->judged_dead = true;
		return W_CLAIM;
	}
	memset(&w->t, 0, sizeof w->t);
	w->judged_dead = false;
	if (!j->node.control)
		return 0;
	char path[400];
	snprintf(path, sizeof path, "%s/leader", j->share);
	if (share_entry_read(path, &e, err, sizeof err) == -ENOENT)
		return W_CLAIM;
	if (e.name[0] && now_unix() - e.time > (long long)(e.lease ? e.lease : j->me.lease))
		return W_CLAIM;
	return 0;
}

/* After winning the claim: moves leader_ready aside only when it is the very one judged dead. A
 * leader_ready that appeared meanwhile, or was hidden from check_share (a stale lease of a leader that
 * finished, read before NFS showed its leader_ready), belongs to a live cluster: returns -1 and the
 * claim is given back. */
static int set_dead_aside(struct ekjoin *j, const struct watch *w)
{
	char from[400], to[480], err[300];
	struct share_entry e;
	snprintf(from, sizeof from, "%s/leader_ready", j->share);
	int r = share_leader_ready_read(j->share, &e, err, sizeof err);
	if (r == -ENOENT)
		return 0;
	if (r == 0 && (!w->judged_dead || strcmp(w->dead.boot_id, e.boot_id) || w->dead.time != e.time)) {
		notify_status("ek-join", "election: a leader_ready not judged dead is on the share (by %s, time=%lld); "
			      "not leading", e.name[0] ? e.name : "?", e.time);
		return -1;
	}
	/* Judged dead, or not a share entry at all (garbage is nobody's cluster). */
	snprintf(to, sizeof to, "%s/leader_ready.dead.%s", j->share, j->me.boot_id);
	if (rename(from, to) == 0)
		notify_status("ek-join", "moved the %s leader_ready to %s", r == 0 ? "dead cluster's" : "unreadable", to);
	return 0;
}

/* Gives back a claim just won (our own leader file only). */
static void release_claim(struct ekjoin *j)
{
	char path[400], err[300];
	struct share_entry e;
	snprintf(path, sizeof path, "%s/leader", j->share);
	if (share_entry_read(path, &e, err, sizeof err) == 0 && !strcmp(e.boot_id, j->me.boot_id))
		unlink(path);
}

static int form(struct ekjoin *j)
{
	struct watch w = {.j = j};
	for (;;) {
		int what = j->node.control ? check_share(&w) : 0;
		if (!what) {
			notify_status("ek-join", "waiting for leader_ready on %s", j->share);
			what = wait_for(check_share, &w, LEADER_READY_SEEN, SHARE_POLL_MS, mono_ms() + 24LL * 3600 * 1000);
		}
		if (what == W_READY)
			return joiner_run(j);
		if (what != W_CLAIM)
			return -1;
		struct share_entry holder;
		char err[300];
		int r = share_leader_claim(j->share, &j->me, now_unix(), &holder, err, sizeof err);
		if (r < 0) {
			notify_status("ek-join", "election: %s", err);
			return -1;
		}
		if (r == CLAIM_WON) {
			notify_status("ek-join", "election: leader claimed (%s/leader)", j->share);
			/* No leader_ready of a live cluster (check_share) and no API through the VIP: a cold start. */
			j->cold_start = !api_through_vip(j, 2000);
			if (set_dead_aside(j, &w) == 0)
				return leader_run(j);
			release_claim(j);
			memset(&w.t, 0, sizeof w.t);
			w.judged_dead = false;
			continue;
		}
		notify_status("ek-join", "election: %s leads (%s)", holder.name[0] ? holder.name : "an unreadable leader file",
			      holder.ip);
		what = wait_for(check_share, &w, LEADER_READY_SEEN, SHARE_POLL_MS, mono_ms() + 24LL * 3600 * 1000);
		if (what == W_READY)
			return joiner_run(j);
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: ek-join [--node-conf PATH] [--cluster-conf PATH] [--run-dir DIR] [--attempts N]\n"
			"       ek-join --check-config CLUSTER_CONF\n"
			"       ek-join --watch-reset [--cluster-conf PATH]\n");
	return 2;
}

static void join_status(const char *text)
{
	notify_status("ek-join", "%s", text);
}

static void reset_watch_status(const char *text)
{
	notify_status("ek-reset-watch", "%s", text);
}

int main(int argc, char **argv)
{
	static struct ekjoin j = {.run_dir = EKJOIN_RUN_DIR, .attempts = 5};
	const char *node_conf = NODE_CONF_PATH, *cluster_conf = CLUSTER_CONF_PATH;
	char err[512];
	bool reset_watch = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long long n;
		if (!strcmp(a, "--check-config") && v) {
			if (cluster_conf_load(v, &j.conf, err, sizeof err) < 0) {
				fprintf(stderr, "ek-join: %s\n", err);
				return 1;
			}
			printf("%s: ok\n", v);
			return 0;
		} else if (!strcmp(a, "--watch-reset")) {
			reset_watch = true;
		} else if (!strcmp(a, "--node-conf") && v) {
			node_conf = v, i++;
		} else if (!strcmp(a, "--cluster-conf") && v) {
			cluster_conf = v, i++;
		} else if (!strcmp(a, "--run-dir") && v) {
			j.run_dir = v, i++;
		} else if (!strcmp(a, "--attempts") && v && valid_uint(v, 1, 1000, &n)) {
			j.attempts = (int)n, i++;
		} else {
			return usage();
		}
	}
	if (reset_watch) {
		if (cluster_conf_load(cluster_conf, &j.conf, err, sizeof err) < 0) {
			notify_status("ek-reset-watch", "configuration: %s", err);
			return 1;
		}
		snprintf(j.share, sizeof j.share, "%s", j.conf.share);
		share_wait_mounted(j.share, 0, reset_watch_status);
		return watch_reset(&j);
	}
	if (cluster_conf_load(cluster_conf, &j.conf, err, sizeof err) < 0 ||
	    node_info_load(node_conf, &j.node, err, sizeof err) < 0) {
		notify_status("ek-join", "configuration: %s", err);
		return 1;
	}
	snprintf(j.share, sizeof j.share, "%s", j.conf.share);
	snprintf(j.me.name, sizeof j.me.name, "%s", j.node.name);
	snprintf(j.me.ip, sizeof j.me.ip, "%s", j.node.ip);
	j.me.lease = j.conf.lease_seconds;
	if (read_boot_id(j.me.boot_id, err, sizeof err) < 0) {
		notify_status("ek-join", "%s", err);
		return 1;
	}
	mkdir(j.run_dir, 0755);
	/* Never elect or join on a local directory: wait for the share (share_mount.h says why). */
	share_wait_mounted(j.share, 0, join_status);
	http_global_init();
	notify_status("ek-join", "%s node %s (%s), cluster VIP %s (%s)", j.node.control ? "control" : "worker",
		      j.node.name, j.node.ip, j.conf.vip, j.conf.vip_name);
	clock_from_manager(&j);
	images_start(&j);
	int r = form(&j);
	images_wait();
	notify_status("ek-join", r == 0 ? "done: %s is in the cluster" : "failed: %s did not join (see above)", j.node.name);
	return r == 0 ? 0 : 1;
}
