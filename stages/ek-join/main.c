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

#include "http.h"
#include "notify.h"
#include "sntp.h"
#include "valid.h"
#include "ekjoin.h"

/* keepalived fails over in ~3 s when a VM dies: a leader_ready is called dead only after its API has
 * not answered through the VIP for this long, so a failover never starts a second cluster. */
#define DEAD_AFTER_MS 15000

static void clock_from_manager(const struct ekjoin *j)
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
	if (mag >= 50 && clock_step(off, err, sizeof err) < 0)
		notify_status("ek-join", "clock: %s", err);
	else
		notify_status("ek-join", "clock: %lld ms off the manager%s", (long long)off, mag >= 50 ? ", stepped" : "");
}

struct watch {
	struct ekjoin *j;
	long long unreachable_since; /* mono ms when leader_ready was first seen with the API silent */
};

enum { W_READY = 1, W_CLAIM = 2 };

/* The joiners' wait: a live leader_ready means join; for a control node, no leader (or a stale
 * lease, or a leader_ready whose API has been silent for DEAD_AFTER_MS) means try to claim. */
static int check_share(void *ctx)
{
	struct watch *w = ctx;
	struct ekjoin *j = w->j;
	struct share_entry e;
	char err[300];
	if (share_leader_ready_read(j->share, &e, err, sizeof err) == 0) {
		if (api_through_vip(j, 1000))
			return W_READY;
		if (!w->unreachable_since)
			w->unreachable_since = mono_ms();
		if (mono_ms() - w->unreachable_since < DEAD_AFTER_MS)
			return 0;
		if (!j->node.control)
			return 0; /* workers wait for a control node to form a new cluster */
		notify_status("ek-join", "leader_ready by %s is from a dead cluster (no API through the VIP for %d s)",
			      e.name, DEAD_AFTER_MS / 1000);
		return W_CLAIM;
	}
	w->unreachable_since = 0;
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

static void set_dead_aside(struct ekjoin *j)
{
	char from[400], to[480];
	snprintf(from, sizeof from, "%s/leader_ready", j->share);
	snprintf(to, sizeof to, "%s/leader_ready.dead.%s", j->share, j->me.boot_id);
	if (rename(from, to) == 0)
		notify_status("ek-join", "moved the dead cluster's leader_ready to %s", to);
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
			set_dead_aside(j);
			return leader_run(j);
		}
		notify_status("ek-join", "election: %s leads (%s)", holder.name[0] ? holder.name : "an unreadable leader file",
			      holder.ip);
		w.unreachable_since = 0;
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
