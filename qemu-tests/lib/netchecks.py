"""Expectations about ekinit's network and mount steps (the console contract),
shared by the multi-VM scenarios."""

import re

from checks import step_re, BOOT_COMPLETE

NODECONF = "/etc/ekinit/node.conf"
RETRY_RE = r"ekinit: /share: .*retrying; giving up in (\d+) s"
BOOT_TIMEOUT = 240          # host seconds; up to 4 VMs under TCG on 2 cores


def wait_network(t, vm, ip, device="net0", prefix=24, timeout=BOOT_TIMEOUT):
    """'network ok (N ms): net0 IP/24 up, ...'; returns the line's detail."""
    m = vm.expect(step_re("network"), timeout)
    t.check(m.group(2) == "ok", "%s: network %s%s" % (vm.name, m.group(2), m.group(3)))
    want = "%s %s/%d up" % (device, ip, prefix)
    t.check(want in m.group(3), "%s: network step says %r, expected it to name %r"
            % (vm.name, m.group(3), want))
    return m.group(3)


def wait_remote_fs(t, vm, timeout=BOOT_TIMEOUT):
    """The remote-fs step ends ok; returns the match."""
    m = vm.expect(step_re("remote-fs"), timeout)
    t.check(m.group(2) == "ok", "%s: remote-fs %s%s" % (vm.name, m.group(2), m.group(3)))
    return m


def wait_complete(vm, timeout=BOOT_TIMEOUT):
    """'boot complete', before or after the current position (the remote-fs
    step may finish in the background after it)."""
    done = vm.seen(BOOT_COMPLETE)
    return done[0] if done else vm.expect(BOOT_COMPLETE, timeout)


def host_time(vm, pattern):
    """Host monotonic time of the first console line matching pattern, or None."""
    rx = re.compile(pattern)
    for t, text in list(vm.lines):
        if rx.search(text):
            return vm.t0 + t
    return None


def check_share_mounted(t, vm):
    m = {}
    for line in vm.run("cat /proc/self/mounts").splitlines():
        f = line.split()
        if len(f) >= 3:
            m[f[1]] = (f[0], f[2], f[3] if len(f) > 3 else "")
    src, fs, opts = m.get("/share", (None, None, ""))
    t.check(fs == "nfs4", "%s: /share is %s (%s), expected nfs4" % (vm.name, fs, src))
    return src, opts
