"""The manager starts 20 s after the nodes: the nodes count down and retry the share, stay usable meanwhile, and mount it once the manager serves it.

The 20 s start delay is a test input timed on the host, not synchronisation."""

import time

from cluster import boot_manager, boot_node, wait_manager, node_info, MANAGER_READY
from netchecks import (RETRY_RE, wait_network, wait_remote_fs, wait_complete,
                       check_share_mounted, host_time)

NODES = ["control1", "worker1"]
VMS = 3
COST = 50                   # host seconds under TCG (the runner starts long scenarios first)
MANAGER_DELAY = 20.0


def run(t):
    net = t.network()
    t0 = time.monotonic()
    vms = {n: boot_node(t, net, n) for n in NODES}
    for name, vm in vms.items():
        wait_network(t, vm, node_info(name)[1], timeout=MANAGER_DELAY + 120)

    # before the manager exists: every node reports that it retries, and its shell works
    for name, vm in vms.items():
        m = vm.expect(RETRY_RE, 120)
        t.check(0 < int(m.group(1)) <= 600, "%s: odd countdown %r" % (name, m.group(0)))
    mgr_started = None
    if time.monotonic() - t0 < MANAGER_DELAY:
        for name, vm in vms.items():
            out = vm.run("echo usable-$((1+1))")
            t.check(out.strip() == "usable-2", "%s: console shell while waiting: %r" % (name, out))
    time.sleep(max(0.0, t0 + MANAGER_DELAY - time.monotonic()))     # test input: start delay
    mgr_started = time.monotonic()
    mgr = boot_manager(t, net)
    wait_manager(mgr)
    ready_at = host_time(mgr, MANAGER_READY)

    for name, vm in vms.items():
        wait_remote_fs(t, vm, 150)
        wait_complete(vm, 60)
        ok_at = host_time(vm, r"ekinit: \[\s*[\d.]+\] remote-fs ok")
        t.check(ok_at is not None and ok_at > mgr_started,
                "%s: remote-fs ok before the manager even started" % name)
        retries = [int(m.group(1)) for m in vm.seen(RETRY_RE)]
        t.check(retries, "%s: no retry countdown lines" % name)
        t.check(retries == sorted(retries, reverse=True),
                "%s: the countdown does not count down: %s" % (name, retries))
        check_share_mounted(t, vm)
        vm.run("echo late-%s > /share/late-%s" % (name, name))
    out = mgr.run("cat /share/late-*")
    t.check(all("late-%s" % n in out for n in NODES), "manager's /share: %r" % out)
    t.check(ready_at is not None, "manager ready time unknown")
