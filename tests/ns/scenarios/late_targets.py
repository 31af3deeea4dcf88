"""A target whose boot step ended is reached whenever a unit loads it after boot: `ekctl start` of
a unit ordered after network-online.target (or remote-fs.target), not enabled at boot, starts it
rather than waiting forever for a step that already ran."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark, svc  # noqa: E402


def run(t):
    ns = t.boot(["steady.service", "late-online.service", "late-remote.service"], enabled=["steady.service"])
    mark(ns, "steady starting")
    st = ns.status()
    names = [s.get("name") for s in st.get("services", [])]
    # The bug needs the targets to be loaded only now: nothing at boot may have pulled them in.
    for tgt in ("network-online.target", "remote-fs.target"):
        t.check(tgt not in names, "%s was loaded at boot (the scenario needs it loaded late): %s" % (tgt, names))
    for unit, target in (("late-online.service", "network-online.target"),
                         ("late-remote.service", "remote-fs.target")):
        since = len(ns.lines)
        p = ns.ekctl("start", unit, "--timeout", "15", timeout=30)
        t.check(p.returncode == 0, "ekctl start %s: exit %d: %s%s (%s)" %
                (unit, p.returncode, p.stdout, p.stderr, svc(ns, unit).get("why")))
        mark(ns, unit.split(".")[0] + " starting", 5, since)
        tg = svc(ns, target)
        t.check(tg.get("state") == "running", "%s after its step ended: %s" % (target, tg))
