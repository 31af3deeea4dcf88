"""`make demo`: the test cluster of the cluster scenario (manager + 3 control nodes + 1 worker,
started by formation.start_cluster) booted in QEMU, a live table of its formation on this
terminal, then how to reach each node's console and the cluster with kubectl, and how to stop
it. It runs until Ctrl-C (or `make demo-stop`), which kills the VMs and deletes the network
namespace. With --check it exits once formed (0 when the printed kubectl and console commands
work), for trying it without a person.

The table is built from the consoles (the timeline events of formation.EVENTS, the boot steps
ekinit prints, ek-join's lines) and, once the leader has written leader_ready, from kubectl
through the VIP. Nothing here checks the cluster the way the scenario does: it shows it."""

import argparse
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import cluster as cl
import consolesock
import ekvm
import formation as fm
import harness
import netns

CONTROL = ["control1", "control2", "control3"]
WORKER = ["worker1"]
DEMO_DIR = os.path.join(harness.REPO, "build", "demo")
PIDFILE = os.path.join(DEMO_DIR, "pid")
CHECK_TIMEOUT = 1500         # --check: host seconds to form (5 VMs under TCG on 2 shared cores)
REFRESH_S = 1.0              # the table's redraw period (display pacing only)
KUBE_POLL_S = 3.0            # one `kubectl get nodes` through the VIP per period once the API is up

STEP_RE = re.compile(r"ekinit: \[\s*[\d.]+\] (\S+) (ok|failed|skipped|\S+) \(")
COMPLETE_RE = re.compile(r"ekinit: boot complete in (\d+) ms")
STARTED_RE = re.compile(r"ekinit: started (\S+?)(?:\.service)? \(")
JOIN_RE = re.compile(r"ekinit: ek-join\.service: (?:ek-join: )?(.*)")
DONE_RE = re.compile(r"ek-join: done: ")
FAILED_RE = re.compile(r"ek-join: failed: (.*)")
MANAGER_READY_RE = re.compile(cl.MANAGER_READY)

STANDINS_NOTE = (
    "Kubernetes here is TEST STAND-INS: kubeadm, kubelet and kube-apiserver are small Python "
    "programs from qemu-tests/standins/ (backed by a real etcd); no real Kubernetes binary runs "
    "in this cluster. Everything else is real: ekinit, ek-join, phylactery, Debian's containerd, "
    "etcd, haproxy, keepalived and kubectl.")


# --------------------------------------------------------------------- state

class NodeView:
    """What one VM's console has said so far, read incrementally."""

    def __init__(self, name, role, ip, vm):
        self.name, self.role, self.ip, self.vm = name, role, ip, vm
        self.seen = 0
        self.state = "QEMU starting"
        self.events = {}             # formation.EVENTS key (+ done, failed) -> host time
        self.ready = None            # from kubectl: True, False or None (not listed / no API)

    def update(self):
        lines = self.vm.lines
        n = len(lines)
        for t, text in lines[self.seen:n]:
            self._line(self.vm.t0 + t, text)
        self.seen = n
        if self.vm.panic:
            self.state = "KERNEL PANIC"
        elif not self.vm.running():
            self.state = "QEMU exited"

    def _line(self, when, text):
        if self.state == "QEMU starting":
            self.state = "kernel booting"
        for key, rx in fm.EVENTS:
            if key not in self.events and re.search(rx, text):
                self.events[key] = when
        if self.role == "manager":
            if MANAGER_READY_RE.search(text):
                self.state = "ready: NFS /share, time server"
            return
        m = FAILED_RE.search(text)
        if m:
            self.events.setdefault("failed", when)
            self.state = "ek-join FAILED: " + m.group(1)
            return
        if DONE_RE.search(text):
            self.events.setdefault("done", when)
        m = STEP_RE.search(text)
        if m:
            self.state = "boot step %s %s" % (m.group(1), m.group(2))
            return
        m = COMPLETE_RE.search(text)
        if m:
            self.state = "boot complete in %.1f s" % (int(m.group(1)) / 1000)
            return
        m = STARTED_RE.search(text)
        if m:
            self.state = "started " + m.group(1)
            return
        m = JOIN_RE.search(text)
        if m and m.group(1).strip():
            self.state = "ek-join: " + m.group(1).strip()


class KubeWatch(threading.Thread):
    """Once a console says leader_ready: the admin kubeconfig from the share (one command on the
    manager's console shell), then `kubectl get nodes` through the VIP every KUBE_POLL_S."""

    def __init__(self, net, mgr, views, stop):
        super().__init__(daemon=True, name="kubewatch")
        self.net, self.mgr, self.views, self.stop = net, mgr, views, stop
        self.op = None
        self.kubeconfig = None
        self.nodes = None            # {name: Ready?} from the last answer, None when none
        self.ready_at = {}           # {name: host time first seen Ready}
        self.note = ""

    def run(self):
        while not self.stop.is_set():
            try:
                if self.op is None:
                    if any("leader_ready" in v.events for v in self.views):
                        rc, text = self.mgr.run_rc("cat /share/kube.config", 60)
                        if rc == 0 and "server:" in text:
                            self.kubeconfig = text
                            self.op = fm.Operator(self.net, text)
                else:
                    nodes = fm.ready_nodes(self.op)
                    # while a control node joins, etcd changes members and the API can stop
                    # answering for a while: the table keeps the last answer and says so
                    self.note = "" if nodes is not None else \
                        "no answer through the VIP just now; READY is the last answer"
                    if nodes is not None:
                        self.nodes = nodes
                        for v in self.views:
                            v.ready = nodes.get(v.name)
                            if v.ready:
                                self.ready_at.setdefault(v.name, time.monotonic())
            except (ekvm.VMError, subprocess.SubprocessError, OSError) as e:
                self.note = str(e).splitlines()[0] if str(e) else type(e).__name__
            self.stop.wait(KUBE_POLL_S)


def when(view, key, t_start):
    t = view.events.get(key)
    return "%ds" % (t - t_start) if t is not None else ""


HEADER = ("NODE", "ROLE", "IP", "STATE (last console step)", "SHARE", "LEADER", "JOINED", "READY")


def rows(views, mgr_view, t_start):
    """One tuple of HEADER's columns per VM, the manager first."""
    out = [(mgr_view.name, "manager", mgr_view.ip, mgr_view.state, "serves", "", "", "")]
    for v in views:
        leader = "claimed " + when(v, "leader_claimed", t_start) if "leader_claimed" in v.events \
            else ""
        joined = when(v, "joined", t_start)
        if "done" in v.events:
            joined += " done"
        ready = {True: "Ready", False: "NotReady", None: ""}[v.ready]
        out.append((v.name, v.role, v.ip, v.state, when(v, "share_mounted", t_start), leader,
                    joined.strip(), ready))
    return out


def table(body):
    """The rows under HEADER as aligned text lines."""
    allrows = [HEADER] + body
    widths = [max(len(r[i]) for r in allrows) for i in range(len(HEADER))]
    widths[3] = min(widths[3], 46)
    out = []
    for r in allrows:
        cells = [c if len(c) <= widths[i] else c[:widths[i] - 1] + "~" for i, c in enumerate(r)]
        out.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip())
    return out


def line(row):
    """A row as one self-describing line (when stdout is not a terminal)."""
    name, role, ip, state, share, leader, joined, ready = row
    extra = [("share mounted " + share) if share and share != "serves" else "",
             ("leader " + leader) if leader else "", ("joined " + joined) if joined else "",
             ready]
    return "%s (%s, %s): %s%s" % (name, role, ip, state,
                                  "".join("; " + e for e in extra if e))


def phase(views, mgr_view, kube):
    if any("failed" in v.events for v in views):
        return "ek-join FAILED on %s (see its console)" % ", ".join(
            v.name for v in views if "failed" in v.events)
    if "ready" not in mgr_view.state:
        return "booting the manager and the nodes"
    shared = sum("share_mounted" in v.events for v in views)
    if shared < len(views):
        return "share mounted on %d of %d nodes" % (shared, len(views))
    leaders = [v.name for v in views if "leader_claimed" in v.events]
    if not any("leader_ready" in v.events for v in views):
        return ("leader %s: kubeadm init" % leaders[0]) if leaders else "electing a leader"
    if kube.op is None:
        return "leader_ready written; reading the admin kubeconfig from the share"
    ready = sum(v.ready is True for v in views)
    if kube.nodes is None:
        return "leader_ready written; waiting for the API through the VIP %s" % fm.VIP
    done = sum("done" in v.events for v in views)
    return "API through the VIP %s; %d of %d Ready; ek-join done on %d of %d%s" % (
        fm.VIP, ready, len(views), done, len(views), " (%s)" % kube.note if kube.note else "")


def formed(views):
    return all(v.ready is True and "done" in v.events for v in views)


# ------------------------------------------------------------------- display

class Screen:
    """Redraws the block in place on a terminal (plain ANSI: cursor up, clear line); otherwise
    prints each row that changed, once."""

    def __init__(self, out=sys.stdout):
        self.out = out
        self.tty = out.isatty() and os.environ.get("TERM", "dumb") != "dumb"
        self.drawn = 0
        self.last = {}

    def show(self, head, body, elapsed):
        """head: the cluster's state line; body: rows()."""
        if self.tty:
            width = shutil.get_terminal_size((120, 24)).columns
            lines = ["[%d:%02d] %s" % (elapsed // 60, elapsed % 60, head)] + table(body)
            buf = "\x1b[%dF" % self.drawn if self.drawn else ""
            buf += "".join("\x1b[2K" + l[:width - 1] + "\n" for l in lines)
            self.out.write(buf)
            self.out.flush()
            self.drawn = len(lines)
            return
        for key, text in [("", "cluster: " + head)] + [(r[0], line(r)) for r in body]:
            if self.last.get(key) != text:
                self.last[key] = text
                self.out.write("[%5ds] %s\n" % (elapsed, text))
        self.out.flush()


# --------------------------------------------------------------- the demo

def write_kubectl(net, kube, kubectl_bin):
    """build/demo/kube.config (the admin kubeconfig, its server the VIP's address: the name in it
    resolves only on the nodes) and build/demo/kubectl, which runs Debian's kubectl inside the
    cluster's network namespace with it. Returns (wrapper path, the command it runs)."""
    kc = os.path.join(DEMO_DIR, "kube.config")
    text = re.sub(r"(?m)^(\s*server:\s*).*$", r"\g<1>https://%s:%d" % (fm.VIP, fm.API_PORT),
                  kube.kubeconfig)
    fd = os.open(kc + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(kc + ".tmp", kc)
    argv = net.wrap() + [kubectl_bin, "--kubeconfig", kc]
    wrapper = os.path.join(DEMO_DIR, "kubectl")
    with open(wrapper + ".tmp", "w") as f:
        f.write("#!/bin/sh\n# the demo cluster's kubectl (written by make demo; gone when it "
                "stops)\nexec %s \"$@\"\n" % " ".join(argv))
    os.chmod(wrapper + ".tmp", 0o755)
    os.replace(wrapper + ".tmp", wrapper)
    return wrapper, " ".join(argv)


def shown(path):
    """path as printed: relative when under the current directory, else absolute (the printed
    commands must work when pasted here)."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def final_text(net, views, mgr_view, kube, t_start, sockets, wrapper, kubectl_cmd):
    leader = next((v.name for v in views if "leader_claimed" in v.events), "?")
    rel = shown
    out = ["",
           "The cluster has formed in %d s: leader %s, %d Nodes Ready through the VIP %s:%d."
           % (time.monotonic() - t_start, leader, len(views), fm.VIP, fm.API_PORT),
           "  (%s)" % "Kubernetes: TEST STAND-INS, not real Kubernetes binaries.",
           "",
           "Consoles (each VM's serial console, a root shell: try `ekctl status`). Attach with",
           "socat; Ctrl-] detaches (Ctrl-C goes to the node):"]
    for name in [mgr_view.name] + [v.name for v in views]:
        out.append("  %-9s %s" % (name, consolesock.attach_command(shown(sockets[name]))))
    logs = os.path.join(rel(harness.LOGS), "demo-*.log")
    out += ["  Whole console logs, host-timestamped: tail -f %s" % logs,
            "",
            "kubectl (Debian's kubectl 1.20 in the cluster's network namespace %s):" % net.name,
            "  %s get nodes" % rel(wrapper),
            "  which runs: %s get nodes" % kubectl_cmd,
            "",
            "Stop: Ctrl-C here, or `make demo-stop` in another terminal (the VMs are killed and",
            "the namespace deleted).",
            ""]
    return "\n".join(out)


def try_console(path, timeout=90):
    """Type a command into a console through its socket, as a person with socat would; True
    when its answer comes back."""
    want = b"demo-console-42"
    deadline = time.monotonic() + timeout
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(5)
    got = b""
    try:
        # Enter first (a person's first key): the shell may have a half-typed line of the demo's
        s.sendall(b"\r echo demo-console-$((6*7))\r")
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                return False
            got += chunk
            if want in got:
                return True
        return False
    finally:
        s.close()


def running_pid():
    try:
        with open(PIDFILE) as f:
            pid = int(f.read().strip())
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            if b"cluster-demo" in f.read():
                return pid
    except (OSError, ValueError):
        pass
    return None


def stop():
    """Ask a running demo to stop (SIGTERM: it tears down as on Ctrl-C), then remove any test
    namespace whose runner is gone."""
    pid = running_pid()
    if pid is None:
        print("no demo is running")
    else:
        print("stopping the demo (pid %d)..." % pid)
        fd = os.pidfd_open(pid)
        try:
            os.kill(pid, signal.SIGTERM)
            if not select.select([fd], [], [], 60)[0]:
                print("the demo did not stop within 60 s; killing it")
                os.kill(pid, signal.SIGKILL)
        finally:
            os.close(fd)
    netns.clean_stale()
    left = [n for n in netns.list_namespaces() if n.startswith(netns.PREFIX + "demo-")]
    print("stopped" if not left else "namespaces still there: %s" % " ".join(left))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="qemu-tests/cluster-demo",
        description="Boot the test cluster (manager + 3 control + 1 worker) in QEMU and show "
                    "it forming; runs until Ctrl-C.")
    ap.add_argument("--check", action="store_true",
                    help="exit once formed: 0 when the printed kubectl and console commands "
                         "work (timeout %d s)" % CHECK_TIMEOUT)
    ap.add_argument("--stop", action="store_true", help="stop a running demo (make demo-stop)")
    harness.common_args(ap)
    args = ap.parse_args(argv)
    if args.stop:
        return stop()
    if os.geteuid() != 0:
        raise SystemExit("the demo needs root (network namespaces, taps): run it as root or "
                         "with sudo")
    pid = running_pid()
    if pid is not None:
        raise SystemExit("a demo is already running (pid %d): `make demo-stop` stops it" % pid)
    os.makedirs(DEMO_DIR, exist_ok=True)
    with open(PIDFILE, "w") as f:
        f.write("%d\n" % os.getpid())

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_sigterm)

    print("ekinit demo: a cluster of 5 VMs in QEMU (manager + 3 control nodes + 1 worker).")
    print(STANDINS_NOTE)
    if os.environ.get("EKINIT_K8S_BIN"):
        print("EKINIT_K8S_BIN is set, but this cluster demo does not use it yet: its nodes boot "
              "the test image (make demo-node boots the real node image with those binaries).")
    print("Building (cached in build/ and ~/.cache/ekinit; the first time takes several "
          "minutes)...")
    sys.stdout.flush()
    t = None
    sockets, servers = {}, []
    stop_ev = threading.Event()
    kube = None
    rc = 1
    try:
        if not args.no_make:
            harness.make_all()
        image = harness.build_image(args)
        accel = harness.choose_accel(image.kernel)
        netns.clean_stale()
        t = harness.Context("demo", image, accel, keep_logs=True)
        print("Starting the VMs (each node's image is put together as it starts):")
        net, mgr, vms, t_start = fm.start_cluster(
            t, CONTROL, WORKER, log=lambda text: print("  " + text, flush=True))
        roles = {n: "control" for n in CONTROL}
        roles.update({n: "worker" for n in WORKER})
        views = [NodeView(n, roles[n], cl.node_info(n)[1], vms[n]) for n in CONTROL + WORKER]
        mgr_view = NodeView("manager", "manager", cl.manager_ip(), mgr)
        cdir = os.path.join(DEMO_DIR, "console")
        os.makedirs(cdir, exist_ok=True)
        for name, vm in [("manager", mgr)] + list(vms.items()):
            sockets[name] = os.path.join(cdir, name + ".sock")
            servers.append(consolesock.ConsoleSocket(vm, sockets[name]))
        kube = KubeWatch(net, mgr, views, stop_ev)
        kube.start()
        print("Booting under %s (about 5-7 min to form under TCG). Consoles while it forms: "
              "socat -,raw,echo=0,escape=0x1d UNIX-CONNECT:%s/NODE.sock; logs: %s/demo-NODE.log"
              % (accel.upper(), shown(cdir), shown(harness.LOGS)))
        print("Ctrl-C stops it and cleans up.\n")
        screen = Screen()
        while True:
            for v in [mgr_view] + views:
                v.update()
            elapsed = time.monotonic() - t_start
            screen.show(phase(views, mgr_view, kube), rows(views, mgr_view, t_start), elapsed)
            if formed(views):
                break
            if args.check and (elapsed > CHECK_TIMEOUT or any("failed" in v.events
                                                               for v in views)):
                print("not formed: %s" % phase(views, mgr_view, kube))
                return 1
            time.sleep(REFRESH_S)  # display pacing, not synchronisation
        stop_ev.set()                # formed: no more kubectl every few seconds

        data = {"scenario": "demo", "seconds_since": "first QEMU start",
                "leader": next((v.name for v in views if "leader_claimed" in v.events), None),
                "nodes": fm.timeline(vms, t_start, kube.ready_at)}
        fm.write_timeline("demo", data)
        wrapper, kubectl_cmd = write_kubectl(net, kube, kube.op.kubectl_bin)
        print(final_text(net, views, mgr_view, kube, t_start, sockets, wrapper, kubectl_cmd))
        sys.stdout.flush()
        if args.check:
            p = subprocess.run([wrapper, "get", "nodes"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=120)
            print("--check: $ %s get nodes\n%s" % (shown(wrapper), p.stdout.rstrip()))
            listed = re.findall(r"(?m)^(\S+)\s+Ready\s", p.stdout)
            ok_kubectl = p.returncode == 0 and sorted(listed) == sorted(vms)
            ok_console = try_console(sockets[CONTROL[0]])
            print("--check: kubectl through the printed command: %s; %s's console through its "
                  "socket: %s" % ("ok" if ok_kubectl else "FAILED", CONTROL[0],
                                  "ok" if ok_console else "FAILED"))
            rc = 0 if ok_kubectl and ok_console else 1
            return rc
        while True:
            signal.pause()
    except KeyboardInterrupt:
        # Ctrl-C is how a person ends the demo: a clean stop, unless --check was waiting
        rc = 130 if args.check else 0
        return rc
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("\nstopping: killing the VMs, deleting the network namespace...")
        sys.stdout.flush()
        stop_ev.set()
        for s in servers:
            s.close()
        if t is not None:
            t.teardown()
        if kube is not None and kube.op is not None:
            kube.op.close()
        for f in ("kubectl", "kube.config", "pid"):
            p = os.path.join(DEMO_DIR, f)
            if os.path.exists(p):
                os.unlink(p)
        left = [n for n in netns.list_namespaces()
                if t is not None and n in [x.name for x in t.networks]]
        print("stopped%s; console logs kept in %s" % (
            "" if not left else " (namespaces left: %s)" % " ".join(left),
            shown(harness.LOGS)))
