"""daemon-reload while a unit is between its ExecStart= lines: the run in progress finishes with
the definition it started with (its third line still runs although the new file has one line),
and the next start uses the new definition."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark, release  # noqa: E402

OLD = """[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "mark: rl old step1" >/proc/1/fd/1'
ExecStart=/bin/sh -c 'mkfifo /run/gate-rl; echo "mark: rl old step2 waiting" >/proc/1/fd/1; read x </run/gate-rl'
ExecStart=/bin/sh -c 'echo "mark: rl old step3" >/proc/1/fd/1'
"""
NEW = """[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "mark: rl new" >/proc/1/fd/1'
"""


def run(t):
    ns = t.boot(files={"/etc/ekinit/system/rl-mid.service": OLD}, enabled=[])
    p = ns.systemctl("start", "--no-block", "rl-mid.service")
    t.check(p.returncode == 0, "start rl-mid: %s" % p.stderr)
    mark(ns, "rl old step2 waiting")
    ns.run(["/bin/sh", "-c", "cat > /etc/ekinit/system/rl-mid.service"], input=NEW, check=True)
    since = len(ns.lines)
    ns.systemctl("daemon-reload", check=True)
    release(ns, "rl")
    mark(ns, "rl old step3", 15, since)
    s = ns.wait_services(lambda s: s.get("rl-mid.service", {}).get("state") == "exited", 15, "rl-mid exited")
    t.check(not ns.seen(r"mark: rl new"), "the new definition ran inside the old run")
    since = len(ns.lines)
    p = ns.systemctl("restart", "rl-mid", timeout=15)
    t.check(p.returncode == 0, "restart rl-mid: %s" % p.stderr)
    mark(ns, "rl new", 15, since)
    t.check(not ns.seen(r"mark: rl old step1")[1:], "the old definition ran again after the reload")
