"""TimeoutStopSec= ends in SIGKILL: a service that ignores SIGTERM is killed when its stop timeout
runs out, not before, and nothing of it is left."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark  # noqa: E402

UNIT = """[Service]
TimeoutStopSec=2
ExecStart=/bin/sh -c 'trap "" TERM; echo "mark: ts ignoring TERM" >/proc/1/fd/1; while :; do sleep 1; done'
"""


def run(t):
    ns = t.boot(files={"/etc/ekinit/system/ts.service": UNIT}, enabled=["ts.service"])
    mark(ns, "ts ignoring TERM")
    pid = ns.services()["ts.service"]["pid"]
    since = len(ns.lines)
    ns.systemctl("stop", "--no-block", "ts", check=True)
    asked = ns.expect(r"stopping ts\.service", 10, since)
    killed = ns.expect(r"ts\.service: did not stop within 2 s, killing it", 10, since)
    t.check(killed.t - asked.t >= 1.8, "SIGKILL came %.2f s after the stop, before TimeoutStopSec=2" % (killed.t - asked.t))
    s = ns.wait_services(lambda s: s["ts.service"]["state"] in ("inactive", "failed"), 10, "ts stopped")["ts.service"]
    t.check(s["pid"] == 0, "ts still has a main pid: %s" % s)
    left = ns.sh("cat /sys/fs/cgroup/system.slice/ts.service/cgroup.procs 2>/dev/null; kill -0 %d 2>/dev/null && echo alive" % pid)
    t.check(left.stdout.strip() == "", "processes left after SIGKILL: %r" % left.stdout)
