"""Every path the stand-ins touch, under an optional root (EKTEST_STANDIN_ROOT) so the
host-side test runs them in a scratch directory instead of /etc/kubernetes."""

import os

ROOT = os.environ.get("EKTEST_STANDIN_ROOT", "").rstrip("/")


def p(path):
    return ROOT + path


K8S = p("/etc/kubernetes")
PKI = p("/etc/kubernetes/pki")
ETCD_PKI = p("/etc/kubernetes/pki/etcd")
MANIFESTS = p("/etc/kubernetes/manifests")
ADMIN_CONF = p("/etc/kubernetes/admin.conf")
SUPER_ADMIN_CONF = p("/etc/kubernetes/super-admin.conf")
KUBELET_CONF = p("/etc/kubernetes/kubelet.conf")
KUBELET_DIR = p("/var/lib/kubelet")
KUBELET_CONFIG = p("/var/lib/kubelet/config.yaml")
KUBELET_FLAGS = p("/var/lib/kubelet/kubeadm-flags.env")
ETCD_DATA = p("/var/lib/etcd")
RUN = p("/run/ekstandin")                 # pid files of the "static pods"
# What kubeadm runs to (re)start kubelet; "systemctl" is ekctl's shim on the nodes.
SYSTEMCTL = os.environ.get("EKTEST_STANDIN_SYSTEMCTL", "systemctl")
