"""Test networks: a network namespace per scenario with a bridge br0 and one
tap per VM. Nothing here touches the host's own network: every link is
created inside the namespace, and QEMU runs under `ip netns exec`.

Names are ekt-<scenario>-p<runner pid>-<n>, so a namespace left behind by a
runner that was killed (SIGKILL, power loss) is recognised by its dead pid
and removed by clean_stale() on the next run."""

import atexit
import os
import re
import signal
import subprocess
import threading

PREFIX = "ekt-"
NAME_RE = re.compile(r"^ekt-.*-p(\d+)-\d+$")
_live = set()
_lock = threading.Lock()
_serial = 0


class NetnsError(RuntimeError):
    pass


def _ip(*args, check=True):
    p = subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if check and p.returncode != 0:
        raise NetnsError("ip %s: %s" % (" ".join(args), p.stderr.strip()))
    return p


def list_namespaces():
    out = _ip("netns", "list", check=False).stdout
    return [l.split()[0] for l in out.splitlines() if l.strip()]


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_members(name):
    """SIGKILL the processes running in namespace name (QEMUs we started)."""
    out = _ip("netns", "pids", name, check=False).stdout
    for pid in out.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


def delete(name):
    _kill_members(name)
    _ip("netns", "delete", name, check=False)


def clean_stale(log=print):
    """Remove ekt-* namespaces whose runner (the pid in the name) is gone."""
    removed = []
    for name in list_namespaces():
        m = NAME_RE.match(name)
        if not m or _pid_alive(int(m.group(1))):
            continue
        delete(name)
        removed.append(name)
    if removed:
        log("removed stale test network namespace(s): %s" % " ".join(removed))
    return removed


def delete_all():
    """Delete every namespace this process created (interrupt/exit path)."""
    with _lock:
        names = list(_live)
    for n in names:
        delete(n)
        with _lock:
            _live.discard(n)


atexit.register(delete_all)


class Netns:
    """A namespace with a bridge br0 (up, no address); tap(n) adds tapN."""

    def __init__(self, scenario):
        global _serial
        with _lock:
            _serial += 1
            serial = _serial
        base = re.sub(r"[^A-Za-z0-9_.-]", "", scenario)[:20]
        self.name = "%s%s-p%d-%d" % (PREFIX, base, os.getpid(), serial)
        self.taps = []
        self.created = False

    def create(self):
        _ip("netns", "add", self.name)
        with _lock:
            _live.add(self.name)
        self.created = True
        self.exec_ip("link", "set", "lo", "up")
        self.exec_ip("link", "add", "br0", "type", "bridge", "stp_state", "0",
                     "forward_delay", "0")
        self.exec_ip("link", "set", "br0", "up")
        return self

    def exec_ip(self, *args):
        return _ip("-n", self.name, *args)

    def tap(self):
        """Create the next tapN on br0 (up); returns its name."""
        name = "tap%d" % len(self.taps)
        self.exec_ip("tuntap", "add", name, "mode", "tap")
        self.exec_ip("link", "set", name, "master", "br0")
        self.exec_ip("link", "set", name, "up")
        self.taps.append(name)
        return name

    def wrap(self):
        """argv prefix that runs a command inside the namespace."""
        return ["ip", "netns", "exec", self.name]

    def exists(self):
        return self.name in list_namespaces()

    def destroy(self):
        if not self.created:
            return
        delete(self.name)
        with _lock:
            _live.discard(self.name)
        self.created = False
