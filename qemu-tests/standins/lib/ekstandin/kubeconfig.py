"""Kubeconfig files as kubeadm writes them (YAML, certificates embedded as base64 data)."""

import base64

from . import pki, yamlsub


def _b64file(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def text(server, ca_crt, user, cert=None, key=None, token=None, cluster="kubernetes"):
    ctx = "%s@%s" % (user, cluster)
    lines = ["apiVersion: v1", "clusters:", "- cluster:",
             "    certificate-authority-data: %s" % _b64file(ca_crt),
             "    server: %s" % server, "  name: %s" % cluster,
             "contexts:", "- context:", "    cluster: %s" % cluster,
             "    user: %s" % user, "  name: %s" % ctx,
             "current-context: %s" % ctx, "kind: Config", "preferences: {}",
             "users:", "- name: %s" % user, "  user:"]
    if cert:
        lines += ["    client-certificate-data: %s" % _b64file(cert),
                  "    client-key-data: %s" % _b64file(key)]
    if token:
        lines += ["    token: %s" % token]
    return "\n".join(lines) + "\n"


def write(path, *args, **kw):
    pki.write_private(path, text(*args, **kw))


def cluster_only(server, ca_crt):
    """The kubeconfig inside the cluster-info ConfigMap (no user, no secrets)."""
    return ("apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: %s\n"
            "    server: %s\n  name: \"\"\ncontexts: null\ncurrent-context: \"\"\n"
            "kind: Config\npreferences: {}\nusers: null\n" % (_b64file(ca_crt), server))


def read(path):
    """{'server', 'ca' (PEM bytes), 'cert', 'key', 'token'} of the current context."""
    with open(path) as f:
        kc = yamlsub.load(f.read())
    ctx_name = kc.get("current-context")
    ctx = next((c["context"] for c in kc.get("contexts") or [] if c["name"] == ctx_name), {})
    cl = next((c["cluster"] for c in kc.get("clusters") or []
               if c["name"] == ctx.get("cluster")), None) or kc["clusters"][0]["cluster"]
    users = kc.get("users") or []
    us = next((u["user"] for u in users if u["name"] == ctx.get("user")), {}) or {}
    d = lambda k: base64.b64decode(k) if k else None  # noqa: E731
    return {"server": cl["server"], "ca": d(cl.get("certificate-authority-data")),
            "cert": d(us.get("client-certificate-data")), "key": d(us.get("client-key-data")),
            "token": us.get("token")}
