"""`poweroff` from the console shell powers the machine down; QEMU exits 0."""

from checks import wait_boot


def run(t):
    vm = t.boot("ekinit.shell=1")
    wait_boot(t, vm)
    vm.sync_shell()
    vm.send("poweroff\n")
    vm.expect(r"ekinit: shutdown: poweroff", 60)
    vm.expect(r"reboot: Power down", 60)
    rc = vm.wait_exit(30)
    t.check(rc == 0, "QEMU exited with %s" % rc)
