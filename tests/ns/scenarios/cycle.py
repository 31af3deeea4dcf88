"""A dependency cycle (cyc-1 -> cyc-3 -> cyc-2 -> cyc-1 by After=) is reported with its members
and broken the same way on every boot."""
import re
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark  # noqa: E402

UNITS = ["cyc-1.service", "cyc-2.service", "cyc-3.service"]


def boot_once(t, label):
    ns = t.boot(UNITS, label=label)
    hit = ns.expect(r"cycle", 10)
    for u in UNITS:
        t.check(u in hit.group(0) or u[:-8] in hit.m.string, "cycle report lacks %s: %s" % (u, hit.m.string))
    for u in UNITS:
        mark(ns, u[:-8] + " starting")
    # PID 1's own start lines: the shells' marks race each other once all three are forked.
    order = [h.group(1) for h in ns.seen(r"ekinit: started (cyc-\d)\.service")]
    report = re.sub(r"\[\s*[\d.]+\]", "", hit.m.string)
    ns.poweroff()
    return report, order


def run(t):
    r1, o1 = boot_once(t, "a")
    r2, o2 = boot_once(t, "b")
    t.check(r1 == r2, "the cycle report differs between boots:\n  %s\n  %s" % (r1, r2))
    t.check(o1 == o2, "the start order differs between boots: %s vs %s" % (o1, o2))
