"""Static pods of the stand-ins: manifests are Pod objects written as JSON (valid YAML),
each run by the kubelet stand-in as a process whose pid is kept in RUN/<name>.pid, so a
restarted kubelet adopts them and `kubeadm reset` stops them."""

import hashlib
import json
import os
import signal
import time

from . import paths


def manifest(name, command, node_ip, extra_annotations=None):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "kube-system",
                         "labels": {"component": name, "tier": "control-plane"},
                         "annotations": dict(extra_annotations or {},
                                             **{"ekstandin/node-ip": node_ip})},
            "spec": {"hostNetwork": True, "priorityClassName": "system-node-critical",
                     "containers": [{"name": name, "image": "registry.k8s.io/%s" % name,
                                     "command": command}]}}


def write_manifest(pod):
    os.makedirs(paths.MANIFESTS, exist_ok=True)
    path = os.path.join(paths.MANIFESTS, pod["metadata"]["name"] + ".yaml")
    with open(path + ".tmp", "w") as f:
        json.dump(pod, f, indent=2)
        f.write("\n")
    os.chmod(path + ".tmp", 0o600)
    os.replace(path + ".tmp", path)


def read_manifests():
    """{name: pod} of the manifests directory (unreadable ones are skipped)."""
    out = {}
    try:
        names = sorted(os.listdir(paths.MANIFESTS))
    except FileNotFoundError:
        return out
    for n in names:
        if not n.endswith(".yaml"):
            continue
        try:
            with open(os.path.join(paths.MANIFESTS, n)) as f:
                pod = json.load(f)
            out[pod["metadata"]["name"]] = pod
        except (OSError, ValueError, KeyError):
            continue
    return out


def pid_path(name):
    return os.path.join(paths.RUN, name + ".pid")


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return None


def command_digest(command):
    return hashlib.sha256("\0".join(command).encode()).hexdigest()[:16]


def write_pid(name, pid, command):
    """RUN/<name>.pid: the pid and a digest of the command (an interpreter's cmdline in
    /proc does not equal the manifest's command, so that cannot be compared)."""
    with open(pid_path(name) + ".tmp", "w") as f:
        f.write("%d %s\n" % (pid, command_digest(command)))
    os.replace(pid_path(name) + ".tmp", pid_path(name))


def running(name, command=None):
    """pid of the pod's process when it is alive (and was started for command, if given)."""
    try:
        with open(pid_path(name)) as f:
            pid_s, digest = (f.read().split() + ["", ""])[:2]
        pid = int(pid_s)
    except (OSError, ValueError):
        return None
    if not cmdline(pid):
        return None
    if command is not None and digest != command_digest(command):
        return None
    # a zombie child of ours counts as dead
    try:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return None
    except OSError:
        return None
    return pid


def stop(name, grace=10.0):
    """SIGTERM, then SIGKILL after grace seconds; removes the pid file."""
    pid = running(name)
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while running(name) and time.monotonic() < deadline:
                time.sleep(0.05)
            if running(name):
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.unlink(pid_path(name))
    except FileNotFoundError:
        pass
    return pid
