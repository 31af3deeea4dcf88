"""SIGINT to PID 1 (what ctrl-alt-del sends) reboots the machine."""

from checks import wait_boot


def run(t):
    vm = t.boot("ekinit.shell=1")
    wait_boot(t, vm)
    vm.sync_shell()
    vm.send("kill -INT 1\n")
    vm.expect(r"ekinit: shutdown: reboot", 60)
    vm.expect(r"reboot: Restarting system", 60)
    rc = vm.wait_exit(30)
    t.check(rc == 0, "QEMU exited with %s" % rc)
