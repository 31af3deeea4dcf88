/* GET /metrics: Prometheus text exposition format 0.0.4. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "phylactery.h"

struct out {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->oom = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		char *b = realloc(o->buf, o->cap * 2);
		if (!b) {
			o->oom = true;
			return;
		}
		o->buf = b, o->cap *= 2;
	}
}

static void metric(struct out *o, const char *name, const char *type, const char *help, long long value)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name, value);
}

char *metrics_render(const struct phyl_metrics *m)
{
	struct out o = {.buf = malloc(2048), .cap = 2048};
	if (!o.buf)
		return NULL;
	o.buf[0] = '\0';
	metric(&o, "phylactery_rejoins_total", "counter", "Rejoining nodes whose previous life was removed (POST /forget).",
	       (long long)m->rejoins);
	metric(&o, "phylactery_evictions_total", "counter", "Nodes evicted by an operator (POST /evict).",
	       (long long)m->evictions);
	metric(&o, "phylactery_reloads_total", "counter", "haproxy and keepalived reloads after a configuration change.",
	       (long long)m->reloads);
	metric(&o, "phylactery_elections_total", "counter", "Changes of the leader on the share seen by this node.",
	       (long long)m->elections);
	metric(&o, "phylactery_failures_total", "counter", "Failed reloads, removals, snapshots and peer calls.",
	       (long long)m->failures);
	metric(&o, "phylactery_snapshots_total", "counter", "etcd snapshots written to the share by this node.",
	       (long long)m->snapshots);
	if (m->etcd_known) {
		metric(&o, "phylactery_etcd_members", "gauge", "etcd members in the member list.", m->etcd_members);
		metric(&o, "phylactery_etcd_healthy_members", "gauge", "etcd members answering /health.", m->etcd_healthy);
		metric(&o, "phylactery_etcd_quorum", "gauge", "1 while a majority of voting etcd members is healthy.",
		       m->quorum_ok ? 1 : 0);
	}
	metric(&o, "phylactery_last_formation_timestamp_seconds", "gauge",
	       "When the cluster last formed (leader_ready time), unix seconds; 0 unknown.", m->last_formation);
	metric(&o, "phylactery_last_snapshot_timestamp_seconds", "gauge",
	       "When this node last wrote an etcd snapshot, unix seconds; 0 never.", m->last_snapshot);
	if (o.oom) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}
