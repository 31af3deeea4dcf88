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
ROUNDS = 250


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

    # every round's directory made first, on the server (the nodes only create files in them)
    mgr.run("mkdir -p /share/race && cd /share/race && mkdir $(seq 1 %d)" % ROUNDS, 60)

    # all three at once: started without waiting, each one's output read afterwards
    races = {name: vm.run_start("/usr/lib/ektest/share-race %s %d %d" % (name, ROUNDS, len(NODES)))
             for name, vm in vms.items()}
    claims = {}                  # round -> {node: "won" | "lost" | "err ..."}
    done = {}
    for name, vm in vms.items():
        rc, out = vm.run_finish(races[name], 60 + ROUNDS * 3)
        lines = out.splitlines()
        last = lines[-1] if lines else ""
        m = re.match(r"^(RACE-DONE|RACE-TIMEOUT) (\S+)(.*)$", last)
        t.check(rc == 0 and m and m.group(1) == "RACE-DONE",
                "%s: exit %d, last line %r" % (name, rc, last))
        done[name] = dict(kv.split("=") for kv in m.group(3).split())
        for line in lines:
            r = re.match(r"^R (\d+) (won|lost|err.*)$", line)
            if r:
                claims.setdefault(int(r.group(1)), {})[name] = r.group(2)

    errs = ["round %d %s: %s" % (i, n, c) for i, cl in sorted(claims.items())
            for n, c in cl.items() if c.startswith("err")]
    t.check(not errs, "exclusive creates failed other than with EEXIST: %s" % errs[:5])
    # the server's view: each round's win file names its one creator
    owners = {}
    for line in mgr.run("cd /share/race && for i in $(seq 1 %d); do read w < $i/win; echo \"$i $w\"; done"
                        % ROUNDS, 60).splitlines():
        f = line.split()
        if len(f) == 2:
            owners[int(f[0])] = f[1]
    bad = []
    for i in range(1, ROUNDS + 1):
        cl = claims.get(i, {})
        winners = sorted(n for n, c in cl.items() if c == "won")
        losers = sorted(n for n, c in cl.items() if c == "lost")
        if len(winners) != 1 or len(losers) != len(NODES) - 1 or owners.get(i) != winners[0]:
            bad.append("round %d: winners %s, losers %s, win file by %s" % (i, winners, losers, owners.get(i)))
    t.check(not bad, "%d of %d rounds without exactly one winner: %s"
            % (len(bad), ROUNDS, "; ".join(bad[:5])))
    total = sum(int(d["wins"]) for d in done.values())
    t.check(total == ROUNDS, "nodes report %d wins in %d rounds: %s" % (total, ROUNDS, done))
    for name in NODES:
        t.check(re.match(r"^\d+$", done[name]["losses"]), "odd report %s" % done[name])
