"""Shutdown stops services in reverse dependency order: sd-3 (after sd-2, after sd-1) stops
first, sd-1 last, asserted from the console's 'ekinit: stopped NAME' lines."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark  # noqa: E402


def run(t):
    ns = t.boot(["sd-1.service", "sd-2.service", "sd-3.service"])
    for n in (1, 2, 3):
        mark(ns, "sd-%d starting" % n)
    since = len(ns.lines)
    ns.poweroff()
    stopped = [h.group(1) for h in ns.seen(r"ekinit: stopped (sd-\d)\.service") if h.index >= since]
    t.check(stopped == ["sd-3", "sd-2", "sd-1"], "stop order: %s" % stopped)
    s2_stopping = ns.expect(r"ekinit: stopping sd-2\.service", 1, since)
    s3_stopped = ns.expect(r"ekinit: stopped sd-3\.service", 1, since)
    t.check(s2_stopping.index > s3_stopped.index, "sd-2 began stopping before sd-3 had stopped")
