"""PID 1 crashing (SIGSEGV) never panics the kernel: it says why, offers a shell, then reboots."""

from checks import wait_boot

COST = 13                   # host seconds under TCG (the runner starts long scenarios first)


def run(t):
    vm = t.boot("ekinit.shell=1")
    wait_boot(t, vm)
    # A SIGSEGV delivered by kill() runs the same handler a real segfault would.
    vm.send("kill -SEGV 1\n")
    vm.expect(r"ekinit: FATAL: PID 1 crashed with signal SEGV", 60)
    vm.expect(r"ekinit: starting a console shell; exit it to reboot", 30)
    # The old console shell was hung up: the one answering now is the crash shell.
    out = vm.run("echo crash-shell-$((40+2))", timeout=60)
    t.check("crash-shell-42" in out, "the crash shell did not run a command: %r" % out)
    vm.exit_shell()
    vm.expect(r"ekinit: reboot in 1 s", 60)
    vm.expect(r"reboot: Restarting system", 30)
    rc = vm.wait_exit(30)
    t.check(rc == 0, "QEMU exited with %s after the reboot" % rc)
    t.check(not vm.seen(r"Kernel panic|Attempted to kill init"), "the kernel panicked")
