"""Debian's own units for containerd (+runc), haproxy, keepalived and openssh-server start under ekinit (sd_notify), ctr runs a container from an OCI tarball, haproxy listens, keepalived holds the VIP, sshd answers; with the NIC's carrier held down from the host, a unit not ordered after the network, and Debian's ssh and containerd (after network.target), start while the network step still waits for carrier and one ordered after network-online.target only once the step has ended (console, boot.json, ekctl status and ekctl analyze agree); poweroff stops them in reverse order.

One node VM (1024 MB, control1's overlay, net0 on a bridge in a test namespace, no NFS share)
whose image adds the packages' binaries, libraries (from the dependency closure) and unit files,
enabled by links in multi-user.target.wants/, plus fixtures/services/ (test configuration,
after-all.service, ordered after the four daemons, and the test-only before-network.service and
after-online.service) and an OCI image tarball built offline by lib/svcimage.py.

The network/services overlap without a race: QEMU starts paused (-S) with a QMP monitor
(lib/qmp.py), the NIC's link is set down, then the CPUs run. ekinit's network step (in a child)
waits for carrier (up to ekinit.carrier_timeout=, 120 s here); the services start at boot
complete meanwhile. The scenario waits for before-network.service's console line and for ekctl to
show ssh and containerd started, checks that the network step has not ended then, and only then
gives the carrier back (set_link up), a few guest seconds after the step began waiting.
A host-side tap or bridge port going down would not do: QEMU's tap backend does not pass the
host link's state on to the guest's virtio NIC. Debian's ssh and containerd units are ordered
after network.target, which ekinit reaches when the step starts (as systemd does), so they start
beside it too (checked); haproxy and keepalived are after network-online.target and wait for it;
the carrier is back long before keepalived's VIP or haproxy are checked."""

import json
import os
import re
import time

from checks import BOOT_COMPLETE, step_re
from cluster import node_image, node_info
from netchecks import wait_network
import qmp
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
# The network/services overlap: two test units (fixtures/services/), one not ordered after the
# network, one ordered after network-online.target.
EARLY = "before-network.service"
ONLINE = "after-online.service"
NETDEV = "n0"                # the -netdev id harness.py gives the VM's NIC (QMP set_link)
BESIDE_NETWORK = ["containerd.service", "ssh.service"]   # After=network.target only
# ekinit.carrier_timeout= for this boot (default 10 s): the hold must end sooner, also on a busy host
CARRIER_TIMEOUT_S = 120


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


def unit_line(unit):
    """ekinit's console line for a unit that started (ready), finished (a oneshot) or failed."""
    return r"ekinit: (started |finished |error: )%s\b" % re.escape(unit)


def hold_network(t, vm, mon):
    """The VM started paused with its NIC's link down (set through QMP before the first guest
    instruction), so the network step, which waits for carrier (init/boot/network.c), cannot end
    until we say so. The services start at boot complete, while the network step runs in its
    child: wait for EARLY's console line and for BESIDE_NETWORK to have started, check that the
    network step has not ended then (no step line; the carrier cannot have come) and that ONLINE
    has not started, then give the carrier back. Event-driven, no sleep: the hold ends a few
    guest seconds after the step began waiting, well inside CARRIER_TIMEOUT_S (should that ever
    expire first, the network line says 'no carrier' and the check below says so)."""
    m = vm.expect(unit_line(EARLY), READY_TIMEOUT)
    at = vm.elapsed()
    t.check(m.group(1) != "error: ", "%s failed: %s" % (EARLY, m.group(0)))
    # ssh's start waits for its ConditionPathExists= check (a child, answered a loop turn later):
    # hold the carrier until ekctl says both Debian units after network.target have started
    def beside_started():
        s = services_of(vm)
        return (all((s.get(n) or {}).get("start_ms") for n in BESIDE_NETWORK),
                {n: (s.get(n) or {}).get("state") for n in BESIDE_NETWORK})
    until(t, "%s started while the carrier is held down" % " and ".join(BESIDE_NETWORK),
          beside_started, CARRIER_TIMEOUT_S / 2)
    net = vm.seen(step_re("network"))
    t.check(not net, "the network step had ended (%s) before %s started, though the NIC had "
            "no carrier: did the %d s carrier timeout expire first?"
            % (net[0].group(0) if net else "", EARLY, CARRIER_TIMEOUT_S))
    t.check(not vm.seen(unit_line(ONLINE)),
            "%s started while the network step ran (carrier held down)" % ONLINE)
    mon.set_link(NETDEV, True)
    vm.note("%s started %.1f s after QEMU start with the network step still waiting for "
            "carrier; carrier given back %.1f s after that line" % (EARLY, at, vm.elapsed() - at))


def check_overlap(t, vm):
    """The same overlap from PID 1's own clock (CLOCK_BOOTTIME through ek_sys.now_ms for both
    the timeline's events and the services' start_ms/ready_ms): in boot.json and `ekctl status
    --json`, EARLY started before the network step ended and ONLINE at or after it; `ekctl
    analyze --json` shows the same (boot_steps: network in a child, its end; blame: the two
    units). 1 ms of slack for rounding."""
    vm.wait_seen(unit_line(ONLINE), 60)
    t.check(vm.line_index(unit_line(ONLINE)) > vm.line_index(step_re("network")),
            "%s's console line came before the network step's" % ONLINE)
    out = vm.run("cat /run/ekinit/boot.json", 30)
    try:
        boot = json.loads(out)
    except ValueError as e:
        raise AssertionError("boot.json is not JSON (%s): %r" % (e, out[:300]))
    net = next((e for e in boot.get("events") or [] if e.get("step") == "network"), None)
    t.check(net and net.get("result") == "ok", "boot.json's network event: %s" % net)
    net_start, net_end = net["start_ms"], net["start_ms"] + net["duration_ms"]
    svcs = services_of(vm)
    early, online = svcs.get(EARLY) or {}, svcs.get(ONLINE) or {}
    for name, s in ((EARLY, early), (ONLINE, online)):
        t.check(s.get("state") == "exited" and s.get("start_ms"),
                "%s is %s (%s), start_ms %s" % (name, s.get("state"), s.get("why"), s.get("start_ms")))
    t.check(net_start < early["start_ms"] < net_end,
            "%s started at %.3f ms, not while the network step ran (%.3f -> %.3f ms, boot.json)"
            % (EARLY, early["start_ms"], net_start, net_end))
    t.check(online["start_ms"] >= net_end - 1,
            "%s (After=network-online.target) started at %.3f ms, before the network step "
            "ended at %.3f ms (boot.json)" % (ONLINE, online["start_ms"], net_end))
    out = vm.run("ekctl analyze --json", 30)
    try:
        an = json.loads(out)
    except ValueError as e:
        raise AssertionError("`ekctl analyze --json` is not JSON (%s): %r" % (e, out[:300]))
    step = next((s for s in an.get("boot_steps") or [] if s.get("step") == "network"), {})
    blame = {b.get("name"): b for b in an.get("blame") or []}
    t.check(step.get("in_child") is True and abs(step.get("end_ms", -1) - net_end) <= 1,
            "ekctl analyze: network step %s, boot.json says it ended at %.3f ms" % (step, net_end))
    a_early, a_online = blame.get(EARLY) or {}, blame.get(ONLINE) or {}
    t.check(a_early.get("start_ms", net_end) < step["end_ms"] <= a_online.get("start_ms", -2) + 1,
            "ekctl analyze: %s at %s, network ends at %.3f, %s at %s"
            % (EARLY, a_early.get("start_ms"), step["end_ms"], ONLINE, a_online.get("start_ms")))
    vm.note("network step %.0f -> %.0f ms; %s started at %.0f ms (during it), %s at %.0f ms"
            % (net_start, net_end, EARLY, early["start_ms"], ONLINE, online["start_ms"]))
    # Debian's containerd and ssh units are After=network.target, which ekinit reaches when the
    # network step starts (init/main.c, as systemd: "being set up"): they were started in the same
    # pass as EARLY, so before the carrier came back and the step could end
    for n in BESIDE_NETWORK:
        start = (svcs.get(n) or {}).get("start_ms") or 0
        t.check(net_start < start < net_end, "%s (After=network.target) started at %.3f ms, not while "
                "the network step ran (%.3f -> %.3f ms)" % (n, start, net_start, net_end))


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
    # QEMU starts paused (-S) with a QMP monitor: the NIC's link goes down before the guest runs
    mon = qmp.QMP()
    try:
        vm = t.boot("ekinit.shell=1 ekinit.carrier_timeout=%d" % CARRIER_TIMEOUT_S, memory=1024, initrd=initrd, net=net, mac=mac, label=NODE,
                    qemu_args=mon.args(paused=True))
        vm.note("image %s: %.1f MB uncompressed, built in %.1f s; %s"
                % (os.path.basename(initrd), size / 1e6, build_s, note))
        mon.connect(30)
        mon.set_link(NETDEV, False)
        mon.command("cont")
        hold_network(t, vm, mon)
    finally:
        mon.close()

    wait_network(t, vm, ip, timeout=READY_TIMEOUT)
    vm.wait_seen(BOOT_COMPLETE, READY_TIMEOUT)  # came before EARLY's line, so before the network's
    check_overlap(t, vm)

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
