/* etcd through its v3 JSON gateway (https://IP:2379/v3/..., client certificates): the member list,
 * member health, removal of a stale member and promotion of a learner, and the pure decisions around
 * them (which member is a node's previous life, whether removing one keeps quorum).
 *
 * Gateway facts this relies on (etcd 3.4): uint64 IDs are decimal strings in JSON; an error answer
 * is {"error":"...","code":N,"message":"..."} with a gRPC code: 14 UNAVAILABLE ("etcdserver:
 * unhealthy cluster": retry later), 9 FAILED_PRECONDITION ("can only promote a learner member which
 * is in sync with leader": retry later); GET /health answers {"health":"true"}. */
#ifndef STAGES_ETCD_H
#define STAGES_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kjson.h"

#define ETCD_MEMBERS_MAX 16
#define ETCD_CODE_FAILED_PRECONDITION 9
#define ETCD_CODE_UNAVAILABLE 14

/* How long a member's /health may take to answer. A member without a leader answers "false" at once;
 * one that is slow but in a quorum answered in 3-4 s after a cluster reset under TCG (etcdctl's
 * endpoint health took 3.7 s), and a 3 s limit counted it as down: the survivor reported a quorum
 * loss that was not one. Quorum judged on these answers can restore from a snapshot, so a slow
 * member must count as alive. Unless the client sets a longer timeout_ms. */
#define ETCD_HEALTH_TIMEOUT_MS 10000

/* The client: endpoint like "https://10.10.0.11:2379" (http:// in tests, then no certificates). */
struct etcd_client {
	char endpoint[128];
	char cacert[200], cert[200], key[200]; /* "" for none */
	long timeout_ms;                       /* per request; default 3000 (a health check: ETCD_HEALTH_TIMEOUT_MS) */
	long retry_budget_ms;                  /* how long "unhealthy cluster" is retried; default 30000 */
	void (*sleep_ms)(long ms);             /* backoff (tests make it instant); NULL: nanosleep */
};

/* Fills the certificate paths from a kubeadm pki directory (/etc/kubernetes/pki): etcd/ca.crt and
 * etcd/healthcheck-client.{crt,key}, else apiserver-etcd-client.{crt,key}. -ENOENT when neither pair
 * exists (a node without a control plane yet). */
int etcd_client_certs(struct etcd_client *c, const char *pki_dir, char *err, size_t errlen);

/* The host of a URL ("https://10.0.0.1:2380" -> "10.0.0.1", "http://[fd00::1]:2380" -> "fd00::1").
 * 0, or -EINVAL when url has no scheme:// or no host, or the host does not fit. */
int url_host(const char *url, char *host, size_t cap);

/* Is m the etcd member of the node called name with address ip? Exact member name, or the exact host
 * of its peer URL: 10.0.0.1 never matches 10.0.0.12. An empty name or ip matches nothing. */
bool etcd_member_is(const struct etcd_member *m, const char *name, const char *ip);

/* Quorum arithmetic over the voting (non-learner) members; healthy[i] tells whether member i is
 * started and answers /health. */
struct etcd_quorum {
	int voting, healthy_voting, needed; /* needed = voting/2 + 1 */
	bool ok;                            /* healthy_voting >= needed */
};
struct etcd_quorum etcd_quorum_of(const struct etcd_member *m, const bool *healthy, int n);

/* May member victim be removed without losing quorum? After the removal the remaining healthy voting
 * members must still be a majority of the remaining voting members. false with why filled in. */
bool etcd_remove_keeps_quorum(const struct etcd_member *m, const bool *healthy, int n, int victim, char *why,
			      size_t len);

/* An error answer of the gateway: 0 with code and message when body is one, -ENOENT when it is a
 * normal answer, -EBADMSG when it is not JSON. */
int etcd_error_parse(const char *body, size_t len, int *code, char *msg, size_t msglen);
/* {"health":"true"} (or a JSON boolean). 0 with *healthy, or -EBADMSG. */
int etcd_health_parse(const char *body, size_t len, bool *healthy, char *err, size_t errlen);

/* Requests. Each returns 0 or -errno with err set; errors the gateway reports come back as
 * -EAGAIN for codes 14 and 9 (after the retry budget for 14), -EIO for the others. */
int etcd_member_list(const struct etcd_client *c, struct etcd_member *out, int max, int *n, char *err, size_t errlen);
/* GET <member's first client URL>/health with c's certificates; false for a member not started. */
bool etcd_member_healthy(const struct etcd_client *c, const struct etcd_member *m);
/* POST /v3/maintenance/status of the endpoint: is the member answering there the raft leader? */
int etcd_is_leader(const struct etcd_client *c, bool *leader, char *err, size_t errlen);
/* {"header":{"member_id":"N"},"leader":"N",...}: 0 with both IDs, or -EBADMSG. */
int etcd_status_parse(const char *body, size_t len, uint64_t *member_id, uint64_t *leader, char *err, size_t errlen);
int etcd_member_remove(const struct etcd_client *c, uint64_t id, char *err, size_t errlen);
/* -EAGAIN while the learner is not in sync yet (code 9): try again on the next round. */
int etcd_member_promote(const struct etcd_client *c, uint64_t id, char *err, size_t errlen);

#endif
