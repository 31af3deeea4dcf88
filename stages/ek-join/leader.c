/* The leader: kubeadm init with a config file, the admin kubeconfig on the share, the API through the
 * VIP, the CNI and extra manifests, then leader_ready and a push to the peers. The lease is renewed
 * every lease/3 seconds by a thread while this runs. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "notify.h"
#include "run.h"
#include "files.h"
#include "kubeadm_config.h"
#include "lease_keeper.h"
#include "ekjoin.h"

static struct lease_keeper *current_keeper;

int run_ok(char *const argv[], int timeout_ms, char *cause, size_t len)
{
	struct run_result res;
	char err[200];
	if (run_cmd(argv, timeout_ms, NULL, 0, &res, err, sizeof err) < 0) {
		snprintf(cause, len, "%s: %s", argv[0], err);
		return -1;
	}
	if (res.timed_out) {
		snprintf(cause, len, "%s %s timed out", argv[0], argv[1]);
		return -1;
	}
	if (res.exit_code) {
		snprintf(cause, len, "%s %s exited with status %d", argv[0], argv[1], res.exit_code);
		return -1;
	}
	return 0;
}

static int kubectl_apply(const char *file, char *cause, size_t len)
{
	char *argv[] = {"kubectl", "--kubeconfig", "/etc/kubernetes/admin.conf", "apply", "--validate=false", "-f",
			(char *)file, NULL};
	int r = run_ok(argv, 120000, cause, len);
	if (r < 0)
		snprintf(cause + strlen(cause), len - strlen(cause), " (applying %s)", file);
	return r;
}

/* The CNI manifest with @CLUSTER_INTERFACE@ replaced by the cluster interface. */
static int apply_cni(struct ekjoin *j, char *cause, size_t len)
{
	enum { CAP = 1 << 20 };
	const char *mark = "@CLUSTER_INTERFACE@";
	char *in = malloc(CAP), *out = malloc(2 * CAP), path[300], err[300];
	int r = -1;
	long n = in && out ? read_small_file(j->conf.cni_manifest, in, CAP) : -ENOMEM;
	if (n < 0) {
		snprintf(cause, len, "CNI manifest %s: %s", j->conf.cni_manifest, strerror((int)-n));
		goto out;
	}
	size_t o = 0;
	for (char *p = in, *hit; *p; p = hit + strlen(mark)) {
		hit = strstr(p, mark);
		size_t chunk = hit ? (size_t)(hit - p) : strlen(p);
		memcpy(out + o, p, chunk);
		o += chunk;
		if (!hit)
			break;
		if (!j->node.device[0]) {
			snprintf(cause, len, "CNI manifest wants %s but node.conf names no device", mark);
			goto out;
		}
		o += (size_t)sprintf(out + o, "%s", j->node.device);
	}
	snprintf(path, sizeof path, "%s/cni.yaml", j->run_dir);
	if (share_write_atomic(path, out, o, 0644, err, sizeof err) < 0) {
		snprintf(cause, len, "%s", err);
		goto out;
	}
	r = kubectl_apply(path, cause, len);
out:
	free(in);
	free(out);
	return r;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int apply_manifests(struct ekjoin *j, char *cause, size_t len)
{
	struct dirent **list;
	int n = scandir(j->conf.manifests_dir, &list, NULL, by_name), r = 0;
	if (n < 0)
		return errno == ENOENT ? 0 : (snprintf(cause, len, "%s: %s", j->conf.manifests_dir, strerror(errno)), -1);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(list[i]->d_name);
		char path[600];
		if (!r && l > 5 && !strcmp(list[i]->d_name + l - 5, ".yaml") && list[i]->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", j->conf.manifests_dir, list[i]->d_name);
			r = kubectl_apply(path, cause, len);
		}
		free(list[i]);
	}
	free(list);
	return r;
}

static int vip_answers(void *ctx)
{
	return api_through_vip(ctx, 1000) ? 1 : 0;
}

static int copy_pki(struct ekjoin *j, char *cause, size_t len)
{
	static const char *const files[] = {"ca.crt", "ca.key", "sa.key", "sa.pub", "front-proxy-ca.crt",
					    "front-proxy-ca.key", "etcd/ca.crt", "etcd/ca.key"};
	char dir[400], src[300], dst[500], err[300];
	snprintf(dir, sizeof dir, "%s/pki", j->share);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/pki/etcd", j->share);
	mkdir(dir, 0700);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(src, sizeof src, "/etc/kubernetes/pki/%s", files[i]);
		snprintf(dst, sizeof dst, "%s/pki/%s", j->share, files[i]);
		if (copy_file_atomic(src, dst, 0600, err, sizeof err) < 0) {
			snprintf(cause, len, "pki_on_share: %s", err);
			return -1;
		}
	}
	return 0;
}

static void push_ready(struct ekjoin *j)
{
	char secret[65], err[300], url[100];
	if (share_secret_read(j->share, secret, err, sizeof err) < 0) {
		notify_status("ek-join", "cannot tell the peers (they poll the share): %s", err);
		return;
	}
	snprintf(url, sizeof url, "http://127.0.0.1:%u/refresh", j->conf.phylactery_port);
	struct http_req req = {.method = "POST", .url = url, .bearer = secret, .timeout_ms = 5000,
			       .body = "{\"event\":\"leader_ready\",\"fanout\":true}"};
	struct http_resp resp;
	if (http_do(&req, &resp, err, sizeof err) < 0)
		notify_status("ek-join", "local phylactery did not take the ready push (peers poll the share): %s", err);
	else
		http_resp_free(&resp);
}

static int init_attempt(struct ekjoin *j, char *cause, size_t len)
{
	char key[65], yaml[8192], err[300], path[400];
	unsigned char rnd[32];
	if (lease_keeper_lost(current_keeper)) {
		snprintf(cause, len, "the leader lease was taken over");
		return -1;
	}
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		snprintf(cause, len, "getrandom failed");
		return -1;
	}
	for (int i = 0; i < 32; i++)
		snprintf(key + 2 * i, 3, "%02x", rnd[i]);
	int n = kubeadm_config_render(&j->conf, &j->node, key, yaml, sizeof yaml);
	snprintf(path, sizeof path, "%s/kubeadm.yaml", j->run_dir);
	if (n < 0 || share_write_atomic(path, yaml, (size_t)n, 0600, err, sizeof err) < 0) {
		snprintf(cause, len, "writing %s: %s", path, n < 0 ? "config too long" : err);
		return -1;
	}
	snprintf(path, sizeof path, "%s/phylactery-certkey", j->run_dir);
	if (share_write_atomic(path, key, 64, 0600, err, sizeof err) < 0) {
		snprintf(cause, len, "%s", err);
		return -1;
	}
	if (containerd_wait(CONTAINERD_SOCK, CONTAINERD_WAIT_MS, true, cause, len) < 0)
		return -1;
	images_wait();
	int restored = j->cold_start && j->conf.restore_on_cold_start ? restore_snapshot(j, cause, len) : 1;
	if (restored < 0)
		return -1;
	snprintf(path, sizeof path, "%s/kubeadm.yaml", j->run_dir);
	char *init[] = {"kubeadm", "init", "--config", path, "--upload-certs", restored == 0 ? IGNORE_ETCD_DIR : NULL,
			NULL};
	notify_status("ek-join", "leader: kubeadm init");
	if (run_ok(init, 15 * 60000, cause, len) < 0)
		return -1;
	if (lease_keeper_lost(current_keeper)) {
		snprintf(cause, len, "the leader lease was taken over during kubeadm init");
		return -1;
	}
	snprintf(path, sizeof path, "%s/kube.config", j->share);
	if (copy_file_atomic("/etc/kubernetes/admin.conf", path, 0600, err, sizeof err) < 0) {
		snprintf(cause, len, "admin kubeconfig to the share: %s", err);
		return -1;
	}
	if (j->conf.pki_on_share && copy_pki(j, cause, len) < 0)
		return -1;
	notify_status("ek-join", "leader: waiting for the API through the VIP (%s:%u)", j->conf.vip_name,
		      j->conf.api_port);
	if (!wait_for(vip_answers, j, NULL, SHARE_POLL_MS, mono_ms() + 5 * 60000)) {
		snprintf(cause, len, "the API did not answer through the VIP %s:%u within 5 min", j->conf.vip_name,
			 j->conf.api_port);
		return -1;
	}
	if (j->conf.cni_manifest[0] && apply_cni(j, cause, len) < 0)
		return -1;
	if (j->conf.manifests_dir[0] && apply_manifests(j, cause, len) < 0)
		return -1;
	struct share_entry ready = j->me;
	ready.time = now_unix();
	if (share_leader_ready_write(j->share, &ready, err, sizeof err) < 0) {
		snprintf(cause, len, "leader_ready: %s", err);
		return -1;
	}
	notify_status("ek-join", "leader: leader_ready written");
	push_ready(j);
	return 0;
}

int leader_run(struct ekjoin *j)
{
	char secret[65], err[300];
	if (share_secret_ensure(j->share, secret, err, sizeof err) < 0) {
		notify_status("ek-join", "leader: cluster secret: %s", err);
		return -1;
	}
	struct lease_keeper k;
	if (lease_keeper_start(&k, j, "leader") < 0) {
		notify_status("ek-join", "leader: cannot start the lease keeper");
		return -1;
	}
	current_keeper = &k;
	int r = with_retries(j, "kubeadm init", init_attempt);
	lease_keeper_stop(&k);
	current_keeper = NULL;
	return r;
}
