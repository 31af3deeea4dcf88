"""ekinit.shell=1: a console shell runs commands and is respawned after it exits."""

from checks import wait_boot


def run(t):
    vm = t.boot("ekinit.shell=1")
    vm.expect(r"ekinit: console shell on /dev/ttyS0", 60)
    out = vm.run("echo $((6*7))")
    t.check(out.strip() == "42", "echo $((6*7)) printed %r" % out)
    wait_boot(t, vm)
    pid1 = vm.run("echo $$").strip()

    vm.exit_shell()
    out = vm.run("echo $((6*7))", timeout=60)
    t.check(out.strip() == "42", "after respawn, echo $((6*7)) printed %r" % out)
    pid2 = vm.run("echo $$").strip()
    t.check(pid1 != pid2, "shell pid %s did not change: not respawned?" % pid1)
