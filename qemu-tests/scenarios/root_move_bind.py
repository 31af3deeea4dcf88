"""ekinit.rootmove=bind: the initramfs becomes / by a bind mount, nothing copied, and containerd
still runs a container (runc's pivot_root needs a root that is a mount with a parent)."""

import os
import re

from checks import step_re
from cluster import node_image, node_info
import svcimage

COST = 40                   # host seconds under TCG (the runner starts long scenarios first)

NODE = "control1"
FSTAB = ("proc /proc proc defaults 0 0\n"
         "sysfs /sys sysfs defaults 0 0\n")
TIMEOUT = 240          # host seconds: TCG, containerd's first start loads every plugin


def run(t):
    net = t.network()
    mac, _ = node_info(NODE)
    base = node_image(t.image, NODE, out=os.path.dirname(t.image.initrd),
                      extra_files={"/etc/fstab": FSTAB}, scope=t.name)
    initrd, _, _ = svcimage.services_image(base)
    vm = t.boot("ekinit.shell=1 ekinit.rootmove=bind", memory=1024, initrd=initrd, net=net, mac=mac,
                label=NODE)
    m = vm.wait_seen(step_re("root-move"), TIMEOUT)
    t.check(m.group(2) == "ok" and "bind" in m.group(3) and "nothing copied" in m.group(3),
            "root-move: %s" % m.group(0))
    # Exactly one mount on / above rootfs (not recursive: no second /proc under it).
    mi = vm.run("cat /proc/self/mountinfo")
    roots = [l for l in mi.splitlines() if l.split()[4:5] == ["/"]]
    t.check(len(roots) == 1, "mounts on /: %s" % roots)
    procs = [l for l in mi.splitlines() if l.split()[4:5] == ["/proc"]]
    t.check(len(procs) == 1, "/proc mounted %d times:\n%s" % (len(procs), mi))
    fstype = vm.run("stat -f -c %T /").strip()
    t.check(fstype in ("tmpfs", "ramfs"), "statfs(/) says %r" % fstype)
    t.check(vm.run("ls /.ekinit-root 2>&1 || echo gone").strip().endswith("gone"),
            "the bind mount's directory was left behind")

    vm.wait_seen(r"ekinit: started containerd\.service", TIMEOUT)
    out = vm.run("ctr images import %s" % svcimage.OCI_TAR, 180)
    t.check(svcimage.OCI_NAME in vm.run("ctr images ls -q"), "image not imported:\n%s" % out)
    out = vm.run("ctr run --rm %s t1 /bin/busybox echo hello-from-container" % svcimage.OCI_NAME, 180)
    t.check("hello-from-container" in out, "ctr run on the bind-moved root printed:\n%s" % out)
    m = re.search(r"pivot_root", out)
    t.check(not m, "ctr run complained about pivot_root:\n%s" % out)
