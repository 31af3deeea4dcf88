"""phylactery's HTTP API on a live control node refuses a missing or wrong secret, oversized and malformed bodies, and such requests change nothing (no token made, same actions, same haproxy and keepalived configs); the right secret is served.

Manager + control1 with the cluster test image (lib/clusterimage.py): control1 forms a
one-node cluster (the stages and the kubeadm/kubelet/kube-apiserver stand-ins over the real
etcd). The requests come from the test's own address on the bridge with curl; the secret is
read from /share/phylactery/secret on the manager."""

import json
import time

from cluster import boot_manager, wait_manager, node_info
from netchecks import wait_network, wait_remote_fs
import formation as fm

VMS = 2
NODE = "control1"
PORT = 9180
FORM_TIMEOUT = 600
CONFIGS = "md5sum /etc/haproxy/haproxy.cfg /etc/keepalived/keepalived.conf"


def run(t):
    fm.require_stages(t)
    net = t.network()
    fm.operator_address(net)
    mgr = boot_manager(t, net)
    vm = fm.boot_cluster_node(t, net, NODE, fm.CONTROL_MEMORY)
    ip = node_info(NODE)[1]
    base = "http://%s:%d" % (ip, PORT)
    wait_manager(mgr, 300)
    wait_network(t, vm, ip, timeout=400)
    wait_remote_fs(t, vm, timeout=400)

    deadline = time.monotonic() + FORM_TIMEOUT
    ready = ""
    while time.monotonic() < deadline and "name=" not in ready:
        _, ready = mgr.run_rc("cat /share/leader_ready 2>/dev/null", 30)
        t.check(not vm.seen(r"ek-join: failed:"), "ek-join failed on %s" % NODE)
    t.check("name=%s" % NODE in ready, "no leader_ready by %s within %d s" % (NODE, FORM_TIMEOUT))
    secret = mgr.run("cat /share/phylactery/secret").strip()
    t.check(len(secret) == 64, "the cluster secret is %d characters" % len(secret))
    op = fm.Operator(net, mgr.run("cat /share/kube.config"))
    try:
        def call(method, path, auth=None, body=None, extra=()):
            args = ["-X", method, "-o", "-", "-w", "\\n%{http_code}"]
            if auth is not None:
                args += ["-H", "Authorization: " + auth]
            if body is not None:
                args += ["-H", "Content-Type: application/json", "--data-binary", body]
            rc, out = op.curl(*(args + list(extra) + [base + path]))
            text, _, code = out.rpartition("\n")
            return int(code) if code.isdigit() else 0, text

        def tokens():
            rc, out = op.kubectl("get", "secrets", "-n", "kube-system", "-o", "name")
            t.check(rc == 0, "listing secrets through the VIP: %s" % out)
            return sorted(l for l in out.split() if "bootstrap-token-" in l)

        code, body = call("GET", "/healthz")
        t.check(code == 200, "GET /healthz: %d %s" % (code, body))
        good = "Bearer " + secret
        code, body = call("GET", "/status", good)
        t.check(code == 200, "GET /status with the secret: %d %s" % (code, body))
        before = json.loads(body).get("last_actions")
        toks, configs = tokens(), vm.run(CONFIGS)

        wrong = "%064x" % (int(secret, 16) ^ 1)
        hostile = [
            ("POST", "/join-credentials", None, "{}", (), 401, "no secret"),
            ("POST", "/join-credentials", "Bearer " + wrong, "{}", (), 401, "a wrong secret"),
            ("POST", "/join-credentials", "Bearer " + secret[:-1], "{}", (), 401, "a prefix"),
            ("POST", "/join-credentials", "Bearer " + secret + "0", "{}", (), 401, "a longer one"),
            ("POST", "/join-credentials", "Basic " + secret, "{}", (), 401, "Basic"),
            ("POST", "/join-credentials", "bearer " + wrong, "{}", (), 401, "lower case"),
            ("GET", "/status", "Bearer " + wrong, None, (), 401, "status, wrong secret"),
            ("POST", "/refresh", "Bearer " + wrong, '{"event":"registry","fanout":true}', (),
             401, "refresh, wrong secret"),
            ("POST", "/refresh", good, '{"event":"registry",' + '"x":"' + "a" * 8192 + '"}', (),
             413, "an oversized body"),
            ("POST", "/refresh", good, "{}", ("-H", "Content-Length: 1099511627776"), 413,
             "a lying Content-Length"),
            ("POST", "/refresh", good, '{"event":', (), 400, "truncated JSON"),
            ("POST", "/refresh", good, '{"event":5}', (), 400, "event not a string"),
            ("POST", "/refresh", good, '{"event":"nonsense"}', (), 400, "unknown event"),
            ("POST", "/refresh", good, '["registry"]', (), 400, "an array"),
            ("POST", "/refresh", good, '\x00\x01\x02', (), 400, "binary"),
        ]
        for method, path, auth, data, extra, want, what in hostile:
            code, body = call(method, path, auth, data, extra)
            ok = code == want
            if ok and code != 0:
                try:
                    ok = "error" in json.loads(body)
                except ValueError:
                    ok = False
            t.check(ok, "%s %s with %s: HTTP %d (expected %d with a JSON error): %r"
                    % (method, path, what, code, want, body[:200]))

        code, body = call("GET", "/status", good)
        t.check(code == 200 and json.loads(body).get("last_actions") == before,
                "phylactery's actions changed after refused requests:\n%s\nthen\n%s"
                % (before, body))
        t.check(tokens() == toks, "a bootstrap token was made by refused requests")
        t.check(vm.run(CONFIGS) == configs, "haproxy/keepalived configs changed")

        # and the right secret is served: credentials, and a new token
        code, body = call("POST", "/join-credentials", good, "{}")
        t.check(code == 200, "join-credentials with the secret: %d %s" % (code, body))
        creds = json.loads(body)
        t.check(creds.get("token", "").count(".") == 1
                and creds.get("ca_cert_hash", "").startswith("sha256:")
                and len(creds.get("certificate_key", "")) == 64, "credentials: %s" % creds)
        t.check(len(tokens()) == len(toks) + 1 or creds["token"].split(".")[0] in
                " ".join(toks), "no token made by an authorised join-credentials")
    finally:
        op.close()
