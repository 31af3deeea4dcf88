"""Full boot: tmpfs root (rshared, rootfs emptied), API mounts, cgroups, modules, sysctls, boot.json, ekctl status."""

import json

from checks import STEPS, wait_boot, mounts, loaded_modules


def run(t):
    vm = t.boot("ekinit.shell=1")
    steps = wait_boot(t, vm)
    t.check(vm.seen(r"ekinit: console shell on /dev/ttyS0"), "no 'console shell' line")

    # PID 1 writes its lines through a description of the console of its own, non-blocking; the
    # kernel's description on its fds 0-2, which what it starts may inherit, stays blocking (a
    # shared O_NONBLOCK made a child's write fail with EAGAIN and its line was lost).
    # (By device number: the kernel opened /dev/console in the initramfs, emptied since, so the
    # link of fds 0-2 may read "/dev/console (deleted)".)
    fds = {}
    for line in vm.run("cd /proc/1/fd && for n in *; do "
                       "echo \"$n $(awk '/^flags:/ {print $2}' ../fdinfo/$n) $(stat -L -c %t:%T $n)\"; "
                       "done").splitlines():
        f = line.split()
        if len(f) == 3 and f[0].isdigit():
            fds[int(f[0])] = (f[2], int(f[1], 8))
    nonblock = 0o4000
    t.check(2 in fds and fds[2][0] == "5:1" and not fds[2][1] & nonblock,
            "PID 1's fd 2 is not a blocking /dev/console (5:1): %s" % (fds.get(2),))
    own = [n for n, (dev, fl) in fds.items() if n > 2 and dev == "5:1" and fl & nonblock]
    t.check(own, "PID 1 has no non-blocking console description of its own: %s" % fds)

    # API filesystems
    m = mounts(vm)
    want = {"/proc": "proc", "/sys": "sysfs", "/dev": ("devtmpfs", "tmpfs"),
            "/dev/pts": "devpts", "/dev/shm": "tmpfs", "/run": "tmpfs",
            "/sys/fs/cgroup": "cgroup2", "/sys/fs/bpf": "bpf"}
    for mp, fs in want.items():
        fs = fs if isinstance(fs, tuple) else (fs,)
        t.check(m.get(mp) in fs, "%s mounted as %s, expected %s" % (mp, m.get(mp), "|".join(fs)))

    # / is a tmpfs (not the initramfs rootfs) and shared
    t.check(m.get("/") == "tmpfs", "/ is %s, expected tmpfs" % m.get("/"))
    mode = vm.run("stat -c %a /").strip()
    t.check(mode == "755", "/ has mode %s after the root move, expected 755" % mode)
    info = vm.run("awk '$5 == \"/\"' /proc/self/mountinfo")
    t.check("shared:" in info, "/ is not shared: %s" % info)

    # the rootfs copy was freed: tmpfs-backed pages (Shmem) hold ~1 copy
    result, detail = steps["root-move"]
    t.check(result == "ok" and "rootfs emptied" in detail,
            "root-move did not report an emptied rootfs: %s %s" % (result, detail))
    shmem_kb = int(vm.run("awk '/^Shmem:/ {print $2}' /proc/meminfo").strip())
    limit_kb = 1.5 * t.image.size / 1024
    t.check(shmem_kb < limit_kb, "Shmem %d KiB >= 1.5 x image (%d KiB): rootfs not freed?"
            % (shmem_kb, limit_kb))

    # cgroup2 controllers all delegated to children
    ctrl = vm.run("cat /sys/fs/cgroup/cgroup.controllers").split()
    sub = vm.run("cat /sys/fs/cgroup/cgroup.subtree_control").split()
    missing = [c for c in ctrl if c not in sub]
    t.check(ctrl and not missing, "controllers %s not in subtree_control %s" % (missing, sub))

    # hostname and loopback
    t.check(vm.run("cat /proc/sys/kernel/hostname").strip() == "node1", "hostname is not node1")
    flags = int(vm.run("cat /sys/class/net/lo/flags").strip(), 16)
    t.check(flags & 1, "lo is not up (flags %#x)" % flags)

    # modules (built-in list + modules-load.d) and sysctls (after modules)
    mods = loaded_modules(vm)
    for mod in ("overlay", "br_netfilter", "dummy"):
        t.check(mod in mods, "module %s not loaded (have %s)" % (mod, sorted(mods)))
    v = vm.run("cat /proc/sys/net/bridge/bridge-nf-call-iptables").strip()
    t.check(v == "1", "net.bridge.bridge-nf-call-iptables = %s, expected 1" % v)
    v = vm.run("cat /proc/sys/vm/swappiness").strip()
    t.check(v == "33", "vm.swappiness = %s, expected 33" % v)
    t.check(vm.seen(r"ekinit: warning: .*no_such_key_for_test"),
            "no warning about kernel.no_such_key_for_test")
    # A configuration name that leads nowhere (Debian's modules-load.d/modules.conf -> /etc/modules
    # on an image without it; here fixtures' dangling.conf) is skipped quietly, as systemd does.
    t.check(not vm.seen(r"ekinit: warning: .*dangling\.conf"),
            "a dangling /etc/modules-load.d symlink gave a warning")

    # tmpfiles.d: a directory and a symlink under /run, made at boot
    out = vm.run("stat -c '%a %F' /run/ektest; readlink /run/ektest/link")
    t.check(out.split() == ["750", "directory", "/etc/hostname"], "tmpfiles.d entries: %r" % out)

    # boot timeline
    boot = json.loads(vm.run("cat /run/ekinit/boot.json"))
    t.check("boot_id" in boot and "complete_ms" in boot, "boot.json lacks boot_id/complete_ms")
    # Events in the order the steps started: network waits for modules, so it may start after fstab.
    order = [e["step"] for e in boot["events"] if e.get("step") in STEPS]
    t.check(sorted(order) == sorted(STEPS) and order[:4] == STEPS[:4],
            "boot.json steps %s, expected %s (network may start later)" % (order, STEPS))
    # The graph: modules ran beside hostname/loopback/tmpfiles (they started before it ended),
    # fstab and sysctl started only after modules ended.
    ev = {e["step"]: e for e in boot["events"]}
    end = lambda s: ev[s]["start_ms"] + ev[s]["duration_ms"]
    t.check(ev["hostname"]["start_ms"] < end("modules"),
            "hostname did not start while modules ran: %s" % json.dumps([ev["modules"], ev["hostname"]]))
    t.check(ev["sysctl"]["start_ms"] >= end("modules") - 1,
            "sysctl started before modules ended: %s" % json.dumps([ev["modules"], ev["sysctl"]]))
    t.check(ev["fstab"]["start_ms"] >= end("modules") - 1,
            "fstab started before modules ended: %s" % json.dumps([ev["modules"], ev["fstab"]]))
    for e in boot["events"]:
        for k in ("start_ms", "duration_ms", "result"):
            t.check(k in e, "boot.json event %s lacks %s" % (e, k))

    # ekctl analyze: the boot steps, which ran in a child, and the boot's critical chain
    an = json.loads(vm.run("ekctl analyze --json"))
    steps = {s["step"]: s for s in an.get("boot_steps", [])}
    t.check(steps.get("modules", {}).get("in_child") is True and steps.get("sysctl", {}).get("in_child") is False,
            "ekctl analyze --json boot_steps: %s" % json.dumps(an.get("boot_steps"))[:400])
    chain = an.get("boot_critical_chain") or []
    t.check(chain[:1] == ["cmdline"] and "modules" in chain,
            "boot critical chain %s: expected it to start at cmdline and pass through modules" % chain)
    out = vm.run("ekctl analyze")
    t.check("boot critical chain: cmdline" in out and "modules [child]" in out, "ekctl analyze:\n" + out)

    # ekctl
    out = vm.run("ekctl status")
    t.check("state: running" in out, "ekctl status says no 'state: running':\n" + out)
    st = json.loads(vm.run("ekctl status --json"))
    t.check(st.get("state") == "running" and "events" in st,
            "ekctl status --json: %s" % json.dumps(st)[:300])
