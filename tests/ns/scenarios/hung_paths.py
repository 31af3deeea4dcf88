"""ConditionPathExists=, StartWhenExists= and RuntimeDirectory= on a hung file system never stall
PID 1 (a FUSE mount whose daemon never answers, made by tests/ns/hungfs.c, where every stat blocks
as on a dead NFS server). While their checks hang, `ekctl status` answers and the other units
start; then each check times out, named on the console and in `ekctl status` (skipped, skipped,
failed), and the killed check processes are reaped."""
import os
import sys
import time
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark  # noqa: E402

AFTER = "[Unit]\nAfter=hungfs.service\n"
RUN = "ExecStart=/bin/sh -c 'echo \"mark: %s starting\" >/proc/1/fd/1; exec sleep 100000'\n"
UNITS = {
    # /run/hung-link leads into the hung mount: a RuntimeDirectory= name with a slash follows it.
    "hungfs.service": "[Service]\nType=forking\nExecStart=/usr/bin/hungfs /hung\n"
                      "ExecStartPost=/bin/ln -sfn /hung /run/hung-link\n",
    "cond-hung.service": AFTER + "ConditionPathExists=/hung/x\n[Service]\n" + RUN % "cond-hung",
    "swe-hung.service": AFTER + "[Service]\n" + RUN % "swe-hung" + "[X-Ekinit]\nStartWhenExists=/hung/flag\n",
    "rt-hung.service": AFTER + "[Service]\nRuntimeDirectory=hung-link/x\n" + RUN % "rt-hung",
    "after-hung.service": AFTER + "[Service]\n" + RUN % "after-hung",
}
STATUS_DEADLINE = 3.0  # seconds: PID 1 answers a status request at once when it is not stalled


def timed_services(t, ns):
    t0 = time.monotonic()
    s = ns.services()
    took = time.monotonic() - t0
    t.check(took < STATUS_DEADLINE, "ekctl status took %.1f s while checks hang" % took)
    return s


def run(t):
    files = {"/etc/ekinit/system/" + n: text for n, text in UNITS.items()}
    ns = t.boot(files=files, enabled=list(UNITS))
    ns.expect(r"hungfs: /hung mounted", 20)
    mark(ns, "after-hung starting")
    # While the three checks hang, PID 1 answers status requests (asked at once, then again at
    # each console line until all three have ended).
    seen = {"pending": False}

    def settled():
        s = timed_services(t, ns)
        states = [s.get(n, {}).get("state") for n in ("cond-hung.service", "swe-hung.service", "rt-hung.service")]
        if states == ["waiting", "waiting", "starting"]:
            seen["pending"] = True
        return states == ["skipped", "skipped", "failed"]
    ns.wait_until(settled, 40, "the three hung checks to end")
    t.check(seen["pending"], "never saw the three units pending while their checks hung")
    # The fixture is honest: a stat under /hung really blocks (and is killed by timeout).
    p = ns.sh("timeout 2 stat /hung/x; echo rc=$?", timeout=20)
    t.check(p.stdout.strip() in ("rc=124", "rc=137", "rc=143"), "stat under /hung did not block: %r" % p.stdout)

    ns.expect(r"skipped cond-hung\.service: ConditionPathExists=/hung/x: no answer within 5 s "
              r"\(path on a hung filesystem\?\)", 1)
    ns.expect(r"skipped swe-hung\.service: StartWhenExists=/hung/flag: no answer within 10 s", 1)
    ns.expect(r"rt-hung\.service failed: RuntimeDirectory=hung-link/x: no answer within 5 s", 1)
    s = timed_services(t, ns)
    t.check("ConditionPathExists=/hung/x: no answer" in s["cond-hung.service"]["why"], "cond-hung: %s" % s["cond-hung.service"])
    t.check("StartWhenExists=/hung/flag: no answer" in s["swe-hung.service"]["why"], "swe-hung: %s" % s["swe-hung.service"])
    t.check("RuntimeDirectory=hung-link/x: no answer" in s["rt-hung.service"]["why"], "rt-hung: %s" % s["rt-hung.service"])
    t.check(s["after-hung.service"]["state"] == "running", "after-hung: %s" % s["after-hung.service"])
    text = ns.ekctl("status", timeout=int(STATUS_DEADLINE) + 1).stdout
    t.check("ConditionPathExists=/hung/x: no answer within 5 s" in text, "`ekctl status` does not show the timeout")
    for n in ("cond-hung", "swe-hung", "rt-hung"):
        t.check(not ns.seen(r"mark: %s starting" % n), "%s started" % n)

    # The killed check processes die (a FUSE wait is killable) and PID 1 reaps them: no zombie,
    # and no process of ekinit's but PID 1.
    def clean():
        out = ns.sh("for f in /proc/[0-9]*/status; do s=$(grep -E '^(Name|State|Pid):' $f | tr '\\n' ' ');"
                    " echo \"$s\"; done").stdout
        bad = [ln for ln in out.splitlines() if "(zombie)" in ln or
               ("ekinit" in ln and "Pid:\t1 " not in ln and "Pid:\t1\t" not in ln)]
        return not bad and out or None
    ns.wait_until(clean, 15, "the killed check processes to be reaped")
