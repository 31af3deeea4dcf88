/* phylactery's state, shared between the API thread (api.c) and the main loop (core.c). */
#ifndef PHYLACTERY_H
#define PHYLACTERY_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cluster_conf.h"
#include "etcd.h"
#include "node_info.h"
#include "share.h"
#include "creds.h"
#include "quorum.h"
#include "reload_retry.h"

#define REGISTRY_MAX 32
#define ACTIONS_MAX 16

/* What GET /metrics serves (guarded by phyl.mu). */
struct phyl_metrics {
	unsigned long long rejoins, evictions, reloads, elections, failures, snapshots;
	bool etcd_known, quorum_ok;
	int etcd_members, etcd_healthy;
	long long last_formation, last_snapshot; /* unix seconds, 0: never */
};

/* The last look at etcd (housekeeping; guarded by phyl.mu). */
struct etcd_view {
	bool known;
	struct etcd_member m[ETCD_MEMBERS_MAX];
	bool healthy[ETCD_MEMBERS_MAX];
	int n;
	struct etcd_quorum q;
	char error[200];
	long long time;
	long long listed; /* when m was listed: earlier than time when etcd did not answer this time */
};

struct phyl {
	struct cluster_conf conf;
	struct node_info node;
	struct share_entry me;
	char share[CONF_PATH_MAX];
	const char *haproxy_cfg, *keepalived_conf, *ready_seen; /* NULL: not written */
	bool reload;        /* run `ekctl reload haproxy|keepalived` after a change */
	struct reload_retry haproxy_reload, keepalived_reload; /* main loop only */
	char secret[65];
	struct creds_paths creds;
	int wake_fd; /* eventfd: the API asks the main loop to refresh */
	const char *pki_dir;    /* /etc/kubernetes/pki: etcd client certificates */
	const char *admin_conf; /* /etc/kubernetes/admin.conf: the API's credentials */
	const char *etcd_data;  /* /var/lib/etcd (snapshot restore on quorum loss) */
	const char *etcd_manifest; /* /etc/kubernetes/manifests/etcd.yaml */
	char etcd_url[128];     /* "" : https://<own ip>:2379 */
	char api_url[256];      /* "" : https://<own ip>:<backend_port>; http://... in tests, no credentials */
	char *const *reboot_argv; /* what POST /reboot and a reset epoch run */
	char reset_epoch[80];   /* the share's reset-epoch when we started */
	/* housekeeping's own state (main loop only) */
	struct quorum_loss quorum_lost; /* since when quorum looks lost (since 0: it does not), in how many looks */
	/* The last member list etcd gave: etcd 3.4's JSON gateway does not answer it without a leader
	 * (etcdctl over gRPC does), and membership cannot change without quorum anyway. */
	struct etcd_member last_m[ETCD_MEMBERS_MAX];
	int last_n;
	long long last_listed;
	bool quorum_restore_flag_set; /* on_quorum_loss = restore: --force-new-cluster is in the manifest */
	long long last_snapshot_try;  /* time of the last snapshot attempt */

	pthread_mutex_t mu; /* guards everything below */
	bool pending, pending_fanout;
	char pending_event[16];
	struct share_entry registry[REGISTRY_MAX];
	int nregistry;
	char actions[ACTIONS_MAX][200];
	int nactions, next_action;
	struct phyl_metrics metrics;
	struct etcd_view etcd;
	bool reboot_pending;
	char quorum_report[600]; /* "" while quorum holds */
	char last_leader_boot[40];
};

void phyl_action(struct phyl *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One refresh: heartbeat our registry entry, list the registry, rewrite the configs when they
 * changed (and reload), tell the peers when asked to. */
void phyl_refresh(struct phyl *p, const char *event, bool fanout);

/* CLOCK_MONOTONIC in milliseconds. */
long long phyl_now_ms(void);

/* How long the main loop may wait before a reload retry is due (cap when none is). */
int phyl_wait_ms(const struct phyl *p, int cap);

/* API callbacks (api_handlers). */
int phyl_on_refresh(void *ctx, const char *event, bool fanout, char *msg, size_t len);
int phyl_on_join_creds(void *ctx, struct join_creds *out, char *msg, size_t len);
char *phyl_status_json(void *ctx);
int phyl_on_forget(void *ctx, const char *name, const char *ip, bool control, bool evict, char **json, char *msg,
		   size_t len);
int phyl_on_reboot(void *ctx, char *msg, size_t len);
char *phyl_metrics_text(void *ctx);

/* Prometheus text exposition of m (pure). malloc'd, NULL when out of memory. */
char *metrics_render(const struct phyl_metrics *m);

/* The etcd client and API target this node uses (own address, own certificates). -ENOENT when this
 * node has no control plane yet. */
int phyl_etcd_client(const struct phyl *p, struct etcd_client *ec, char *err, size_t errlen);
/* This node's own API server (or --api) with the admin kubeconfig's credentials loaded into kc (free it
 * with kubeconfig_free, also after an error). */
int phyl_kube_target(const struct phyl *p, struct kube_target *kt, struct kubeconfig *kc, char *err, size_t errlen);

/* Housekeeping after each refresh: look at etcd (members, health, quorum), report or act on quorum
 * loss, promote learners and take snapshots when this node leads, reboot on a new reset epoch. */
void phyl_housekeeping(struct phyl *p);

/* Writes path (with mode) only when its content or mode differs. 1 changed, 0 same, -errno. */
int write_if_changed(const char *path, const char *text, size_t len, mode_t mode, char *err, size_t errlen);

#endif
