/* ek-join's shared state and steps. main.c reads the configs and runs: clock step, image import,
 * election, then leader.c (kubeadm init) or joiner.c (kubeadm join), each attempt retried with
 * `kubeadm reset -f` and backoff (attempt.c). */
#ifndef EKJOIN_H
#define EKJOIN_H

#include <stdbool.h>
#include <stddef.h>

#include "cluster_conf.h"
#include "node_info.h"
#include "share.h"

#define EKJOIN_RUN_DIR "/run/ekinit"
/* Touched by the local phylactery when a leader pushes "leader_ready" (inotify sees it at once). */
#define LEADER_READY_SEEN EKJOIN_RUN_DIR "/leader-ready-seen"
#define KUBEADM_YAML EKJOIN_RUN_DIR "/kubeadm.yaml"
/* The certificate key the leader uploaded with, for phylactery's /join-credentials (0600). */
#define CERTKEY_CACHE EKJOIN_RUN_DIR "/phylactery-certkey"
#define SHARE_POLL_MS 250
/* The share lease a control node holds while it joins (share.h), and how long one waits for it. */
#define CONTROL_JOIN_LEASE "control-join"
#define CONTROL_JOIN_WAIT_MS (20 * 60000)
#define ETCD_DATA_DIR "/var/lib/etcd"
/* kubeadm init over a restored etcd data dir (restore.c). */
#define IGNORE_ETCD_DIR "--ignore-preflight-errors=DirAvailable--var-lib-etcd"

struct ekjoin {
	struct cluster_conf conf;
	struct node_info node;
	struct share_entry me; /* name, ip, boot_id, lease */
	char share[CONF_PATH_MAX];
	const char *run_dir;
	int attempts; /* give up after this many failed attempts (the unit's restart takes over) */
	bool clock_stepped; /* the clock was stepped from (or found close to) the manager's */
	bool cold_start; /* leader of a cluster nobody runs: restore a snapshot if allowed (restore.c) */
	bool reset_done; /* the failed attempt ran kubeadm reset itself (inside its lease): with_retries skips it */
};

long long now_unix(void);
long long mono_ms(void);

/* Waits until check() returns non-zero (its value is returned) or deadline_ms (monotonic) passes
 * (returns 0). check runs at once, whenever seen_path's directory changes (inotify), and at least
 * every poll_ms: another node's NFS writes make no inotify event here. */
int wait_for(int (*check)(void *ctx), void *ctx, const char *seen_path, int poll_ms, long long deadline_ms);

/* The HTTP status of https://host:port/healthz (unverified TLS), 0 when nothing answered. */
long api_healthz(const char *host, unsigned port, int timeout_ms);

/* True when the API answers /healthz through the VIP (https://vip_name:api_port) with 200. */
bool api_through_vip(const struct ekjoin *j, int timeout_ms);

/* One kubeadm attempt loop: runs attempt(j, cause, len) until it returns 0, with `kubeadm reset -f`
 * and exponential backoff after each failure; every attempt's outcome, cause and duration go to
 * STATUS= and stdout. Returns 0 or the last failure. */
int with_retries(struct ekjoin *j, const char *what, int (*attempt)(struct ekjoin *j, char *cause, size_t len));

/* kubeadm reset -f, a failure said on STATUS= (the next attempt goes on anyway). */
void kubeadm_reset(void);

/* Runs argv under a deadline; 0 when it exited 0, else -1 with cause saying how it failed. */
int run_ok(char *const argv[], int timeout_ms, char *cause, size_t len);

int leader_run(struct ekjoin *j);

/* restore.c: 0 restored into ETCD_DATA_DIR, 1 nothing to restore, -1 failed (cause). */
int restore_snapshot(struct ekjoin *j, char *cause, size_t len);

/* ek-join --watch-reset: reboot when <share>/reset-epoch changes (reset_watch.c). Never returns
 * unless the share cannot be watched at all. */
int watch_reset(const struct ekjoin *j);
int joiner_run(struct ekjoin *j);

/* Offline images: start importing every *.tar of images_dir that is not imported yet (in parallel),
 * and wait for the imports before kubeadm needs the images. */
void images_start(const struct ekjoin *j);
void images_wait(void);

#define CONTAINERD_SOCK "/run/containerd/containerd.sock"
#define CONTAINERD_WAIT_MS (5 * 60000)
/* Waits until containerd accepts connections on sock (runtime.c says why ek-join is not ordered after
 * it). report: say so in ekctl status while waiting (the main process only). 0, or -errno with err. */
int containerd_wait(const char *sock, int timeout_ms, bool report, char *err, size_t errlen);

#endif
