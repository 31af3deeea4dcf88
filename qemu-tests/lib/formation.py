"""Shared by the cluster scenarios: boot the manager and the nodes with the cluster image,
reach the API through the VIP from the test's network namespace with Debian's real kubectl,
and the formation timeline from host-timestamped console lines."""

import json
import os
import re
import subprocess
import tempfile
import time

import clusterimage
from checks import CONSOLE_DROPPED
from cluster import boot_manager, manager_image, node_image, node_info
from nodeimage import mk, REPO

LOGS = os.environ.get("EKINIT_QEMU_LOGS") or os.path.join(REPO, "build", "qemu-logs")
HOST_IP = "10.10.0.250"          # the test's own address on the bridge (the "operator")
VIP = "10.10.0.100"
API_PORT = 8443
# The kernel unpacks the ~270 MB initramfs into a rootfs capped at half the RAM, while the
# archive itself is still in memory: 640 MB ends in "Initramfs unpacking failed: write error".
CONTROL_MEMORY = 1024
WORKER_MEMORY = 1024
CMDLINE = "ekinit.shell=1 ekinit.debug=1"


def require_stages(t):
    t.check(clusterimage.stages_present(),
            "build/ek-join and build/phylactery are missing (stages/ not built: run `make`); "
            "the cluster scenarios need them")


def prepare_images(image):
    """The parts every cluster VM's initrd is made of (cluster.cpio, the stand-ins, the stages,
    the manager's image), built or found cached: the cluster scenarios' prepare(), which the
    harness runs before they take their VMs (cluster.cpio alone takes minutes on a fresh clone)."""
    out = os.path.dirname(image.initrd)
    clusterimage.cluster_cpio(out)
    clusterimage.standins_cpio(out)
    clusterimage.stages_cpio(out)
    manager_image(out)


def boot_cluster_node(t, net, node, memory, label=None):
    """label: the log's name (default: the node's); a node booted again gets another."""
    mac, _ = node_info(node)
    base = node_image(t.image, node, out=os.path.dirname(t.image.initrd), scope=t.name)
    initrd, size, note, stages = clusterimage.cluster_image(base)
    vm = t.boot(CMDLINE, memory=memory, initrd=initrd, net=net, mac=mac, label=label or node)
    vm.note("image %s: %.1f MB uncompressed; %s" % (os.path.basename(initrd), size / 1e6, note))
    return vm


def operator_address(net):
    net.exec_ip("addr", "add", HOST_IP + "/24", "dev", "br0")


def kubectl_path():
    return os.path.join(mk.package_root("kubernetes-client"), "usr/bin/kubectl")


class Operator:
    """kubectl and curl run inside the test's namespace, as an operator on the manager's
    network would, with the admin kubeconfig read from the share."""

    def __init__(self, net, kubeconfig_text):
        self.net = net
        fd, self.kc = tempfile.mkstemp(prefix="ekt-kube-", suffix=".config")
        with os.fdopen(fd, "w") as f:
            f.write(kubeconfig_text)
        self.kubectl_bin = kubectl_path()

    def kubectl(self, *args, timeout=60):
        # the kubeconfig names vip.kubernetes.local, which only the nodes resolve; the VIP's
        # address is in the API certificate's SANs
        p = subprocess.run(self.net.wrap() + [self.kubectl_bin, "--kubeconfig", self.kc,
                           "--server", "https://%s:%d" % (VIP, API_PORT), "--request-timeout",
                           "20s"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=timeout)
        return p.returncode, p.stdout

    def curl(self, *args, timeout=30):
        p = subprocess.run(self.net.wrap() + ["curl", "-s", "--max-time", "10"] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout)
        return p.returncode, p.stdout

    def reload(self, kubeconfig_text):
        """A new admin kubeconfig (a cluster formed again has new credentials)."""
        with open(self.kc, "w") as f:
            f.write(kubeconfig_text)

    def close(self):
        if os.path.exists(self.kc):
            os.unlink(self.kc)


def node_list(op):
    """[(name, uid, Ready?)] of every Node from `kubectl get nodes -o json`, or None when the API
    does not answer."""
    rc, out = op.kubectl("get", "nodes", "-o", "json")
    if rc != 0:
        return None
    try:
        items = json.loads(out).get("items") or []
    except ValueError:
        return None
    res = []
    for n in items:
        conds = {c.get("type"): c.get("status") for c in n.get("status", {}).get("conditions")
                 or []}
        meta = n.get("metadata") or {}
        res.append((meta.get("name"), meta.get("uid"), conds.get("Ready") == "True"))
    return res


def ready_nodes(op):
    """{name: Ready?}, or None when the API does not answer."""
    nodes = node_list(op)
    return None if nodes is None else {name: ready for name, _, ready in nodes}


# ------------------------------------------------------------------ timeline

EVENTS = [
    ("booted", r"ekinit: boot complete"),
    ("share_mounted", r"ekinit: \[\s*[\d.]+\] remote-fs ok"),
    ("leader_claimed", r"ek-join: election: leader claimed"),
    ("leader_ready", r"ek-join: (leader: leader_ready written|kubeadm join \S+ as )"),
    ("joined", r"ek-join: (kubeadm init|kubeadm join): attempt \d+ succeeded"),
]


def first_time(vm, pattern, after=None):
    rx = re.compile(pattern)
    for t, text in list(vm.lines):
        if (after is None or vm.t0 + t > after) and rx.search(text):
            return vm.t0 + t
    return None


def timeline(vms, t_start, ready_at):
    """{node: {event: seconds since t_start or None}}; ready_at: {node: host time}."""
    out = {}
    for name, vm in vms.items():
        ev = {}
        for key, rx in EVENTS:
            ev[key] = first_time(vm, rx)
        # The leader says when it starts waiting for the API through the VIP; its next
        # ek-join line comes once the API answered there.
        w = first_time(vm, r"ek-join: leader: waiting for the API through the VIP")
        ev["api_through_vip"] = first_time(vm, r"ek-join: ", after=w) if w else None
        ev["ready"] = ready_at.get(name)
        out[name] = {k: (round(v - t_start, 2) if v is not None else None)
                     for k, v in ev.items()}
    return out


def write_timeline(name, data):
    os.makedirs(LOGS, exist_ok=True)
    path = os.path.join(LOGS, name + ".timeline.json")
    with open(path + ".tmp", "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(path + ".tmp", path)
    return path


# ------------------------------------------------------- whole-cluster helpers

def start_cluster(t, controls, workers, log=lambda text: None):
    """The test network (with the operator's address on it), the manager and the nodes started,
    nothing waited for; log(text) is told as each VM starts. Returns (net, manager VM,
    {name: VM}, host time of the first QEMU start). The cluster scenarios and `make demo`
    (lib/clusterdemo.py) all start a cluster this way."""
    require_stages(t)
    net = t.network()
    operator_address(net)
    t_start = time.monotonic()
    mgr = boot_manager(t, net)
    log("manager started (namespace %s)" % net.name)
    vms = {}
    for names, memory in ((controls, CONTROL_MEMORY), (workers, WORKER_MEMORY)):
        for n in names:
            vms[n] = boot_cluster_node(t, net, n, memory)
            log("%s started (%d MB)" % (n, memory))
    return net, mgr, vms, t_start


def boot_all(t, controls, workers):
    """start_cluster(), then the manager ready, the networks up and the share mounted on every
    node. Returns what start_cluster() returns."""
    from cluster import wait_manager
    from netchecks import wait_network, wait_remote_fs
    net, mgr, vms, t_start = start_cluster(t, controls, workers)
    wait_manager(mgr, 300)
    for name, vm in vms.items():
        wait_network(t, vm, node_info(name)[1], timeout=400)
        wait_remote_fs(t, vm, timeout=400)
    return net, mgr, vms, t_start


# A poll loop checks the state it waits for, then pauses this long before the next check, until its
# deadline. Unpaced, the loops ran ~15 shell commands a second on the manager (or etcdctl and kubectl
# back to back) and took CPU from the five nodes on the same 2 cores; the pause is a pace, never a wait
# in place of a check.
POLL_PAUSE_S = 1.0


def poll_pause(seconds=POLL_PAUSE_S):
    time.sleep(seconds)   # pacing between two checks, not synchronisation


UNIT_LOG = "/run/log/ekinit/%s.service.log"   # a service's output ring on the node (.1: the older half)


def said(vm, pattern, unit="ek-join"):
    """Matches of pattern (a regex that is also a POSIX ERE) among the lines unit printed this boot.
    With ekinit.debug every line a service prints is echoed on the console, but PID 1 drops a line
    the serial console cannot take (a busy host: "console lines dropped"); the node's own log of the
    unit keeps every line, so once the console dropped some, a pattern not seen there is looked for
    in that log (one guest round trip)."""
    found = vm.seen(pattern)
    if found or not vm.running() or not vm.seen(CONSOLE_DROPPED):
        return found
    log = UNIT_LOG % unit
    rc, out = vm.run_rc("cat %s.1 %s 2>/dev/null | grep -E '%s'" % (log, log, pattern.replace("'", "")), 60)
    rx = re.compile(pattern)
    return [m for m in (rx.search(line) for line in out.splitlines()) if m] if rc == 0 else []


def wait_said(vm, pattern, timeout, unit="ek-join"):
    """The first match of pattern among unit's lines (said()), waiting up to timeout seconds: for the
    console line, or, once the console dropped lines, for the line in the unit's log (polled one
    guest round trip at a time). Raises like vm.wait_seen when the deadline passes."""
    deadline = time.monotonic() + timeout
    m = vm.wait_seen("%s|%s" % (pattern, CONSOLE_DROPPED), timeout)
    while not re.search(pattern, m.group(0)):
        found = said(vm, pattern, unit)
        if found:
            return found[0]
        if time.monotonic() > deadline or not vm.running():
            return vm.wait_seen(pattern, 0)   # raises: the deadline passed, or QEMU exited
    return re.search(pattern, m.group(0))


def unit_tail(vm, unit, lines=10):
    """The last lines of unit's log on the node (ekctl logs), for a failure message: CI shows a
    failed check's message, not the consoles."""
    if not vm.running():
        return "(the VM is not running)"
    try:
        rc, out = vm.run_rc("ekctl logs -n %d %s" % (lines, unit), 60)
    except AssertionError as e:          # the shell did not answer
        return "(ekctl logs %s: %s)" % (unit, e)
    return out.rstrip() if rc == 0 else "(ekctl logs %s: exit %d: %s)" % (unit, rc, out.strip()[:200])


def kv(text):
    return dict(l.split("=", 1) for l in text.splitlines() if "=" in l)


def wait_share_file(t, mgr, vms, path, deadline, want=lambda d: True):
    """Poll the manager's view of a share file (one guest round trip per try) until want(kv);
    fails early when ek-join failed on a live node."""
    last = ""
    while time.monotonic() < deadline:
        rc, last = mgr.run_rc("cat %s 2>/dev/null" % path, 30)
        if rc == 0 and "name=" in last and want(kv(last)):
            return kv(last)
        failed = [n for n, vm in vms.items() if vm.running() and vm.seen(r"ek-join: failed:")]
        t.check(not failed, "ek-join failed on %s" % failed)
        poll_pause()
    t.check(False, "%s: not as expected by the deadline; last: %r" % (path, last))


def wait_ready(t, op, names, deadline):
    """{name: host time first seen Ready through the VIP} for every name."""
    ready_at, last = {}, None
    while time.monotonic() < deadline and not set(names) <= set(ready_at):
        last = ready_nodes(op)
        for name, ok in (last or {}).items():
            if ok and name not in ready_at:
                ready_at[name] = time.monotonic()
        if not set(names) <= set(ready_at):
            poll_pause()
    t.check(set(names) <= set(ready_at), "Ready through the VIP: %s of %s; last answer %s"
            % (sorted(ready_at), sorted(names), last))
    return ready_at


def vip_holder(vms, names):
    """The control nodes that have the VIP on net0 right now."""
    out = []
    for n in names:
        vm = vms[n]
        if vm.running() and ("%s/" % VIP) in vm.run("ip -o -4 addr show dev net0", 30):
            out.append(n)
    return out
