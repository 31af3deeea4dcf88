/* The few Kubernetes API calls the stages make themselves (everything else goes through kubeadm and
 * kubectl): deleting the Node object a rebooted node left behind, and reading a Secret (phylactery
 * checks that its cached certificate key opens kubeadm-certs before it hands the key out). */
#ifndef STAGES_KUBE_CLIENT_H
#define STAGES_KUBE_CLIENT_H

#include <stddef.h>

#include "kubeconfig.h"

struct kube_target {
	char base[256];             /* https://10.10.0.11:6443 (a live control node's own API server) */
	const struct kubeconfig *kc; /* credentials; NULL for plain http (tests) */
	long timeout_ms;            /* default 5000 */
};

/* DELETE /api/v1/nodes/NAME. 0 when deleted, 1 when there was none (404 NotFound), -errno with err
 * (the API's Status message when it sent one). name must be a valid node name. */
int kube_node_delete(const struct kube_target *t, const char *name, char *err, size_t errlen);

/* GET the Secret NS/NAME and return its data[key], decoded, in a malloc'd *out: 0, 1 when the Secret
 * or the key does not exist, -errno with err otherwise. */
int kube_secret_value(const struct kube_target *t, const char *ns, const char *name, const char *key,
		      unsigned char **out, size_t *outlen, char *err, size_t errlen);

#endif
