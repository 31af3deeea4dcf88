"""Manager + 3 nodes on one bridge: each node renders its config, gets its address, reaches the others, mounts /share and sees the files the others wrote.

Nodes control1, control2, worker1 from fixtures/nodes/cluster.json; their
/etc/ekinit/node.conf is rendered from overlay/ekinit, /etc/fstab names
10.10.0.1:/share (the manager stand-in) as Warewulf renders it."""

from cluster import boot_manager, boot_node, wait_manager, manager_ip, node_info
from netchecks import (NODECONF, wait_network, wait_remote_fs, wait_complete,
                       check_share_mounted)

NODES = ["control1", "control2", "worker1"]
VMS = 4                      # the manager and three nodes (the runner caps VMs at once)
COST = 35                   # host seconds under TCG (the runner starts long scenarios first)


def run(t):
    net = t.network()
    mgr = boot_manager(t, net)
    vms = {n: boot_node(t, net, n) for n in NODES}
    wait_manager(mgr)

    for name, vm in vms.items():
        _, ip = node_info(name)
        wait_network(t, vm, ip)
        wait_remote_fs(t, vm)
        wait_complete(vm)

    for name, vm in vms.items():
        mac, ip = node_info(name)
        conf = vm.run("cat %s" % NODECONF)
        t.check("id = %s" % name in conf and "hwaddr = %s" % mac in conf,
                "%s: node.conf not rendered for this node:\n%s" % (name, conf))
        addr = vm.run("ip -o -4 addr show dev net0")
        t.check("%s/24" % ip in addr, "%s: net0 has %r, expected %s/24" % (name, addr, ip))
        link = vm.run("cat /sys/class/net/net0/address").strip()
        t.check(link == mac, "%s: net0 is %s, expected the NIC with MAC %s" % (name, link, mac))
        route = vm.run("ip -4 route show default")
        t.check("via %s" % manager_ip() in route, "%s: default route %r" % (name, route))
        hosts = vm.run("cat /etc/hosts")
        t.check("vip.kubernetes.local" in hosts, "%s: /etc/hosts lacks the VIP:\n%s" % (name, hosts))
        resolv = vm.run("cat /etc/resolv.conf")
        t.check("nameserver %s" % manager_ip() in resolv,
                "%s: /etc/resolv.conf:\n%s" % (name, resolv))
        src, _ = check_share_mounted(t, vm)
        t.check(src == "%s:/share" % manager_ip(), "%s: /share from %s" % (name, src))

    # everyone reaches everyone (and the manager)
    for name, vm in vms.items():
        for other in NODES + ["manager"]:
            if other == name:
                continue
            ip = manager_ip() if other == "manager" else node_info(other)[1]
            rc, out = vm.run_rc("ping -c 1 -W 2 %s || ping -c 2 -W 2 %s" % (ip, ip), 30)
            t.check(rc == 0, "%s cannot ping %s (%s):\n%s" % (name, other, ip, out))

    # each writes, then each sees all three (close-to-open: a fresh open sees the data)
    for name, vm in vms.items():
        vm.run("echo written-by-%s > /share/from-%s" % (name, name))
    for name, vm in vms.items():
        for other in NODES:
            out = vm.run("cat /share/from-%s" % other)
            t.check(out.strip() == "written-by-%s" % other,
                    "%s reads %r from /share/from-%s" % (name, out, other))
    out = mgr.run("ls /share")
    t.check(all("from-%s" % n in out.split() for n in NODES), "manager's /share: %s" % out)
