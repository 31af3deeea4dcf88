"""A client of etcd's v3 JSON gateway over TLS (client certificate): ranges, guarded puts
(transactions on create/mod revision), deletes, member list/add, health."""

import base64
import http.client
import json
import ssl
import threading
import urllib.parse


class EtcdError(RuntimeError):
    def __init__(self, msg, code=None):
        super().__init__(msg)
        self.code = code


def _b64(s):
    return base64.b64encode(s if isinstance(s, bytes) else s.encode()).decode()


def _unb64(s):
    return base64.b64decode(s or "")


def prefix_end(key):
    b = bytearray(key.encode())
    while b:
        if b[-1] < 0xff:
            b[-1] += 1
            return bytes(b)
        b.pop()
    return b"\0"


class Etcd:
    def __init__(self, endpoints, ca, cert, key, timeout=10):
        self.endpoints = list(endpoints)
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.check_hostname = False       # etcd certs name the node, we dial 127.0.0.1 too
        self.ctx.load_cert_chain(cert, key)
        self.timeout = timeout
        self.local = threading.local()

    def _conn(self, ep):
        conns = getattr(self.local, "conns", None)
        if conns is None:
            conns = self.local.conns = {}
        c = conns.get(ep)
        if c is None:
            u = urllib.parse.urlsplit(ep)
            c = conns[ep] = http.client.HTTPSConnection(u.hostname, u.port or 2379,
                                                        context=self.ctx, timeout=self.timeout)
        return c

    def call(self, path, body, method="POST"):
        last = None
        for ep in self.endpoints:
            for attempt in (0, 1):           # a kept-alive connection may have been closed
                c = self._conn(ep)
                try:
                    c.request(method, path, body=json.dumps(body) if body is not None else None,
                              headers={"Content-Type": "application/json"})
                    r = c.getresponse()
                    data = r.read()
                except (OSError, http.client.HTTPException) as e:
                    c.close()
                    self.local.conns.pop(ep, None)
                    last = EtcdError("%s%s: %s" % (ep, path, e))
                    continue
                try:
                    j = json.loads(data or b"{}")
                except ValueError:
                    raise EtcdError("%s%s: HTTP %d, not JSON" % (ep, path, r.status))
                if r.status != 200:
                    raise EtcdError("%s%s: %s" % (ep, path, j.get("error") or j.get("message")
                                                  or r.status), j.get("code"))
                return j
        raise last or EtcdError("no etcd endpoint")

    # ---- kv
    def get(self, key):
        """(value bytes, mod_revision, header revision) or (None, 0, rev)."""
        j = self.call("/v3/kv/range", {"key": _b64(key)})
        rev = int(j.get("header", {}).get("revision", 0))
        kvs = j.get("kvs") or []
        if not kvs:
            return None, 0, rev
        return _unb64(kvs[0].get("value")), int(kvs[0].get("mod_revision", 0)), rev

    def list(self, prefix):
        """([(key, value bytes, mod_revision)], header revision)."""
        j = self.call("/v3/kv/range", {"key": _b64(prefix),
                                       "range_end": _b64(prefix_end(prefix))})
        rev = int(j.get("header", {}).get("revision", 0))
        return [(_unb64(kv["key"]).decode(), _unb64(kv.get("value")),
                 int(kv.get("mod_revision", 0))) for kv in j.get("kvs") or []], rev

    def _txn(self, key, compare, put_value=None, delete=False):
        op = ({"request_delete_range": {"key": _b64(key)}} if delete else
              {"request_put": {"key": _b64(key), "value": _b64(put_value)}})
        j = self.call("/v3/kv/txn", {"compare": [compare], "success": [op]})
        return bool(j.get("succeeded")), int(j.get("header", {}).get("revision", 0))

    def create(self, key, value):
        """Put only when the key does not exist: (succeeded, revision)."""
        return self._txn(key, {"key": _b64(key), "target": "CREATE", "result": "EQUAL",
                               "create_revision": "0"}, value)

    def update(self, key, value, mod_revision):
        """Put only when the key is still at mod_revision: (succeeded, revision)."""
        return self._txn(key, {"key": _b64(key), "target": "MOD", "result": "EQUAL",
                               "mod_revision": str(mod_revision)}, value)

    def delete(self, key, mod_revision=None):
        if mod_revision is None:
            j = self.call("/v3/kv/deleterange", {"key": _b64(key)})
            return int(j.get("deleted", 0)) > 0
        ok, _ = self._txn(key, {"key": _b64(key), "target": "MOD", "result": "EQUAL",
                                "mod_revision": str(mod_revision)}, delete=True)
        return ok

    # ---- cluster
    def members(self):
        return self.call("/v3/cluster/member/list", {}).get("members") or []

    def member_add(self, peer_urls):
        return self.call("/v3/cluster/member/add", {"peerURLs": list(peer_urls)})

    def health(self):
        return self.call("/health", None, method="GET")
