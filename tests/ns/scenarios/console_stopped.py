"""A stopped console (Ctrl-S on a serial line: a pty with tcflow TCOOFF as PID 1's console): PID 1
keeps answering the control socket, starting and reaping services; the lines it could not write
are dropped and counted in `ekctl status`, and a note says so when the console flows again."""

ONCE = "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo once'\n"


def run(t):
    ns = t.boot(console="pty", files={"/etc/ekinit/system/cs-once.service": ONCE})
    ns.console_flow(False)
    for i in range(3):
        # Each start makes PID 1 write console lines (starting, finished) and reap a child.
        p = ns.systemctl("start", "cs-once", timeout=15)
        t.check(p.returncode == 0, "start %d with the console stopped: exit %d: %s" % (i, p.returncode, p.stderr))
    st = ns.status()
    t.check(st["services"] and st["state"] == "running", "status with the console stopped: %s" % st)
    t.check(st.get("console_dropped", 0) > 0, "no dropped console lines counted: %s" % st.get("console_dropped"))
    once = {s["name"]: s for s in st["services"]}.get("cs-once.service") or {}
    t.check(once.get("state") == "exited" and once.get("pid") == 0, "cs-once not reaped: %s" % once)
    zombies = ns.sh("ps -o stat,pid,args | awk '$1 ~ /^Z/'").stdout.strip()
    t.check(zombies == "", "zombies while the console is stopped: %r" % zombies)
    ns.console_flow(True)
    since = len(ns.lines)
    p = ns.systemctl("start", "cs-once", timeout=15)
    t.check(p.returncode == 0, "start after the console flows again: %s" % p.stderr)
    ns.expect(r"ekinit: \d+ console lines dropped", 10, since)
    ns.expect(r"finished cs-once", 10, since)
