"""Orphaned processes are reparented to ekinit and reaped: no zombies remain."""

from checks import wait_boot


def run(t):
    vm = t.boot("ekinit.shell=1")
    wait_boot(t, vm)
    # Orphans that live until the test kills them, so their parent is always there to ask about:
    # the intermediate shell exits at once and leaves its three sleeps to PID 1.
    vm.run("rm -f /tmp/orphan.pids; "
           "sh -c 'for i in 1 2 3; do sleep 100000 </dev/null >/dev/null 2>&1 & "
           "echo $! >> /tmp/orphan.pids; done'")
    pids = vm.run("cat /tmp/orphan.pids").split()
    t.check(len(pids) == 3, "expected 3 orphan pids, got %s" % pids)
    for pid in pids:
        ppid = vm.run("awk '/^PPid:/ {print $2}' /proc/%s/status" % pid).strip()
        t.check(ppid == "1", "orphan %s has parent %r, not 1" % (pid, ppid))
    vm.run("kill %s" % " ".join(pids))
    # A zombie keeps /proc/PID; only PID 1 reaping it removes it. Bounded guest loop, host deadline.
    alive = " || ".join("[ -e /proc/%s ]" % p for p in pids)
    rc, out = vm.run_rc("i=0; while [ $i -lt 100 ] && { %s; }; do sleep 0.2; i=$((i+1)); done; "
                        "r=0; for p in %s; do [ ! -e /proc/$p ] || "
                        "{ grep State /proc/$p/status; r=1; }; done; [ $r = 0 ]"
                        % (alive, " ".join(pids)), timeout=60)
    t.check(rc == 0, "orphans %s were not reaped: %s" % (pids, out))
    zombies = vm.run("grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null; true")
    t.check(not zombies.strip(), "zombie processes remain: %s" % zombies)
