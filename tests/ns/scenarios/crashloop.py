"""A crash-looping unit (Restart=always, StartLimitBurst=4) restarts with growing pauses, then
ends failed with "start limit" in its why; steady.service keeps running meanwhile."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark  # noqa: E402


def run(t):
    ns = t.boot(["crash.service", "steady.service"])
    mark(ns, "steady starting")
    # PID 1's own verdict line, not the status: every 'mark: crash start' was written into the
    # console pipe before the exit that led to it, so all of them precede this line.
    ns.expect(r"ekinit: error: crash\.service failed: start limit", 60)
    s = ns.services()
    t.check(s.get("crash.service", {}).get("state") == "failed", "crash: %s" % s.get("crash.service"))
    c = s["crash.service"]
    t.check("start limit" in c.get("why", ""), "why: %r" % c.get("why"))
    t.check(c.get("restarts", 0) >= 2, "restarts: %s" % c.get("restarts"))
    starts = [h.t for h in ns.seen(r"mark: crash start$")]
    t.check(len(starts) >= 3, "crash.service started %d times" % len(starts))
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    t.check(min(gaps) >= 0.15, "restarted sooner than RestartSec=200ms: gaps %s" % gaps)
    t.check(gaps[-1] > gaps[0], "no backoff: gaps between starts %s" % ["%.3f" % g for g in gaps])
    t.check(s["steady.service"].get("state") == "running", "steady: %s" % s["steady.service"])
