"""3 nodes race O_CREAT|O_EXCL on the share for many rounds, coordinated through files on the share: exactly one winner per round.

Guest side: fixtures/netnode/usr/lib/ektest/share-race (busybox sh; ash's
noclobber redirection opens with O_CREAT|O_EXCL). For this scenario the share
is mounted with lookupcache=none,actimeo=0 so that the busy-waits between
rounds see the others' files at once; exclusive creation itself is decided
by the server either way."""

import re

from cluster import boot_manager, boot_node, wait_manager, node_info, fstab_text, manager_ip
from netchecks import wait_network, wait_remote_fs, wait_complete, check_share_mounted

NODES = ["control1", "control2", "worker1"]
VMS = 4                      # the manager and three nodes (the runner caps VMs at once)
COST = 100                   # host seconds under TCG (the runner starts long scenarios first)
ROUNDS = 120


def run(t):
    net = t.network()
    mgr = boot_manager(t, net)
    fstab = fstab_text(manager_ip()).replace("nfs vers=4.2 ",
                                             "nfs vers=4.2,lookupcache=none,actimeo=0 ")
    vms = {n: boot_node(t, net, n, extra_files={"/etc/fstab": fstab}) for n in NODES}
    wait_manager(mgr)
    for name, vm in vms.items():
        wait_network(t, vm, node_info(name)[1])
        wait_remote_fs(t, vm)
        wait_complete(vm)
        _, opts = check_share_mounted(t, vm)
        vm.run("true")               # shell answers before the race starts

    # all three at once: started without waiting, each one's output read afterwards
    races = {name: vm.run_start("/usr/lib/ektest/share-race %s %d %d" % (name, ROUNDS, len(NODES)))
             for name, vm in vms.items()}
    done = {}
    for name, vm in vms.items():
        rc, out = vm.run_finish(races[name], 60 + ROUNDS * 3)
        last = out.splitlines()[-1] if out.strip() else ""
        m = re.match(r"^(RACE-DONE|RACE-TIMEOUT) (\S+)(.*)$", last)
        t.check(rc == 0 and m and m.group(1) == "RACE-DONE",
                "%s: exit %d, last line %r" % (name, rc, last))
        done[name] = dict(kv.split("=") for kv in m.group(3).split())

    # the manager's view of the share: every round's directory, one line per file
    files = set(mgr.run("cd /share/race && ls */*", 60).split())
    errs = sorted(f for f in files if "/err." in f)
    t.check(not errs, "exclusive creates failed other than with EEXIST: %s; first: %s"
            % (errs[:5], mgr.run("cat /share/race/%s" % errs[0]) if errs else ""))
    bad = []
    for i in range(1, ROUNDS + 1):
        winners = [n for n in NODES if "%d/won.%s" % (i, n) in files]
        losers = [n for n in NODES if "%d/lost.%s" % (i, n) in files]
        if len(winners) != 1 or len(losers) != len(NODES) - 1:
            bad.append("round %d: winners %s, losers %s" % (i, winners, losers))
    t.check(not bad, "%d of %d rounds without exactly one winner: %s"
            % (len(bad), ROUNDS, "; ".join(bad[:5])))
    total = sum(int(d["wins"]) for d in done.values())
    t.check(total == ROUNDS, "nodes report %d wins in %d rounds: %s" % (total, ROUNDS, done))
    for name in NODES:
        t.check(re.match(r"^\d+$", done[name]["losses"]), "odd report %s" % done[name])
