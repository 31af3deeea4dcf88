"""The elected leader is killed in the middle of `kubeadm init`: its lease expires, another control node takes the lead, and the cluster still forms (leader_ready by a live node, the live Nodes Ready through the VIP).

Manager + 3 control nodes + 1 worker, the image and operator of `cluster` (lib/formation.py).
The leader's VM is killed (QEMU) as soon as its console says `ek-join: leader: kubeadm init`."""

import time

from cluster import wait_manager, node_info
from ekvm import VMError
from netchecks import wait_network, wait_remote_fs
import formation as fm

VMS = 5
COST = 200                   # host seconds under TCG (the runner starts long scenarios first)
CONTROL = ["control1", "control2", "control3"]
WORKER = ["worker1"]
FORM_TIMEOUT = 1200          # the lease (30 s) runs out first
INIT_LINE = r"ek-join: leader: kubeadm init"


def first_kubeadm_init(t, vms, deadline):
    """The control node whose console first says `ek-join: leader: kubeadm init`, waited for on
    the consoles themselves (each VM's log condition, woken by every new line)."""
    while time.monotonic() < deadline:
        for n in CONTROL:
            try:
                vms[n].wait_seen(INIT_LINE, timeout=0.5)
                return n
            except VMError as e:
                t.check("timeout" in str(e), "%s: %s" % (n, e))
    return None


def prepare(image):
    """Before the VMs: the cluster image's parts (the harness calls this outside the VM budget)."""
    fm.prepare_images(image)


def run(t):
    # Booted without boot_all's network and share checks first: the leader's kubeadm init is over
    # in ~70 s under TCG, and waiting for every node's network before looking for it let the
    # test kill a leader that had already written leader_ready (the dead-cluster path, not this).
    net, mgr, vms, t_start = fm.start_cluster(t, CONTROL, WORKER)
    deadline = time.monotonic() + FORM_TIMEOUT
    first = first_kubeadm_init(t, vms, deadline)
    t.check(first is not None, "no leader started kubeadm init")
    vms[first].note("test: killing the leader in the middle of kubeadm init")
    vms[first].kill()
    t.check(not vms[first].seen(r"ek-join: leader: leader_ready written"),
            "%s wrote leader_ready before it was killed: not a death mid-init" % first)
    wait_manager(mgr, 300)
    for name, vm in vms.items():
        if name != first:
            wait_network(t, vm, node_info(name)[1], timeout=400)
            wait_remote_fs(t, vm, timeout=400)

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
