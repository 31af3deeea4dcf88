"""A tmpfs too small for the image: root-move refuses with a clear reason and the node boots on."""

from checks import BOOT_COMPLETE, BOOT_TIMEOUT, mounts, step_re


def run(t):
    vm = t.boot("ekinit.shell=1 ekinit.rootsize=1m")
    m = vm.expect(step_re("root-move"), BOOT_TIMEOUT)
    t.check(m.group(2) == "failed", "root-move did not fail: %s" % m.group(0))
    t.check("set ekinit.rootsize=" in m.group(3) and "staying on the initramfs" in m.group(3),
            "root-move's reason does not say what to do: %s" % m.group(3))
    vm.expect(BOOT_COMPLETE, BOOT_TIMEOUT)
    # Still usable: / is the rootfs, nothing was lost, the rest of boot ran.
    t.check(mounts(vm).get("/") == "rootfs", "/ is no longer the rootfs")
    out = vm.run("ls /sbin/ekinit /usr/bin/ekctl /bin/busybox /etc/hostname && ekctl status")
    t.check("state: running" in out, "ekctl status does not say running:\n" + out)
    t.check("root-move" in out and "failed" in out, "ekctl status does not show the failed step")
    for step in ("mount-api", "modules", "sysctl"):
        t.check(vm.seen(step_re(step)), "step %s did not run after the failed root-move" % step)
