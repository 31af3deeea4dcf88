"""The shutdown signals: SIGTERM reboots, SIGUSR2 powers off, SIGUSR1 halts."""

from checks import wait_boot


def run(t):
    cases = [("TERM", "reboot", r"reboot: Restarting system"),
             ("USR2", "poweroff", r"reboot: Power down"),
             ("USR1", "halt", r"reboot: System halted")]
    vms = [t.boot("ekinit.shell=1") for _ in cases]
    for vm in vms:
        wait_boot(t, vm)
    for vm, (sig, _, _) in zip(vms, cases):
        vm.send("kill -%s 1\n" % sig)
    for vm, (sig, kind, kernel_line) in zip(vms, cases):
        vm.expect(r"ekinit: shutdown: %s$" % kind, 60)
        vm.expect(kernel_line, 60)
        t.check(not vm.seen(r"Kernel panic"), "SIGUSR/TERM %s: kernel panic" % sig)
