"""A small client of the Kubernetes API (the stand-in or a real one): JSON in and out,
client-certificate or bearer-token auth, errors as ApiError carrying the Status."""

import http.client
import json
import os
import ssl
import tempfile
import time
import urllib.parse


class ApiError(RuntimeError):
    def __init__(self, code, status):
        super().__init__("HTTP %d: %s" % (code, status.get("message") if isinstance(status, dict)
                                          else status))
        self.code = code
        self.status = status


def _ctx(ca_pem=None, cert_pem=None, key_pem=None, insecure=False):
    if insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx = ssl.create_default_context(cadata=ca_pem.decode())
    if cert_pem:
        # ssl wants files: a private temporary directory, removed at once
        with tempfile.TemporaryDirectory(prefix="ekstandin-") as d:
            c, k = os.path.join(d, "c"), os.path.join(d, "k")
            for path, data in ((c, cert_pem), (k, key_pem)):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
            ctx.load_cert_chain(c, k)
    return ctx


class Client:
    # 60 s: under TCG, while a second control node joins (etcd learner added, then promoted),
    # the stand-in apiserver took over 15 s to answer a CSR and the join failed with "The read
    # operation timed out" (cluster run, control3's TLS bootstrap).
    #
    # retry_s: for how long a request that met a server error (5xx, 429) or a connection/TLS
    # failure is tried again (0: never). kubeadm retries its API calls (v1beta4's
    # timeouts.kubernetesAPICall, 1 min); the kubeadm stand-in does too: through the VIP a call
    # can land on a control node whose etcd member has just joined and answers 503 for a while.
    def __init__(self, server, ca_pem=None, cert_pem=None, key_pem=None, token=None,
                 insecure=False, timeout=60, host_override=None, retry_s=0):
        u = urllib.parse.urlsplit(server)
        self.host, self.port = u.hostname, u.port or 443
        self.ctx = _ctx(ca_pem, cert_pem, key_pem, insecure)
        self.token = token
        self.timeout = timeout
        self.retry_s = retry_s

    @classmethod
    def from_kubeconfig(cls, kc, **kw):
        return cls(kc["server"], kc["ca"], kc["cert"], kc["key"], kc["token"], **kw)

    def request(self, method, path, body=None, content_type="application/json"):
        deadline = time.monotonic() + self.retry_s
        pause = 0.5
        while True:
            try:
                return self.request_once(method, path, body, content_type)
            except ApiError as e:
                if (e.code < 500 and e.code != 429) or time.monotonic() >= deadline:
                    raise
            except (OSError, http.client.HTTPException):
                if time.monotonic() >= deadline:
                    raise
            time.sleep(pause)  # backoff before the next try, as kubeadm's own retries do
            pause = min(pause * 2, 4)

    def request_once(self, method, path, body=None, content_type="application/json"):
        c = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                        timeout=self.timeout)
        headers = {"Accept": "application/json", "User-Agent": "ekstandin"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        try:
            c.request(method, path, body=data, headers=headers)
            r = c.getresponse()
            raw = r.read()
        finally:
            c.close()
        try:
            j = json.loads(raw) if raw else {}
        except ValueError:
            j = {"message": raw[:200].decode(errors="replace")}
        if r.status >= 300:
            raise ApiError(r.status, j)
        return j

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body):
        return self.request("POST", path, body)

    def put(self, path, body):
        return self.request("PUT", path, body)

    def merge_patch(self, path, body):
        return self.request("PATCH", path, body, "application/merge-patch+json")

    def delete(self, path):
        return self.request("DELETE", path)
