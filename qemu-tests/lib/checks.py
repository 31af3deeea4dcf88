"""Shared expectations about ekinit's console contract, for scenarios."""

import re

# ekinit's boot steps in the order they start (root-move re-execs ekinit from the new root),
# except that network waits for modules and may start later. They form a small graph: modules and
# network run in child processes beside the others, so their console lines (printed when a step
# ends) may come in another order, and the network's and remote-fs's may come after "boot complete".
STEPS = ["cmdline", "root-move", "mount-api", "modules", "hostname", "loopback", "tmpfiles",
         "network", "fstab", "sysctl", "remote-fs"]
STEP_RE = r"ekinit: \[\s*[\d.]+\] (%s) (ok|failed|skipped)(.*)$"
BOOT_COMPLETE = r"ekinit: boot complete in \d+ ms"
BOOT_TIMEOUT = 120      # host seconds; TCG with two VMs in parallel


def step_re(step=None):
    return STEP_RE % (re.escape(step) if step else r"[\w-]+")


def wait_boot(t, vm, timeout=BOOT_TIMEOUT):
    """Wait for 'boot complete' and for the steps still running then (network,
    remote-fs); check every step was reported once and none failed; sysctl
    ends after modules. Returns {step: (result, rest)}."""
    vm.expect(BOOT_COMPLETE, timeout)
    for step in STEPS:
        vm.wait_seen(step_re(step), timeout)
    seen = []
    for m in vm.seen(step_re()):
        seen.append((m.group(1), m.group(2), m.group(3)))
    names = [s for s, _, _ in seen]
    t.check(sorted(names) == sorted(STEPS), "boot steps reported %s, expected each of %s once" % (names, STEPS))
    t.check(names.index("sysctl") > names.index("modules") if "sysctl" in names and "modules" in names else True,
            "sysctl ended before modules: %s" % names)
    failed = ["%s%s" % (s, rest) for s, r, rest in seen if r == "failed"]
    t.check(not failed, "boot steps failed: %s" % "; ".join(failed))
    return {s: (r, rest) for s, r, rest in seen}


def mounts(vm):
    """{mountpoint: fstype} of the guest shell's mount namespace (last wins)."""
    out = {}
    for line in vm.run("cat /proc/self/mounts").splitlines():
        f = line.split()
        if len(f) >= 3 and f[1].startswith("/"):
            out[f[1]] = f[2]
    return out


def loaded_modules(vm):
    return {l.split()[0] for l in vm.run("cat /proc/modules").splitlines() if l.strip()}
