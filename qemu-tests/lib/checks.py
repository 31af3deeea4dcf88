"""Shared expectations about ekinit's console contract, for scenarios."""

import json
import re
import time

# ekinit's boot steps in the order they start (root-move re-execs ekinit from the new root),
# except that network waits for modules and may start later. They form a small graph: modules and
# network run in child processes beside the others, so their console lines (printed when a step
# ends) may come in another order, and the network's and remote-fs's may come after "boot complete".
STEPS = ["cmdline", "root-move", "mount-api", "modules", "hostname", "loopback", "tmpfiles",
         "network", "fstab", "sysctl", "remote-fs"]
STEP_RE = r"ekinit: \[\s*[\d.]+\] (%s) (ok|failed|skipped)(.*)$"
BOOT_COMPLETE = r"ekinit: boot complete in \d+ ms"
BOOT_TIMEOUT = 120      # host seconds; TCG with two VMs in parallel
CONSOLE_DROPPED = r"ekinit: \d+ console lines dropped"
BOOT_JSON = "/run/ekinit/boot.json"


def step_re(step=None):
    return STEP_RE % (re.escape(step) if step else r"[\w-]+")


def wait_boot(t, vm, timeout=BOOT_TIMEOUT):
    """Wait for 'boot complete' and for the steps still running then (network,
    remote-fs); check every step was reported once and none failed; sysctl
    ends after modules. Returns {step: (result, rest)}.

    ekinit never blocks on a slow console: when the UART cannot take a line (a busy host, a shell
    echoing on the same console) it drops it and says how many it dropped. A step whose line was
    dropped is then read from /run/ekinit/boot.json through the shell channel, which is the
    record the console line only mirrors."""
    vm.expect(BOOT_COMPLETE, timeout)
    deadline = time.monotonic() + timeout
    dropped = False
    for step in STEPS:
        m = vm.wait_seen("%s|%s" % (step_re(step), CONSOLE_DROPPED), max(1.0, deadline - time.monotonic()))
        dropped = dropped or bool(re.search(CONSOLE_DROPPED, m.group(0)))
    seen = [(m.group(1), m.group(2), m.group(3)) for m in vm.seen(step_re())]
    on_console = {s for s, _, _ in seen}
    missing = [s for s in STEPS if s not in on_console]
    ended = {}
    if missing:
        t.check(dropped and vm.shell_channel,
                "boot steps %s never reported on the console (and no console line was dropped)" % missing)
        ended = steps_from_boot_json(t, vm, missing, deadline)
        seen += [(s, r, rest) for s, (r, rest) in ended.items()]
    names = [s for s, _, _ in seen]
    t.check(sorted(names) == sorted(STEPS), "boot steps reported %s, expected each of %s once" % (names, STEPS))
    if "sysctl" in on_console and "modules" in on_console:
        t.check(names.index("sysctl") > names.index("modules"), "sysctl ended before modules: %s" % names)
    failed = ["%s%s" % (s, rest) for s, r, rest in seen if r == "failed"]
    t.check(not failed, "boot steps failed: %s" % "; ".join(failed))
    return {s: (r, rest) for s, r, rest in seen}


def steps_from_boot_json(t, vm, steps, deadline):
    """{step: (result, rest)} for steps that have ended, from boot.json (polled through the shell,
    a guest round trip each time, until they all have or the deadline passes); rest is what the
    console line would have said after the result."""
    got = {}
    while True:
        boot = json.loads(vm.run("cat %s" % BOOT_JSON))
        for e in boot.get("events", []):
            if e.get("step") in steps and e.get("result") in ("ok", "failed", "skipped"):
                detail = e.get("detail") or ""
                rest = (" (%.0f ms)%s" % (e.get("duration_ms", 0), ": " + detail if detail else "")
                        if e["result"] == "ok" else ": " + detail)
                got[e["step"]] = (e["result"], rest)
        if len(got) == len(steps) or time.monotonic() > deadline:
            break
    t.check(len(got) == len(steps), "boot steps %s not ended in %s by the deadline: %s"
            % ([s for s in steps if s not in got], BOOT_JSON, json.dumps(boot.get("events", []))))
    return got


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
