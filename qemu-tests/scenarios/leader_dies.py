"""The elected leader is killed in the middle of `kubeadm init`: its lease expires, another control node takes the lead, and the cluster still forms (leader_ready by a live node, the live Nodes Ready through the VIP).

Manager + 3 control nodes + 1 worker, the image and operator of `cluster` (lib/formation.py).
The leader's VM is killed (QEMU) as soon as its console says `ek-join: leader: kubeadm init`."""

import time

import formation as fm

VMS = 5
CONTROL = ["control1", "control2", "control3"]
WORKER = ["worker1"]
FORM_TIMEOUT = 1200          # the lease (30 s) runs out first


def run(t):
    net, mgr, vms, t_start = fm.boot_all(t, CONTROL, WORKER)
    deadline = time.monotonic() + FORM_TIMEOUT
    first = None
    while time.monotonic() < deadline and first is None:
        for n in CONTROL:
            if vms[n].seen(r"ek-join: leader: kubeadm init"):
                first = n
                break
        else:
            # one guest round trip per poll (paces the loop on a guest event, not a sleep)
            mgr.run_rc("true", 30)
    t.check(first is not None, "no leader started kubeadm init")
    vms[first].note("test: killing the leader in the middle of kubeadm init")
    vms[first].kill()

    ready = fm.wait_share_file(t, mgr, vms, "/share/leader_ready", deadline,
                               want=lambda d: d.get("name") != first)
    t.check(ready.get("name") in CONTROL and ready["name"] != first,
            "leader_ready by %r after %s died" % (ready.get("name"), first))
    stale = mgr.run("ls /share")
    t.check("leader.stale." in stale, "no leader.stale.* on the share (the takeover renames "
            "the dead leader's file):\n%s" % stale)
    op = fm.Operator(net, mgr.run("cat /share/kube.config"))
    try:
        live = [n for n in vms if n != first]
        ready_at = fm.wait_ready(t, op, live, deadline)
        fm.write_timeline(t.name, {"scenario": t.name, "seconds_since": "first QEMU start",
                                   "killed": first, "leader": ready["name"],
                                   "nodes": fm.timeline(vms, t_start, ready_at)})
        for vm in vms.values():
            if vm.running():
                vm.note("test: %s died during init; %s led; Ready: %s" % (first, ready["name"],
                                                                         live))
    finally:
        op.close()
