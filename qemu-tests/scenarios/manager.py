"""The manager stand-in serves /share over NFSv4 only; a node configured by hand with busybox pings it, mounts the share and writes a file the manager sees.

Proves the test network (namespace, bridge, taps, static MACs) and the
manager VM independently of ekinit's own network and fstab steps: the node
gets no rendered overlay, so ekinit leaves its interface alone."""

from cluster import boot_manager, boot_node, wait_manager, manager_ip, node_info
from checks import BOOT_COMPLETE

VMS = 2
COST = 40                   # host seconds under TCG (the runner starts long scenarios first)


def run(t):
    net = t.network()
    mgr = boot_manager(t, net)
    node = boot_node(t, net, "control1", overlay=False)
    wait_manager(mgr)
    t.check(mgr.seen(r"ektest-manager: versions .*\+4\.2"),
            "manager does not serve NFSv4.2: %s" % mgr.seen(r"versions"))
    node.expect(BOOT_COMPLETE, 180)

    mac, ip = node_info("control1")
    ifname = node.run("for d in /sys/class/net/*; do "
                      "[ \"$(cat $d/address)\" = %s ] && echo ${d##*/}; done; true" % mac).strip()
    t.check(ifname, "no interface with MAC %s on the node" % mac)
    node.run("ip addr add %s/24 dev %s && ip link set %s up" % (ip, ifname, ifname))
    # the bridge learns and forwards at once (forward_delay 0); allow ARP a few tries
    node.run("ping -c 1 -W 2 %s || ping -c 3 -W 2 %s" % (manager_ip(), manager_ip()), 30)

    node.run("mkdir -p /share && mount -t nfs4 -o vers=4.2 %s:/share /share" % manager_ip(), 60)
    node.run("echo hello-from-control1 > /share/hello")
    out = mgr.run("cat /share/hello")
    t.check(out.strip() == "hello-from-control1", "manager sees %r in /share/hello" % out)
    mgr.run("echo hello-from-manager > /share/back")
    out = node.run("cat /share/back")
    t.check(out.strip() == "hello-from-manager", "node sees %r in /share/back" % out)
    t.check(net.exists(), "test network namespace vanished while in use")
