/* A joiner: waits for a live leader_ready (pushed by the leader's phylactery through
 * /run/ekinit/leader-ready-seen, or seen on the share within 250 ms), fetches fresh join credentials
 * from a live control node's phylactery, and runs kubeadm join with them. The admin kubeconfig is
 * never used for discovery. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "kjson.h"
#include "notify.h"
#include "ekjoin.h"
#include "lease_keeper.h"

/* Join credentials from the phylactery at ip. */
static int fetch_creds(struct ekjoin *j, const char *ip, const char *secret, struct join_creds *c, char *cause,
		       size_t len)
{
	char url[100], err[300];
	snprintf(url, sizeof url, "http://%s:%u/join-credentials", ip, j->conf.phylactery_port);
	/* kubeadm token create and upload-certs run behind this request: give it time. */
	struct http_req req = {.method = "POST", .url = url, .bearer = secret, .body = "{}", .timeout_ms = 90000,
			       .max_body = 8192};
	struct http_resp resp;
	if (http_do(&req, &resp, err, sizeof err) < 0) {
		snprintf(cause, len, "join credentials from %s: %s", ip, err);
		return -1;
	}
	int r = -1;
	if (resp.status != 200)
		snprintf(cause, len, "join credentials from %s: HTTP %ld: %.200s", ip, resp.status,
			 resp.body ? resp.body : "");
	else if (join_creds_parse(resp.body, resp.len, c, err, sizeof err) < 0)
		snprintf(cause, len, "join credentials from %s: %s", ip, err);
	else
		r = 0;
	http_resp_free(&resp);
	return r;
}

/* Asks the phylactery at ip to remove what this node's previous life left: its Node object and, for a
 * control node, its etcd member (matched by name or the exact host of its peer URL). A first boot has
 * nothing to remove and gets 200 too. 409 means the removal would lose quorum: this attempt fails and
 * is retried after the backoff. */
static int forget_previous_life(struct ekjoin *j, const char *ip, const char *secret, char *cause, size_t len)
{
	char url[100], body[200], err[300];
	snprintf(url, sizeof url, "http://%s:%u/forget", ip, j->conf.phylactery_port);
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"ip\":\"%s\",\"control\":%s}", j->node.name, j->node.ip,
		 j->node.control ? "true" : "false");
	/* Up to ~30 s of "etcdserver: unhealthy cluster" retries happen behind this request. */
	struct http_req req = {.method = "POST", .url = url, .bearer = secret, .body = body, .timeout_ms = 60000,
			       .max_body = 8192};
	struct http_resp resp;
	if (http_do(&req, &resp, err, sizeof err) < 0) {
		snprintf(cause, len, "forget previous life at %s: %s", ip, err);
		return -1;
	}
	int r = resp.status == 200 ? 0 : -1;
	if (r < 0)
		snprintf(cause, len, "forget previous life at %s: HTTP %ld: %.200s", ip, resp.status,
			 resp.body ? resp.body : "");
	else
		notify_status("ek-join", "previous life removed by %s: %.200s", ip, resp.body ? resp.body : "");
	http_resp_free(&resp);
	return r;
}

static int join_attempt_locked(struct ekjoin *j, char *cause, size_t len)
{
	char secret[65], err[300];
	struct join_creds c;
	struct share_entry ready, nodes[16];
	int garbage, r = -1;
	if (share_secret_read(j->share, secret, err, sizeof err) < 0) {
		snprintf(cause, len, "cluster secret: %s", err);
		return -1;
	}
	/* The leader first, then every registered control node. */
	if (share_leader_ready_read(j->share, &ready, err, sizeof err) == 0)
		r = fetch_creds(j, ready.ip, secret, &c, cause, len);
	const char *from = r == 0 ? ready.ip : NULL;
	int n = r < 0 ? share_registry_list(j->share, nodes, 16, &garbage, err, sizeof err) : 0;
	for (int i = 0; r < 0 && i < n; i++)
		if (strcmp(nodes[i].ip, j->node.ip) && (r = fetch_creds(j, nodes[i].ip, secret, &c, cause, len)) == 0)
			from = nodes[i].ip;
	if (r < 0 || forget_previous_life(j, from, secret, cause, len) < 0)
		return -1;
	if (containerd_wait(CONTAINERD_SOCK, CONTAINERD_WAIT_MS, true, cause, len) < 0)
		return -1;
	images_wait();
	char *argv[20];
	int a = 0;
	argv[a++] = "kubeadm", argv[a++] = "join", argv[a++] = c.endpoint;
	argv[a++] = "--token", argv[a++] = c.token;
	argv[a++] = "--discovery-token-ca-cert-hash", argv[a++] = c.ca_cert_hash;
	if (j->node.control) {
		argv[a++] = "--control-plane", argv[a++] = "--certificate-key", argv[a++] = c.certificate_key;
		argv[a++] = "--apiserver-advertise-address", argv[a++] = j->node.ip;
	}
	argv[a++] = "--node-name", argv[a++] = j->node.name;
	argv[a] = NULL;
	notify_status("ek-join", "kubeadm join %s as %s", c.endpoint, j->node.control ? "control plane" : "worker");
	return run_ok(argv, 15 * 60000, cause, len);
}

struct lock_wait {
	struct ekjoin *j;
	char holder[64];
	int error;
	char err[300];
};

static int try_control_join(void *ctx)
{
	struct lock_wait *w = ctx;
	struct share_entry holder;
	int r = share_lease_claim(w->j->share, CONTROL_JOIN_LEASE, &w->j->me, now_unix(), &holder, w->err,
				  sizeof w->err);
	if (r == CLAIM_WON)
		return 1;
	if (r < 0) {
		w->error = r;
		return 1;
	}
	const char *who = holder.name[0] ? holder.name : "(unreadable lease)";
	if (strcmp(who, w->holder)) {
		snprintf(w->holder, sizeof w->holder, "%s", who);
		notify_status("ek-join", "waiting for %s's control-plane join to end (one at a time)", who);
	}
	return 0;
}

/* A control node's attempt holds the control-join lease from its credentials to its reset: etcd adds one
 * member at a time, and under load two joins at once starved the members serving the API (a join failed
 * on its 503s and, reset with its member left behind, cost the cluster its quorum). A failed attempt is
 * reset inside the lease, so its etcd member is gone before the next node joins. */
static int join_attempt(struct ekjoin *j, char *cause, size_t len)
{
	if (!j->node.control)
		return join_attempt_locked(j, cause, len);
	struct lock_wait w = {.j = j};
	if (!wait_for(try_control_join, &w, NULL, SHARE_POLL_MS, mono_ms() + CONTROL_JOIN_WAIT_MS)) {
		snprintf(cause, len, "%s held by %s for %d min", CONTROL_JOIN_LEASE, w.holder,
			 CONTROL_JOIN_WAIT_MS / 60000);
		return -1;
	}
	if (w.error) {
		snprintf(cause, len, "%s: %s", CONTROL_JOIN_LEASE, w.err);
		return -1;
	}
	struct lease_keeper k;
	if (lease_keeper_start(&k, j, CONTROL_JOIN_LEASE) < 0) {
		snprintf(cause, len, "cannot start the %s lease keeper", CONTROL_JOIN_LEASE);
		share_lease_release(j->share, CONTROL_JOIN_LEASE, &j->me, w.err, sizeof w.err);
		return -1;
	}
	int r = join_attempt_locked(j, cause, len);
	if (r < 0) {
		kubeadm_reset();
		j->reset_done = true;
	}
	lease_keeper_stop(&k);
	if (share_lease_release(j->share, CONTROL_JOIN_LEASE, &j->me, w.err, sizeof w.err) < 0)
		notify_status("ek-join", "%s", w.err);
	return r;
}

int joiner_run(struct ekjoin *j)
{
	return with_retries(j, "kubeadm join", join_attempt);
}
