"""`halt` from the console shell halts the machine (CPU stopped, QEMU keeps running)."""

from checks import wait_boot


def run(t):
    vm = t.boot("ekinit.shell=1")
    wait_boot(t, vm)
    vm.sync_shell()
    vm.send("halt\n")
    vm.expect(r"ekinit: shutdown: halt", 60)
    vm.expect(r"reboot: System halted", 60)
