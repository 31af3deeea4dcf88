/* Is a leader_ready on the share from a DEAD cluster (every node rebooted: nobody runs its API), or from
 * a live one that is still converging (haproxy's health checks, a keepalived takeover, TCG slowness)?
 * Moving a live cluster's leader_ready aside starts a second cluster, so "dead" needs all of:
 *  - the file is older than DEAD_GRACE_S: by its own time= when this node's clock was stepped from the
 *    manager (every node's is), else by how long this process has seen it;
 *  - DEAD_ROUNDS consecutive probe rounds got no HTTP answer at all, neither through the VIP nor from
 *    the leader's own IP:api port (any status, even 401/403/500, is an API that runs), and that streak
 *    has lasted DEAD_STREAK_MS.
 * Pure: the caller probes and keeps the counters (dead_track_*). */
#ifndef DEAD_CHECK_H
#define DEAD_CHECK_H

#include <stdbool.h>

#define DEAD_GRACE_S 60
#define DEAD_ROUNDS 8
#define DEAD_STREAK_MS 15000

enum ready_verdict {
	READY_JOIN = 1, /* the API answers 200 through the VIP: join */
	READY_WAIT,     /* not joinable yet, not proven dead */
	READY_DEAD,
};

struct ready_facts {
	long long ready_time;  /* leader_ready's time= (unix s) */
	long long now;         /* unix s, this node's clock */
	bool clock_stepped;    /* this node's clock was stepped from (or found within 50 ms of) the manager */
	long long seen_ms;     /* how long this process has seen this same leader_ready */
	int failed_rounds;     /* consecutive rounds with no HTTP answer through the VIP nor directly */
	long long streak_ms;   /* how long that streak has lasted */
	bool vip_healthy;      /* this round: /healthz through the VIP answered 200 */
};

enum ready_verdict ready_verdict(const struct ready_facts *f);

/* The counters one process keeps about one leader_ready (boot_id and time say which). */
struct dead_track {
	char boot_id[64];
	long long ready_time;
	long long first_seen_ms; /* monotonic */
	int failed_rounds;
	long long streak_start_ms; /* monotonic, of the current failure streak */
};

/* A round's outcome into t: a different leader_ready (boot_id, time) starts over; any HTTP answer
 * (vip_status or direct_status > 0) ends the failure streak. */
void dead_track_round(struct dead_track *t, const char *boot_id, long long ready_time, long long mono_ms,
		      long vip_status, long direct_status);

#endif
