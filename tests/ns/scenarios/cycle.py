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
    # PID 1's own start lines, each waited for: the shells' marks race each other (and PID 1's
    # lines) once all three are forked, so a mark says nothing about which start lines are in.
    order = []
    since = 0
    for _ in UNITS:
        h = ns.expect(r"ekinit: started (cyc-\d)\.service", 20, since)
        order.append(h.group(1))
        since = h.index + 1
    t.check(sorted(order) == ["cyc-1", "cyc-2", "cyc-3"], "start lines: %s" % order)
    for u in UNITS:
        mark(ns, u[:-8] + " starting")
    report = re.sub(r"\[\s*[\d.]+\]", "", hit.m.string)
    ns.poweroff()
    return report, order


def run(t):
    r1, o1 = boot_once(t, "a")
    r2, o2 = boot_once(t, "b")
    t.check(r1 == r2, "the cycle report differs between boots:\n  %s\n  %s" % (r1, r2))
    t.check(o1 == o2, "the start order differs between boots: %s vs %s" % (o1, o2))
