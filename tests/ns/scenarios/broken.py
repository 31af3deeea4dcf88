"""A broken unit file is reported (console and `ekctl status` warnings, with file and line) while
the other units start. (Like systemd, ekinit still runs it with the bad lines ignored.)"""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark  # noqa: E402


def run(t):
    ns = t.boot(["broken.service", "steady.service"])
    line = ns.expect(r"broken\.service:\d+:", 10)
    mark(ns, "steady starting")
    st = ns.status()
    warns = " | ".join(st.get("warnings", []))
    t.check("broken.service" in warns, "status warnings do not name broken.service: %s" % warns)
    svcs = {s["name"]: s for s in st.get("services", [])}
    t.check(svcs.get("broken.service", {}).get("errors", 0) >= 2, "broken.service errors: %s" % svcs.get("broken.service"))
    t.check(svcs.get("steady.service", {}).get("state") == "running", "steady: %s" % svcs.get("steady.service"))
    t.check("broken.service" in line.m.string, "console: %s" % line.m.string)
