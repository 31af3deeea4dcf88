/* Cold start from a snapshot (restore_on_cold_start = yes). When every node was down (the leader was
 * elected, no leader_ready of a live cluster, no API through the VIP), the new leader restores the
 * newest verified snapshot of <share>/etcd instead of forming an empty cluster. The flow:
 *
 *   1. snapshot_newest_valid(): the checksum file matches and `etcdctl snapshot status` reads it;
 *      a snapshot that does not verify is skipped (and said so), never restored.
 *   2. `etcdctl snapshot restore SNAP --name NAME --data-dir /var/lib/etcd
 *       --initial-cluster NAME=https://IP:2380 --initial-advertise-peer-urls https://IP:2380`
 *      rewrites the membership to this one member (the old members' IDs are gone) with the same name
 *      and peer URL kubeadm gives the static pod, so etcd starts on it as that member.
 *   3. `kubeadm init --config ... --upload-certs --ignore-preflight-errors=DirAvailable--var-lib-etcd`:
 *      without the flag kubeadm refuses a non-empty /var/lib/etcd. kubeadm writes fresh certificates
 *      (unless pki_on_share brought the old CA back) and updates its ConfigMaps and bootstrap tokens in
 *      the restored store; every object created before (ConfigMaps, labels, workloads) is still there.
 *   4. The other nodes boot, ask /forget (their old Node objects, restored too, are deleted) and join.
 * Nothing to restore (no snapshot, none verifies) forms an empty cluster, as without the option. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notify.h"
#include "snapshot.h"
#include "ekjoin.h"

int restore_snapshot(struct ekjoin *j, char *cause, size_t len)
{
	char dir[300], snap[600], err[400];
	snprintf(dir, sizeof dir, "%s/etcd", j->share);
	if (snapshot_newest_valid(dir, snapshot_etcdctl_status, snap, sizeof snap, err, sizeof err) < 0) {
		notify_status("ek-join", "leader: cold start without a snapshot to restore: %s", err);
		return 1;
	}
	struct stat st;
	if (stat(ETCD_DATA_DIR, &st) == 0 && rmdir(ETCD_DATA_DIR) < 0) {
		/* kubeadm reset -f between attempts removes it; a leftover here is not ours to delete. */
		snprintf(cause, len, "%s exists and is not empty: not restoring over it", ETCD_DATA_DIR);
		return -1;
	}
	char name[80], cluster[200], peer[120];
	snprintf(name, sizeof name, "%s", j->node.name);
	snprintf(peer, sizeof peer, "https://%s:2380", j->node.ip);
	snprintf(cluster, sizeof cluster, "%s=%s", j->node.name, peer);
	char *argv[] = {"etcdctl", "snapshot", "restore", snap, "--name", name, "--data-dir", ETCD_DATA_DIR,
			"--initial-cluster", cluster, "--initial-advertise-peer-urls", peer, NULL};
	notify_status("ek-join", "leader: cold start: restoring %s into %s", snap, ETCD_DATA_DIR);
	if (run_ok(argv, 10 * 60000, cause, len) < 0)
		return -1;
	return 0;
}
