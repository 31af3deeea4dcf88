"""MAINPID= naming a process that is not PID 1's child (the daemon's own child): when it ends, PID 1
notices (through a pidfd; no SIGCHLD comes for it) and the service stops, instead of showing a
dead process as running forever."""

UNIT = """[Service]
Type=notify
ExecStart=/bin/sh -c 'sleep 100000 & exec notify-send MAINPID=$! READY=1 -- sleep 100001'
"""


def run(t):
    ns = t.boot(files={"/etc/ekinit/system/mp.service": UNIT}, enabled=["mp.service"])
    s = ns.wait_services(lambda s: s.get("mp.service", {}).get("state") == "running", 15, "mp running")["mp.service"]
    pid = s["pid"]
    comm = ns.sh("cat /proc/%d/cmdline | tr '\\0' ' '; echo; awk '{print $4}' /proc/%d/stat" % (pid, pid)).stdout.split("\n")
    t.check(comm[0].strip() == "sleep 100000", "the main pid %d is %r, not the daemon's child" % (pid, comm[0]))
    t.check(comm[1].strip() != "1", "the main process's parent is PID 1; the test needs another parent")
    since = len(ns.lines)
    ns.sh("kill -9 %d" % pid, check=True)
    s = ns.wait_services(lambda s: s["mp.service"]["state"] != "running", 10, "mp to leave running")["mp.service"]
    t.check(s["state"] in ("inactive", "failed", "stopping") and s["pid"] != pid, "mp after its main process died: %s" % s)
    ns.expect(r"stopped mp\.service", 10, since)
