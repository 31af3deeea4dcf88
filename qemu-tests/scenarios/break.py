"""ekinit.break=modules: a shell before the modules step; boot resumes after it exits."""

from checks import BOOT_TIMEOUT, loaded_modules, step_re


def run(t):
    vm = t.boot("ekinit.break=modules ekinit.shell=1")
    vm.expect(r"ekinit: break before modules: shell started, exit it to resume boot",
              BOOT_TIMEOUT)
    t.check(not vm.seen(step_re("modules")), "modules step ran before the break")
    mods = loaded_modules(vm)
    t.check("br_netfilter" not in mods, "br_netfilter already loaded in the break shell")

    vm.exit_shell()
    vm.expect(r"ekinit: resuming boot", 60)
    vm.expect(step_re("modules"), 60)
    vm.expect(r"ekinit: boot complete in \d+ ms", 60)
    mods = loaded_modules(vm)       # now in the ekinit.shell=1 console shell
    t.check("br_netfilter" in mods, "br_netfilter not loaded after resume")
