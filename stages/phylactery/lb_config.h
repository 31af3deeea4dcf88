/* The load-balancer configuration phylactery generates from the registry: haproxy.cfg (the API on
 * api_port spread over every registered control node's backend_port, each health-checked with an
 * HTTPS GET /healthz) and keepalived.conf (the VIP, unicast to the registered peers, an auth
 * password derived from the cluster secret, a priority derived from this node's address, and the
 * local haproxy tracked, so the VIP leaves a node whose haproxy died).
 * Both render functions are pure: same input, same bytes (the caller reloads only on a change). */
#ifndef PHYLACTERY_LB_CONFIG_H
#define PHYLACTERY_LB_CONFIG_H

#include <stddef.h>

#include "cluster_conf.h"
#include "node_info.h"
#include "share.h"

/* Returns the length, or -ENOSPC. nodes sorted by name (share_registry_list does that). */
int haproxy_cfg_render(const struct cluster_conf *c, const struct share_entry *nodes, int n, char *buf, size_t cap);

int keepalived_conf_render(const struct cluster_conf *c, const struct node_info *self, const struct share_entry *nodes,
			   int n, const char *secret, char *buf, size_t cap);

/* VRRP's PASS authentication takes 8 characters: the first 8 hex digits of
 * SHA-256("ekinit keepalived " + secret). Not a cryptographic protection (VRRP sends it in clear on
 * the cluster network); it keeps foreign VRRP speakers with the same router id out. */
void keepalived_auth_pass(const char *secret, char out[9]);

/* 1-254 from the last octet of the node's address: distinct within a /24, stable across boots. */
unsigned keepalived_priority(const char *ip);

#endif
