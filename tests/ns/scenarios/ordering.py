"""After= orders starts: ord-b (After=ord-a) starts only once ord-a (Type=notify, ready after a
pause) is ready; seen in the console marks and in the services' times in `ekctl status --json`."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark  # noqa: E402


def run(t):
    ns = t.boot(["ord-a.service", "ord-b.service"])
    a_ready = mark(ns, "ord-a ready")
    b_start = mark(ns, "ord-b starting")
    t.check(b_start.t >= a_ready.t, "ord-b started at %.3f s, before ord-a was ready at %.3f s" % (b_start.t, a_ready.t))
    s = ns.wait_services(lambda s: s.get("ord-b.service", {}).get("state") == "running", 10, "ord-b running")
    a, b = s["ord-a.service"], s["ord-b.service"]
    t.check(a.get("state") == "running", "ord-a: %s" % a)
    a_ready_ms = a.get("ready_ms") or a.get("since_ms")
    b_start_ms = b.get("start_ms") or b.get("since_ms")
    t.check(b_start_ms >= a_ready_ms, "status: ord-b started at %s ms, ord-a ready at %s ms" % (b_start_ms, a_ready_ms))
