"""A process that ignores SIGTERM is killed after the deadline; shutdown still syncs, unmounts and
powers off. `poweroff -f` skips PID 1 altogether."""

from checks import wait_boot

COST = 17                   # host seconds under TCG (the runner starts long scenarios first)


def run(t):
    vm = t.boot("ekinit.shell=1")
    wait_boot(t, vm)
    vm.run("(setsid sh -c 'trap \"\" TERM HUP; while :; do sleep 1; done' </dev/null >/dev/null 2>&1 &)")
    vm.send("poweroff\n")
    vm.expect(r"ekinit: shutdown: poweroff$", 60)
    vm.expect(r"ekinit: shutdown: processes still running after \d+ ms, sending SIGKILL", 60)
    vm.expect(r"ekinit: shutdown: file systems synced and unmounted", 60)
    vm.expect(r"reboot: Power down", 60)
    t.check(vm.wait_exit(30) == 0, "QEMU did not exit cleanly")

    vm2 = t.boot("ekinit.shell=1")
    wait_boot(t, vm2)
    vm2.send("poweroff -f\n")
    vm2.expect(r"reboot: Power down", 60)
    t.check(not vm2.seen(r"ekinit: shutdown:"), "poweroff -f went through PID 1")
