"""PIDFile= is read as hostile: a PID outside the service's cgroup (another service's process) is
refused, so it never becomes the main process nor gets the stop signals; a FIFO in its place does
not block PID 1 (the control socket keeps answering)."""

VICTIM = "[Service]\nExecStart=/bin/sleep 100000\n"
FOREIGN = """[Service]
Type=forking
PIDFile=/run/pf-foreign.pid
TimeoutStartSec=10
ExecStart=/bin/sh -c 'sleep 100000 & cp /run/victim-pid /run/pf-foreign.pid'
"""
FIFO = """[Service]
Type=forking
PIDFile=/run/pf-fifo.pid
TimeoutStartSec=10
ExecStart=/bin/sh -c 'mkfifo /run/pf-fifo.pid; sleep 100000 &'
"""


def run(t):
    ns = t.boot(files={"/etc/ekinit/system/pf-victim.service": VICTIM,
                       "/etc/ekinit/system/pf-foreign.service": FOREIGN,
                       "/etc/ekinit/system/pf-fifo.service": FIFO}, enabled=["pf-victim.service"])
    s = ns.wait_services(lambda s: s.get("pf-victim.service", {}).get("state") == "running", 15, "pf-victim running")
    victim = s["pf-victim.service"]["pid"]
    ns.sh("echo %d > /run/victim-pid" % victim, check=True)
    ns.systemctl("start", "--no-block", "pf-foreign", check=True)
    f = ns.wait_services(lambda s: s.get("pf-foreign.service", {}).get("state") in ("running", "failed"), 15,
                         "pf-foreign settled")["pf-foreign.service"]
    t.check(f["pid"] != victim, "pf-foreign took pf-victim's process %d as its main process" % victim)
    t.check(f["state"] == "failed" and "PIDFile" in f["why"], "pf-foreign: %s" % f)
    ns.systemctl("stop", "pf-foreign")
    v = ns.services()["pf-victim.service"]
    t.check(v["state"] == "running" and v["pid"] == victim, "pf-victim after pf-foreign's stop: %s" % v)
    ns.systemctl("start", "--no-block", "pf-fifo", check=True)
    f = ns.wait_services(lambda s: s.get("pf-fifo.service", {}).get("state") in ("running", "failed"), 15,
                         "pf-fifo settled")["pf-fifo.service"]
    t.check(f["state"] == "failed" and "PIDFile" in f["why"], "pf-fifo: %s" % f)
    st = ns.status()
    t.check(st["state"] == "running", "PID 1 after the FIFO: %s" % st["state"])
