"""PXE boot as Warewulf does it: the NIC's iPXE ROM, DHCP (dnsmasq) and HTTP in the test network, kernel + image/system/runtime initrds, ekinit as init; the node boots and mounts the share.

No -kernel: QEMU's firmware boots worker1 from its virtio NIC with Debian's
iPXE ROM. dnsmasq (bound to the namespace's bridge) gives it its reserved
address and the URL of an iPXE script shaped like Warewulf's; the script
fetches the bzImage and three initrds over HTTP (lib/pxe.py) and boots with
rdinit=/sbin/ekinit and wwid=${mac}. The manager stand-in serves /share."""

import re

import pxe
from checks import step_re
from cluster import boot_manager, wait_manager, manager_ip, node_info
from netchecks import wait_network, wait_remote_fs, wait_complete, check_share_mounted

NODE = "worker1"
VMS = 2
COST = 40                   # host seconds under TCG (the runner starts long scenarios first)
IPXE_TIMEOUT = 120          # host seconds from power on to ekinit's first line (~20 s here, TCG)


def run(t):
    mac, ip = node_info(NODE)
    net = t.network()
    mgr = boot_manager(t, net)
    srv = pxe.Server(t, net, NODE, pxe.cmdline("ekinit.shell=1")).start()
    try:
        vm = pxe.boot(t, net, NODE)

        # iPXE, on the serial console through SeaBIOS: our script runs for our MAC
        vm.expect(r"iPXE", IPXE_TIMEOUT)
        vm.expect(r"ektest: booting %s from http://" % re.escape(mac), IPXE_TIMEOUT)
        srv.dhcp.wait(r"DHCPACK\(br0\) %s %s %s" % (re.escape(ip), re.escape(mac), NODE),
                      IPXE_TIMEOUT)
        vm.expect(step_re("cmdline"), IPXE_TIMEOUT)      # ekinit's first step line
        t.check(not vm.seen(r"ektest: iPXE boot failed"), "the iPXE script failed")

        # what was fetched, each once and completely, over HTTP
        for name in ("boot.ipxe", "kernel", "image", "system", "runtime"):
            got = srv.http.seen(r"^pxe-http: GET /%s (\d+) (\d+)$" % re.escape(name))
            t.check(len(got) == 1 and got[0][1].group(1) == "200",
                    "HTTP requests for /%s: %s" % (name, [m.group(0) for _, m in got]))
        order = [m.group(1) for _, m in srv.http.seen(r"^pxe-http: GET /(\S+) ")]
        t.check(order == ["boot.ipxe", "kernel", "image", "system", "runtime"],
                "HTTP requests in the order %s" % order)

        wait_network(t, vm, ip)
        wait_remote_fs(t, vm)
        wait_complete(vm)
        wait_manager(mgr)
        t.check(not vm.seen(r"Initramfs unpacking failed"),
                "the kernel did not unpack every initrd")
        t.check(not vm.seen(r"ekinit: .*wwid"),
                "ekinit complained about Warewulf's wwid= argument")

        # the kernel got the script's command line, and ekinit is PID 1 from it
        cmd = vm.run("cat /proc/cmdline")
        for want in ("rdinit=/sbin/ekinit", "wwid=%s" % mac, "initrd=runtime"):
            t.check(want in cmd.split(), "/proc/cmdline lacks %s: %s" % (want, cmd))
        comm = vm.run("cat /proc/1/comm").strip()
        t.check(comm == "ekinit", "PID 1 is %r" % comm)

        # later initrds win: image wrote a b c, system b c, runtime c
        layers = vm.run("cat %s/a %s/b %s/c" % ((pxe.LAYERS,) * 3)).split()
        t.check(layers == ["image", "system", "runtime"],
                "layer files read %s, expected image system runtime" % layers)
        host = vm.run("hostname").strip()
        t.check(host == NODE, "hostname %r (the system overlay's /etc/hostname lost)" % host)
        conf = vm.run("cat /etc/ekinit/node.conf")
        t.check("id = %s" % NODE in conf and "hwaddr = %s" % mac in conf,
                "node.conf from the runtime initrd:\n%s" % conf)

        # the share from the manager, both ways
        src, _ = check_share_mounted(t, vm)
        t.check(src == "%s:/share" % manager_ip(), "/share from %s" % src)
        vm.run("echo pxe-booted-%s > /share/from-%s" % (NODE, NODE))
        out = mgr.run("cat /share/from-%s" % NODE)
        t.check(out.strip() == "pxe-booted-%s" % NODE, "manager reads %r" % out)
    finally:
        srv.stop()
