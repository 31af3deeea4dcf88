/* phylactery --render: what the daemon would write, once, and nothing else. It reads node.conf,
 * cluster.conf and the registry in an explicitly given directory, renders haproxy.cfg and
 * keepalived.conf with the daemon's own renderers (lb_config.h), writes them and returns: no API,
 * no reload, no share-mount wait (the operator named the directory), and no registration (a
 * preview against a live share must not add a node to the peers' load balancers; this node is
 * merged into the list in memory, as share_registry_put would have put it). The one thing it may
 * create in the directory is the cluster secret, when there is none yet, exactly as the daemon
 * does (share_secret_ensure): keepalived.conf's VRRP password derives from it. */
#ifndef PHYLACTERY_RENDER_H
#define PHYLACTERY_RENDER_H

#include <stddef.h>
#include <stdio.h>

struct render_opts {
	const char *node_conf, *cluster_conf, *share;
	const char *haproxy_cfg, *keepalived_conf; /* NULL: not written; "-": to out */
};

/* 0, or -errno with err saying what and where. Nothing is written unless both files rendered;
 * notes (what was written, a secret made) go to log, the "-" files to out. */
int render_once(const struct render_opts *o, FILE *out, FILE *log, char *err, size_t errlen);

#endif
