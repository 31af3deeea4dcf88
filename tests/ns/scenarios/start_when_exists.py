"""StartWhenExists=/run/swe-trigger: the unit waits until the file appears, then starts."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark, svc  # noqa: E402


def run(t):
    ns = t.boot(["swe.service", "steady.service"])
    mark(ns, "steady starting")
    s = svc(ns, "swe.service")
    t.check(s.get("state") == "waiting", "swe.service before the file exists: %s" % s)
    t.check(not ns.seen(r"mark: swe starting"), "swe.service started before its file existed")
    ns.sh("touch /run/swe-trigger", check=True)
    mark(ns, "swe starting", 10)
