/* phylactery's state, shared between the API thread (api.c) and the main loop (core.c). */
#ifndef PHYLACTERY_H
#define PHYLACTERY_H

#include <pthread.h>
#include <stdbool.h>

#include "../lib/cluster_conf.h"
#include "../lib/node_info.h"
#include "../lib/share.h"
#include "creds.h"

#define REGISTRY_MAX 32
#define ACTIONS_MAX 16

struct phyl {
	struct cluster_conf conf;
	struct node_info node;
	struct share_entry me;
	char share[CONF_PATH_MAX];
	const char *haproxy_cfg, *keepalived_conf, *ready_seen; /* NULL: not written */
	bool reload;        /* run `ekctl reload haproxy|keepalived` after a change */
	char secret[65];
	struct creds_paths creds;
	int wake_fd; /* eventfd: the API asks the main loop to refresh */

	pthread_mutex_t mu; /* guards everything below */
	bool pending, pending_fanout;
	char pending_event[16];
	struct share_entry registry[REGISTRY_MAX];
	int nregistry;
	char actions[ACTIONS_MAX][200];
	int nactions, next_action;
};

void phyl_action(struct phyl *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One refresh: heartbeat our registry entry, list the registry, rewrite the configs when they
 * changed (and reload), tell the peers when asked to. */
void phyl_refresh(struct phyl *p, const char *event, bool fanout);

/* API callbacks (api_handlers). */
int phyl_on_refresh(void *ctx, const char *event, bool fanout, char *msg, size_t len);
int phyl_on_join_creds(void *ctx, struct join_creds *out, char *msg, size_t len);
char *phyl_status_json(void *ctx);

/* Writes path only when its content differs from text. 1 changed, 0 same, -errno. */
int write_if_changed(const char *path, const char *text, size_t len, char *err, size_t errlen);

#endif
