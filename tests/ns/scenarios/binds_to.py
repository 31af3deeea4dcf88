"""BindsTo=: bt-bound starts after bt-base, and stops (saying why) when bt-base is stopped."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark  # noqa: E402


def run(t):
    ns = t.boot(["bt-base.service", "bt-bound.service"])
    mark(ns, "bt-bound starting")
    s = ns.wait_services(lambda s: s.get("bt-bound.service", {}).get("state") == "running", 10, "bt-bound running")
    # Type=simple is ready at fork: the order shows in the manager's times, not in the marks.
    t.check(s["bt-bound.service"]["start_ms"] >= s["bt-base.service"]["ready_ms"],
            "bt-bound started before bt-base was ready: %s" % s)
    since = len(ns.lines)
    ns.ekctl("stop", "bt-base")
    ns.expect(r"ekinit: stopping bt-bound\.service: bound to bt-base\.service", 10, since)
    s = ns.wait_services(lambda s: s.get("bt-bound.service", {}).get("state") == "inactive", 10, "bt-bound stopped")
    t.check("bound to bt-base.service" in s["bt-bound.service"].get("why", ""),
            "bt-bound's why: %s" % s["bt-bound.service"].get("why"))
