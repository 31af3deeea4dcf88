"""Readiness of each Type: simple, exec, notify (sd_notify READY=1 with SCM_CREDENTIALS), forking
with PIDFile, oneshot with RemainAfterExit, ReadyProbe=file: and tcp:. The gated ones stay
activating until the test releases them."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark, release  # noqa: E402

UNITS = ["rd-simple.service", "rd-exec.service", "rd-notify.service", "rd-forking.service",
         "rd-oneshot.service", "rd-file.service", "rd-tcp.service"]
GATED = ["rd-notify", "rd-file", "rd-tcp"]


def run(t):
    ns = t.boot(UNITS)
    for g in GATED:
        mark(ns, g + " waiting")
    s = ns.services()
    for g in GATED:
        t.check(s.get(g + ".service", {}).get("active") == "activating",
                "%s is not activating before its release: %s" % (g, s.get(g + ".service")))
    for g in GATED:
        release(ns, g)
    for u in UNITS:
        mark(ns, u[:-8] + " ready")
    s = ns.wait_services(lambda s: all(s.get(u, {}).get("active") == "active" for u in UNITS), 15,
                         "every rd-* unit active")
    t.check(s["rd-oneshot.service"]["state"] == "exited", "oneshot: %s" % s["rd-oneshot.service"])
    pidfile = ns.sh("cat /run/rd-forking.pid", check=True).stdout.strip()
    t.check(str(s["rd-forking.service"].get("pid")) == pidfile,
            "forking: pid %s, PIDFile says %s" % (s["rd-forking.service"].get("pid"), pidfile))
