/* The kubeadm v1beta4 configuration the leader's `kubeadm init --config` reads: InitConfiguration,
 * ClusterConfiguration, KubeletConfiguration, separated by "---". A config file (not flags) lets
 * kubeadm validate everything before it changes anything. */
#ifndef EKJOIN_KUBEADM_CONFIG_H
#define EKJOIN_KUBEADM_CONFIG_H

#include <stddef.h>

#include "cluster_conf.h"
#include "node_info.h"

/* certificate_key: 64 hex (the key kubeadm encrypts the uploaded certificates with).
 * Returns the length written, or -ENOSPC. */
int kubeadm_config_render(const struct cluster_conf *c, const struct node_info *n, const char *certificate_key,
			  char *buf, size_t cap);

#endif
