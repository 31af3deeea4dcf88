"""Independent units start together: par-1 and par-2 are both starting before either is ready
(each waits on a FIFO the test opens only when both have started), then both become ready."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark, release  # noqa: E402


def run(t):
    ns = t.boot(["par-1.service", "par-2.service"])
    mark(ns, "par-1 starting")
    mark(ns, "par-2 starting")
    s = ns.services()
    for n in ("par-1.service", "par-2.service"):
        t.check(s.get(n, {}).get("active") == "activating", "%s before release: %s" % (n, s.get(n)))
    release(ns, "par-1")
    release(ns, "par-2")
    mark(ns, "par-1 ready")
    mark(ns, "par-2 ready")
    ns.wait_services(lambda s: all(s.get(n, {}).get("state") == "running" for n in ("par-1.service", "par-2.service")),
                     10, "par-1 and par-2 running")
