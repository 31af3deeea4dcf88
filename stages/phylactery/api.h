/* phylactery's HTTP API (libmicrohttpd, one internal thread):
 *
 *   GET  /healthz            no auth: {"ok":true}
 *   GET  /status             JSON: node, role, leader, registry, etcd members, last actions
 *   POST /refresh            {"event":"registry"|"leader_ready","fanout":bool}: re-read the registry,
 *                            regenerate the configs; leader_ready also wakes the local ek-join
 *   POST /join-credentials   {"token","ca_cert_hash","certificate_key","endpoint"}
 *   POST /forget             {"name":"control2","ip":"10.10.0.12","control":true}: a rejoining node's
 *                            previous life (Node object; etcd member when control) is removed here,
 *                            since the rejoining node has no certificates yet
 *   POST /evict              {"name":"control2"[,"ip":"10.10.0.12"]}: an operator removes a node's Node
 *                            and etcd member (the ip from the registry when not given)
 *   POST /reboot             {} : 202, then this node reboots (ekcluster-reset)
 *   GET  /metrics            no auth: Prometheus text (counters and gauges, nothing secret)
 *
 * Everything but /healthz and /metrics needs "Authorization: Bearer <cluster secret>", compared in
 * constant time; a wrong or missing secret is 401 and changes nothing. Bodies over API_MAX_BODY are
 * 413, bodies that are not the JSON asked for 400; connections idle for API_TIMEOUT_S are closed.
 * Errors are JSON: {"error":"short_code","message":"what was wrong"}. */
#ifndef PHYLACTERY_API_H
#define PHYLACTERY_API_H

#include <stdbool.h>
#include <stddef.h>

#include "kjson.h"

#define API_MAX_BODY 4096
#define API_TIMEOUT_S 10

struct api_handlers {
	void *ctx;
	/* 0, or -errno with msg (the answer is then 503). */
	int (*refresh)(void *ctx, const char *event, bool fanout, char *msg, size_t len);
	int (*join_creds)(void *ctx, struct join_creds *out, char *msg, size_t len);
	char *(*status_json)(void *ctx); /* malloc'd JSON object */
	/* /forget (evict false) and /evict. ip may be "" for /evict. 0, or -errno with msg: -EBUSY and
	 * -EPERM (quorum, own member) answer 409, -EINVAL 400, others 503. *json gets a malloc'd report. */
	int (*forget)(void *ctx, const char *name, const char *ip, bool control, bool evict, char **json, char *msg,
		      size_t len);
	int (*reboot)(void *ctx, char *msg, size_t len);
	char *(*metrics_text)(void *ctx); /* malloc'd Prometheus text */
};

struct api;

/* addr: an IPv4 address to listen on ("0.0.0.0" for all). */
struct api *api_start(const char *addr, unsigned port, const char *secret, const struct api_handlers *h, char *err,
		      size_t errlen);
void api_stop(struct api *a);

/* Exposed for the tests: is header (the Authorization value, may be NULL) "Bearer <secret>"? */
bool api_authorized(const char *header, const char *secret);

#endif
