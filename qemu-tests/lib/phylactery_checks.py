"""phylactery's HTTP API on a live control node of a formed cluster: a missing or wrong secret,
oversized and malformed bodies are refused with a JSON error, and such requests change nothing
(no token made, no action a request causes, same haproxy and keepalived configs); the right
secret is served. Run by the cluster scenario as its subtest cluster/phylactery-api, on the
cluster it formed (a formation costs minutes under TCG). The requests come from the test's own
address on the bridge with curl; the secret is read from /share/phylactery/secret on the manager."""

import json

PORT = 9180
CONFIGS = "md5sum /etc/haproxy/haproxy.cfg /etc/keepalived/keepalived.conf"
# Actions phylactery's housekeeping takes by itself every 10 s (etcd's health and quorum,
# snapshots, learner promotion): they may land between two looks at /status on a live cluster.
# Every action a request causes (join credentials, told PEER, registry, reloaded, forgot,
# evicted, rebooting) starts otherwise.
HOUSEKEEPING = ("etcd ", "snapshot:", "promoted ", "quorum ")


def new_actions(before, after):
    """The entries of /status last_actions in after that were not in before (each entry starts
    with its unix time, so equal texts at different times count as new)."""
    return [a for a in after if a not in before]


def check_api(t, op, mgr, vm, ip):
    """The leader's phylactery API: a missing or wrong secret, oversized and malformed bodies are
    refused with a JSON error and change nothing (no token made, no action taken, the same haproxy
    and keepalived configs); the right secret is served."""
    base = "http://%s:%d" % (ip, PORT)
    secret = mgr.run("cat /share/phylactery/secret").strip()
    t.check(len(secret) == 64, "the cluster secret is %d characters" % len(secret))

    def call(method, path, auth=None, body=None, extra=()):
        args = ["-X", method, "-o", "-", "-w", "\\n%{http_code}"]
        if auth is not None:
            args += ["-H", "Authorization: " + auth]
        if body is not None:
            args += ["-H", "Content-Type: application/json", "--data-binary", body]
        rc, out = op.curl(*(args + list(extra) + [base + path]), timeout=120)
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
        # control bytes (argv cannot carry a NUL; the fuzz target feeds those)
        ("POST", "/refresh", good, '\x01\x02\x7f', (), 400, "binary"),
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
    t.check(code == 200, "GET /status with the secret: %d %s" % (code, body))
    caused = [a for a in new_actions(before, json.loads(body).get("last_actions") or [])
              if not a.split(" ", 1)[-1].startswith(HOUSEKEEPING)]
    t.check(not caused, "phylactery acted after refused requests: %s\n(before: %s)"
            % (caused, before))
    t.check(tokens() == toks, "a bootstrap token was made by refused requests")
    t.check(vm.run(CONFIGS) == configs, "haproxy/keepalived configs changed")

    # and the right secret is served: credentials, and a new token
    # minting them runs kubeadm token create and reads the kubeadm-certs Secret: seconds each under
    # TCG, more than curl's default 10 s here once (a fresh-clone make check: HTTP code 0)
    code, body = call("POST", "/join-credentials", good, "{}", ("--max-time", "90"))
    t.check(code == 200, "join-credentials with the secret: %d %s" % (code, body))
    creds = json.loads(body)
    t.check(creds.get("token", "").count(".") == 1
            and creds.get("ca_cert_hash", "").startswith("sha256:")
            and len(creds.get("certificate_key", "")) == 64, "credentials: %s" % creds)
    t.check(len(tokens()) == len(toks) + 1 or creds["token"].split(".")[0] in
            " ".join(toks), "no token made by an authorised join-credentials")
