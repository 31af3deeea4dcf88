"""TEST STAND-INS for kubeadm, kubelet and kube-apiserver (qemu-tests only; never part of a
node image recipe). Shared code: paths, a YAML subset, PKI via the openssl CLI, the etcd v3
JSON gateway, an API client, the kubeadm-certs cipher."""
