"""Debian's own units for containerd (+runc), haproxy, keepalived and openssh-server start under ekinit (sd_notify), ctr runs a container from an OCI tarball, haproxy listens, keepalived holds the VIP, sshd answers; poweroff stops them in reverse order.

One node VM (1024 MB, control1's overlay, net0 on a bridge in a test namespace, no NFS share)
whose image adds the packages' binaries, libraries (from the dependency closure) and unit files,
enabled by links in multi-user.target.wants/, plus fixtures/services/ (test configuration and
after-all.service, ordered after the four daemons) and an OCI image tarball built offline by
lib/svcimage.py."""

import json
import os
import re
import time

from checks import BOOT_COMPLETE
from cluster import node_image, node_info
from netchecks import wait_network
import svcimage

COST = 45                   # host seconds under TCG (the runner starts long scenarios first)

NODE = "control1"
DAEMONS = ["containerd.service", "haproxy.service", "keepalived.service", "ssh.service"]
SD_NOTIFY = ["containerd.service", "haproxy.service", "ssh.service"]
VIP = "10.10.0.100/24"
# the node's local fstab: no NFS share in this scenario (no manager VM)
FSTAB = ("rootfs / tmpfs defaults 0 0\n"
         "proc /proc proc defaults 0 0\n"
         "sysfs /sys sysfs defaults 0 0\n")
READY_TIMEOUT = 240          # host seconds: TCG, containerd's first start loads every plugin


def until(t, what, fn, timeout):
    """Poll fn() -> (done, value) (a guest command round trip each time, no
    sleeps) until done; returns the value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        ok, last = fn()
        if ok:
            return last
    t.check(False, "%s: not within %.0f s; last: %s" % (what, timeout, last))


def wait_started(t, vm, units, timeout):
    """Wait for ekinit's console line saying each unit started (ready) or
    failed, whatever the order; lines already printed count."""
    rx = r"ekinit: (?:started |error: )(%s)\b" % "|".join(re.escape(u) for u in units)
    left = set(units) - {m.group(1) for m in vm.seen(rx)}
    deadline = time.monotonic() + timeout
    while left:
        m = vm.expect(rx, max(0.1, deadline - time.monotonic()))
        left.discard(m.group(1))


def status_json(vm):
    """`ekctl status --json`, parsed (command output has a serial port of its own)."""
    out = vm.run("ekctl status --json", 30)
    try:
        return json.loads(out)
    except ValueError as e:
        raise AssertionError("`ekctl status --json` is not JSON (%s): %r" % (e, out[:300]))


def services_of(vm):
    svcs = status_json(vm).get("services") or []
    return {s.get("name"): s for s in svcs}


def run(t):
    problems = []            # checks that do not stop the scenario; reported together at the end

    def soft(cond, msg):
        if not cond:
            problems.append(msg)
            vm.note("PROBLEM: " + msg)
        return cond

    t0 = time.monotonic()
    net = t.network()
    mac, ip = node_info(NODE)
    base = node_image(t.image, NODE, out=os.path.dirname(t.image.initrd),
                      extra_files={"/etc/fstab": FSTAB}, scope=t.name)
    initrd, size, note = svcimage.services_image(base)
    build_s = time.monotonic() - t0
    vm = t.boot("ekinit.shell=1", memory=1024, initrd=initrd, net=net, mac=mac, label=NODE)
    vm.note("image %s: %.1f MB uncompressed, built in %.1f s; %s"
            % (os.path.basename(initrd), size / 1e6, build_s, note))

    wait_network(t, vm, ip, timeout=READY_TIMEOUT)
    vm.wait_seen(BOOT_COMPLETE, READY_TIMEOUT)  # may come before the network line

    # containerd, haproxy and sshd ready: their readiness is sd_notify READY=1
    wait_started(t, vm, SD_NOTIFY, READY_TIMEOUT)
    svcs = services_of(vm)
    for name in SD_NOTIFY:
        s = svcs.get(name) or {}
        t.check(s.get("state") == "running" and s.get("why") == "ready",
                "%s: %s (%s)" % (name, s.get("state"), s.get("why")))
    vm.note("containerd, haproxy, ssh ready %.1f s after QEMU start" % vm.elapsed())
    # An early unit's first output lines are echoed to the console while it starts.
    t.check(vm.seen(r"ekinit: containerd\.service: .*containerd"),
            "containerd's start-up output was not echoed to the console")

    # keepalived holds the VIP on net0 (VRRP MASTER after one advert timeout)
    def vip():
        a = vm.run("ip -o -4 addr show dev net0")
        return VIP in a, a
    until(t, "keepalived's VIP %s on net0" % VIP, vip, 60)

    # each daemon in its own cgroup, with memory and tasks in `ekctl status NAME`
    for name in DAEMONS:
        procs = vm.run("cat /sys/fs/cgroup/system.slice/%s/cgroup.procs" % name)
        soft(procs.strip(), "%s: no process in system.slice/%s" % (name, name))
        out = vm.run("ekctl status %s" % name)
        soft(re.search(r"(?m)^\s*memory: \d", out) and re.search(r"(?m)^\s*tasks: [1-9]", out),
             "%s: ekctl status shows no memory/tasks:\n%s" % (name, out))

    # containerd: import an OCI tarball built offline, run a container (pivot_root on tmpfs)
    out = vm.run("ctr images import %s" % svcimage.OCI_TAR, 180)
    t.check(svcimage.OCI_NAME in vm.run("ctr images ls -q"), "image not imported:\n%s" % out)
    out = vm.run("ctr run --rm %s t1 /bin/busybox echo hello-from-container"
                 % svcimage.OCI_NAME, 180)
    soft("hello-from-container" in out, "ctr run printed:\n%s" % out)

    # haproxy listens on 8443 and forwards to a backend on 127.0.0.1:6443 (busybox nc)
    listen = vm.run("netstat -ltn")
    soft(re.search(r":8443\s", listen), "nothing listens on 8443:\n%s" % listen)

    def through_haproxy():
        # busybox nc as a one-shot backend; the client's stdin ends at once, so a reply can
        # lose the race with the close: a new backend and connection per try
        vm.run("nc -l -p 6443 -e echo hello-from-backend &")
        until(t, "backend listening", lambda: (":6443 " in vm.run("netstat -ltn"), None), 30)
        out = vm.run("nc 127.0.0.1 8443 </dev/null; kill %1 2>/dev/null; wait", 30)
        return "hello-from-backend" in out, out
    until(t, "a reply through haproxy :8443 from the backend on :6443", through_haproxy, 90)

    # sshd answers with its banner
    out = vm.run("echo | nc -w 5 127.0.0.1 22", 30)
    soft(out.lstrip().startswith("SSH-2.0-"), "sshd on 127.0.0.1:22 said %r" % out)

    # keepalived's own readiness (sd_notify) within its TimeoutStartSec (90 s)
    wait_started(t, vm, ["keepalived.service"], 150)
    k = services_of(vm).get("keepalived.service") or {}
    soft(k.get("state") == "running",
         "keepalived.service is %s (%s): keepalived 2.2.7 sends READY=1 only when "
         "/proc/1/stat starts with '1 (systemd) '" % (k.get("state"), k.get("why")))
    a = services_of(vm).get("after-all.service") or {}
    soft(a.get("state") == "exited", "after-all.service is %s (%s)" % (a.get("state"), a.get("why")))
    stopped_before = [n for n in DAEMONS if (services_of(vm).get(n) or {}).get("state") != "running"]

    # poweroff: after-all stops first, then the four daemons, then power down
    since = len(vm.lines)
    vm.send("poweroff\n")
    rc = vm.wait_exit(180)
    lines = [text for _, text in vm.lines[since:]]
    vm.note("QEMU exit status %s; poweroff took %.1f s" % (rc, vm.elapsed() - vm.lines[since][0]))

    def first(pattern):
        rx = re.compile(pattern)
        return next((i for i, l in enumerate(lines) if rx.search(l)), None)
    a_stopping = first(r"ekinit: stopping after-all\.service")
    marker = first(r"ektest: after-all stopping")
    a_stopped = first(r"ekinit: stopped after-all\.service")
    t.check(None not in (a_stopping, a_stopped, marker) and a_stopping < marker < a_stopped,
            "after-all: stopping at %s, marker at %s, stopped at %s"
            % (a_stopping, marker, a_stopped))
    for name in DAEMONS:
        if name in stopped_before:
            continue
        n = re.escape(name)
        stopping, stopped = first(r"ekinit: stopping %s" % n), first(r"ekinit: stopped %s" % n)
        soft(stopping is not None and stopped is not None,
             "%s: no 'stopping'/'stopped' lines on the console" % name)
        soft(stopping is None or stopping > a_stopped,
             "%s began stopping before after-all had stopped" % name)
    t.check(first(r"reboot: Power down") is not None, "no 'reboot: Power down'")
    t.check(not problems, "; ".join(problems))
