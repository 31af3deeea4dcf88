/* /etc/ekinit/cluster.conf: the cluster's shape, rendered by the overlay from Warewulf tags
 * (overlay/ekinit/rootfs/etc/ekinit/cluster.conf.ww). One [cluster] section; the keys are listed in
 * overlay/README.md. Every error names the file, the line, the key
 * and what was expected: "cluster.conf:3: vip: expected an IPv4 address, got 'x'". */
#ifndef STAGES_CLUSTER_CONF_H
#define STAGES_CLUSTER_CONF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define CLUSTER_CONF_PATH "/etc/ekinit/cluster.conf"
#define CONF_PATH_MAX 256

enum quorum_policy { QUORUM_REPORT, QUORUM_RESTORE };

struct cluster_conf {
	char vip[16];       /* dotted quad, validated */
	char vip_name[254]; /* DNS name */
	unsigned api_port, backend_port, phylactery_port, vrid;
	char k8s_version[32]; /* 1.32.0 */
	char pod_cidr[20], service_cidr[20];
	char cni_manifest[CONF_PATH_MAX], manifests_dir[CONF_PATH_MAX], images_dir[CONF_PATH_MAX];
	char share[CONF_PATH_MAX];
	unsigned lease_seconds;
	unsigned clock_max_skew_ms;
	bool pki_on_share;
	enum quorum_policy on_quorum_loss;
	unsigned snapshot_interval; /* seconds between etcd snapshots by the etcd leader; 0: none */
	unsigned snapshot_count;    /* snapshots kept in <share>/etcd */
	bool restore_on_cold_start; /* a cold start restores the newest verified snapshot */
};

/* Sets the defaults (vip, vip_name, k8s_version, pod_cidr left empty). */
void cluster_conf_defaults(struct cluster_conf *c);

/* Reads and validates path. 0, or -errno with err set as above. */
int cluster_conf_load(const char *path, struct cluster_conf *c, char *err, size_t errlen);

/* The same over text (tests); name stands for the file in messages. */
int cluster_conf_parse(const char *name, const char *text, struct cluster_conf *c, char *err, size_t errlen);

#endif
