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

NODE = "control1"
DAEMONS = ["containerd.service", "haproxy.service", "keepalived.service", "ssh.service"]
VIP = "10.10.0.100/24"
# the node's local fstab: no NFS share in this scenario (no manager VM)
FSTAB = ("rootfs / tmpfs defaults 0 0\n"
         "proc /proc proc defaults 0 0\n"
         "sysfs /sys sysfs defaults 0 0\n")
READY_TIMEOUT = 240          # host seconds: TCG, containerd's first start loads every plugin


def until(t, what, fn, timeout):
    """Poll fn() (a guest command round trip each time, no sleeps) until it
    returns a true value; returns it."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        ok, last = fn()
        if ok:
            return last
    t.check(False, "%s: not within %.0f s; last: %s" % (what, timeout, last))


def status_json(vm):
    out = vm.run("ekctl status --json", 30)
    return json.loads(out[out.index("{"):])


def services_of(st):
    svcs = st.get("services") or []
    if isinstance(svcs, dict):
        return svcs
    return {s.get("name"): s for s in svcs}


def run(t):
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
    vm.expect(BOOT_COMPLETE, READY_TIMEOUT)

    # every daemon running (their readiness is sd_notify READY=1)
    def all_running():
        svcs = services_of(status_json(vm))
        states = {n: (svcs.get(n) or {}).get("state") for n in DAEMONS + ["after-all.service"]}
        failed = [n for n, s in states.items() if s == "failed"]
        t.check(not failed, "failed: %s\n%s" % (failed, vm.run("ekctl status", 30)))
        ok = all(states[n] == "running" for n in DAEMONS) and \
            states["after-all.service"] in ("exited", "running")
        return ok, states
    until(t, "all four daemons running", all_running, READY_TIMEOUT)
    vm.note("all daemons running %.1f s after QEMU start" % vm.elapsed())
    st = status_json(vm)
    vm.note("status --json services: %s" % json.dumps(services_of(st))[:3000])

    # each in its own cgroup, with memory and tasks in `ekctl status NAME`
    for name in DAEMONS:
        cg = vm.run("cat /sys/fs/cgroup/system.slice/%s/cgroup.procs" % name)
        t.check(cg.strip(), "%s: no process in system.slice/%s" % (name, name))
        out = vm.run("ekctl status %s" % name)
        t.check(re.search(r"(?im)^\s*memory\b.*\d", out) and
                re.search(r"(?im)^\s*(tasks|pids)\b.*\d", out),
                "%s: ekctl status shows no memory/tasks:\n%s" % (name, out))

    # containerd: import an OCI tarball built offline, run a container (pivot_root on tmpfs)
    out = vm.run("ctr images import %s" % svcimage.OCI_TAR, 180)
    t.check(svcimage.OCI_NAME in vm.run("ctr images ls -q"), "image not imported:\n%s" % out)
    out = vm.run("ctr run --rm %s t1 /bin/busybox echo hello-from-container"
                 % svcimage.OCI_NAME, 180)
    t.check("hello-from-container" in out, "ctr run printed:\n%s" % out)

    # haproxy listens on 8443 and forwards to the backend on 127.0.0.1:6443
    listen = vm.run("netstat -ltn")
    t.check(re.search(r":8443\s", listen), "nothing listens on 8443:\n%s" % listen)
    vm.run("nc -l -p 6443 -e echo hello-from-backend &")
    until(t, "backend listening", lambda: (":6443 " in vm.run("netstat -ltn"), None), 30)
    out = vm.run("nc 127.0.0.1 8443 </dev/null", 30)
    t.check("hello-from-backend" in out, "through haproxy :8443: %r" % out)

    # keepalived holds the VIP on net0
    def vip():
        a = vm.run("ip -o -4 addr show dev net0")
        return VIP in a, a
    until(t, "keepalived's VIP %s on net0" % VIP, vip, 60)

    # sshd answers with its banner
    out = vm.run("echo | nc -w 5 127.0.0.1 22", 30)
    t.check(out.lstrip().startswith("SSH-2.0-"), "sshd on 127.0.0.1:22 said %r" % out)

    # poweroff: after-all stops first, then the four daemons, then power down
    since = len(vm.lines)
    vm.send("poweroff\n")
    rc = vm.wait_exit(180)
    lines = [text for _, text in vm.lines[since:]]
    vm.note("QEMU exit status %s" % rc)

    def first(pattern):
        rx = re.compile(pattern)
        return next((i for i, l in enumerate(lines) if rx.search(l)), None)
    a_stopping = first(r"ekinit: stopping after-all\.service")
    a_stopped = first(r"ekinit: stopped after-all\.service")
    marker = first(r"ektest: after-all stopping")
    t.check(None not in (a_stopping, a_stopped, marker),
            "after-all: stopping %s, marker %s, stopped %s" % (a_stopping, marker, a_stopped))
    for name in DAEMONS:
        n = re.escape(name)
        stopping, stopped = first(r"ekinit: stopping %s" % n), first(r"ekinit: stopped %s" % n)
        t.check(stopping is not None and stopped is not None,
                "%s: no 'stopping'/'stopped' lines on the console" % name)
        t.check(stopping > a_stopped, "%s began stopping before after-all had stopped" % name)
    t.check(first(r"reboot: Power down") is not None, "no 'reboot: Power down'")
