"""`reboot` from the console shell restarts the machine (QEMU exits: -no-reboot)."""

from checks import wait_boot


def run(t):
    vm = t.boot("ekinit.shell=1")
    wait_boot(t, vm)
    vm.sync_shell()
    vm.send("reboot\n")
    vm.expect(r"ekinit: shutdown: reboot", 60)
    vm.expect(r"reboot: Restarting system", 60)
    rc = vm.wait_exit(30)
    t.check(rc == 0, "QEMU exited with %s" % rc)
