"""The cluster scenarios' reading of what a service said (lib/formation.py said, wait_said) on recorded consoles and real log files, no VM: a line the console dropped is found in the unit's log on the node (both halves of the ring), with the regex's groups; without a drop the log is not read; a line in neither place is not found and the wait for it fails at its deadline.

The cluster nodes boot with ekinit.debug, so every service line is echoed on the console, and
ekinit drops a console line rather than block on a slow UART. CI once saw a formation fail with
every Node Ready but one node's "ek-join: done" never seen: the console had dropped it. The stand-in
VM runs the shell command said() sends to the node on this host, against log files written here,
so the grep -E that the node runs is tested with the patterns the scenarios use."""

import os
import re
import subprocess
import tempfile

import formation as fm

COST = 1
DROPPED = "ekinit: 3 console lines dropped (the console did not take them)"


class LoggedVM:
    """What said() and wait_said() use of ekvm.VM: a fixed console, and a shell whose commands run
    here (the node's log directory is a temporary one)."""

    def __init__(self, lines, running=True):
        self.lines = lines
        self.is_running = running
        self.runs = 0

    def seen(self, pattern):
        return [m for m in (re.search(pattern, l) for l in self.lines) if m]

    def wait_seen(self, pattern, timeout=60):
        m = next(iter(self.seen(pattern)), None)
        if not m:
            raise AssertionError("timeout after %.0f s waiting for /%s/" % (timeout, pattern))
        return m

    def running(self):
        return self.is_running

    def run_rc(self, cmd, timeout=30):
        self.runs += 1
        p = subprocess.run(["sh", "-c", cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=timeout)
        return p.returncode, p.stdout


def write_log(unit, older, newer):
    for suffix, lines in ((".1", older), ("", newer)):
        with open(fm.UNIT_LOG % unit + suffix, "w") as f:
            f.write("".join("[%9.3f] %s\n" % (i + 1.5, l) for i, l in enumerate(lines)))


def run(t):
    saved = fm.UNIT_LOG
    with tempfile.TemporaryDirectory() as d:
        fm.UNIT_LOG = os.path.join(d, "%s.service.log")
        try:
            cases(t)
        finally:
            fm.UNIT_LOG = saved


def cases(t):
    write_log("ek-join", ["ek-join: control node control3 (10.10.0.13)",
                          "ek-join: election: leader claimed (/share/leader)",
                          "ek-join: leader: cold start: restoring /share/etcd/s.db into /var/lib/etcd"],
              ["ek-join: kubeadm init: attempt 1 succeeded after 80.0 s",
               "ek-join: done: control3 is in the cluster"])
    write_log("phylactery", [], ["phylactery: etcd quorum lost: 1 of 3 voting members healthy (2 needed: "
                                 "none); recovery: --force-new-cluster on control1, then ekcluster-reset"])

    # on the console: found there, the node is not asked
    vm = LoggedVM(["ekinit: ek-join: done: control3 is in the cluster"])
    got = fm.said(vm, r"ek-join: done: ")
    t.check(len(got) == 1 and vm.runs == 0, "a line on the console: %s, %d shell runs" % (got, vm.runs))

    # dropped from the console: every pattern the cluster scenarios use is found in the log
    vm = LoggedVM(["ekinit: ek-join: waiting for leader_ready on /share", DROPPED])
    for pattern, unit, want in ((r"ek-join: done: ", "ek-join", "ek-join: done: "),
                                (r"ek-join: election: leader claimed", "ek-join", "leader claimed"),
                                (r"ek-join: leader: cold start: restoring ", "ek-join", "restoring "),
                                (r"etcd quorum lost: .*recovery: (.+)", "phylactery", "ekcluster-reset")):
        got = fm.said(vm, pattern, unit)
        t.check(len(got) == 1 and want in got[0].group(0),
                "/%s/ after a drop, from %s's log: %s" % (pattern, unit, [m.group(0) for m in got]))
    t.check(vm.runs == 4, "shell runs for 4 patterns after a drop: %d" % vm.runs)
    m = fm.wait_said(vm, r"ek-join: (done|failed): .*", 5)
    t.check(m.group(1) == "done", "wait_said's groups after a drop: %s" % m.group(0))
    m = fm.wait_said(vm, r"etcd quorum lost: .*recovery: (.+)", 5, unit="phylactery")
    t.check("--force-new-cluster" in m.group(1), "the recovery group from the log: %s" % m.group(1))

    # dropped, and not in the log either: not found; the wait fails at its deadline
    got = fm.said(vm, r"ek-join: failed: ")
    t.check(got == [], "a line in neither place was found: %s" % got)
    try:
        fm.wait_said(vm, r"ek-join: failed: ", 0.2)
        t.check(False, "wait_said returned for a line in neither place")
    except AssertionError as e:
        t.check("timeout" in str(e), "wait_said's failure: %s" % e)

    # no drop: a missing line is missing (the log is not read), and a stopped VM is not asked
    vm = LoggedVM(["ekinit: ek-join: waiting for leader_ready on /share"])
    got = fm.said(vm, r"ek-join: done: ")
    t.check(got == [] and vm.runs == 0, "no drop: %s, %d shell runs" % (got, vm.runs))
    vm = LoggedVM([DROPPED], running=False)
    got = fm.said(vm, r"ek-join: done: ")
    t.check(got == [] and vm.runs == 0, "a stopped VM: %s, %d shell runs" % (got, vm.runs))
