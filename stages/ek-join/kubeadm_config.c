#include "kubeadm_config.h"

#include <errno.h>
#include <stdio.h>

int kubeadm_config_render(const struct cluster_conf *c, const struct node_info *n, const char *certificate_key,
			  char *buf, size_t cap)
{
	/* Every value here was validated (IPv4, DNS names, semver, CIDRs, hex), so none needs YAML quoting;
	 * they are quoted anyway where YAML could read them as numbers. The manager goes into the
	 * certSANs so an operator's kubectl on the manager may use its address. The eviction thresholds
	 * count in absolute sizes: nodefs is the RAM root, where 10% of a small tmpfs is too little to
	 * leave and the default imagefs.available=15% would evict at once. */
	int len = snprintf(buf, cap,
		"# written by ek-join for `kubeadm init --config`\n"
		"apiVersion: kubeadm.k8s.io/v1beta4\n"
		"kind: InitConfiguration\n"
		"localAPIEndpoint:\n"
		"  advertiseAddress: \"%s\"\n"
		"  bindPort: %u\n"
		"nodeRegistration:\n"
		"  name: \"%s\"\n"
		"  criSocket: unix:///run/containerd/containerd.sock\n"
		"certificateKey: \"%s\"\n"
		"---\n"
		"apiVersion: kubeadm.k8s.io/v1beta4\n"
		"kind: ClusterConfiguration\n"
		"kubernetesVersion: \"v%s\"\n"
		"controlPlaneEndpoint: \"%s:%u\"\n"
		"apiServer:\n"
		"  certSANs:\n"
		"    - \"%s\"\n"
		"    - \"%s\"\n"
		"%s%s%s"
		"    - \"%s\"\n"
		"networking:\n"
		"  podSubnet: \"%s\"\n"
		"  serviceSubnet: \"%s\"\n"
		"---\n"
		"apiVersion: kubelet.config.k8s.io/v1beta1\n"
		"kind: KubeletConfiguration\n"
		"cgroupDriver: cgroupfs\n"
		"failSwapOn: false\n"
		"evictionHard:\n"
		"  memory.available: \"200Mi\"\n"
		"  nodefs.available: \"256Mi\"\n"
		"  nodefs.inodesFree: \"5%%\"\n"
		"  imagefs.available: \"256Mi\"\n"
		"imageGCHighThresholdPercent: 90\n"
		"imageGCLowThresholdPercent: 80\n",
		n->ip, c->backend_port, n->name, certificate_key, c->k8s_version, c->vip_name, c->api_port, c->vip,
		c->vip_name, n->manager[0] ? "    - \"" : "", n->manager, n->manager[0] ? "\"\n" : "", n->ip,
		c->pod_cidr, c->service_cidr);
	return len < 0 || (size_t)len >= cap ? -ENOSPC : len;
}
