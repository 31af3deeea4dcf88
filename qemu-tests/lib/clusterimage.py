"""The `cluster` node image: a networked node image (lib/cluster.py) plus
 - cluster.cpio: Debian's containerd, runc, haproxy, keepalived, etcd (etcd-server), etcdctl
   (etcd-client), kubectl (kubernetes-client), openssl, python3.11 with its standard library
   and python3-cryptography; their units (containerd, haproxy, keepalived) enabled;
 - standins.cpio: the TEST STAND-INS of qemu-tests/standins/ (kubeadm, kubelet,
   kube-apiserver, a kubelet.service stand-in unit with
   StartWhenExists=/var/lib/kubelet/config.yaml);
 - stages.cpio: build/ek-join, build/phylactery and build/ek-vip-clean (as /usr/lib/ekinit/)
   with their libraries and stages/units/* (as /etc/ekinit/system/; units enabled, drop-in
   directories such as keepalived.service.d/ as they are); built only when `make` made them.

The stand-ins never go into image/ or overlay/: this module is the only place that installs
them, and only into test images."""

import hashlib
import os
import threading

import nodeimage
import svcimage
from nodeimage import mk, _cached, _hash_file, _prune, _tree_hash, REPO, QT

STANDINS = os.path.join(QT, "standins")
STANDIN_FILES = ["kubeadm", "kubelet", "kube-apiserver"]
STANDIN_DIR = "/usr/lib/ektest-standins"
SVC_FIXTURES = os.path.join(QT, "fixtures", "services", "rootfs")
STAGES_BIN = [os.path.join(REPO, "build", n) for n in ("ek-join", "phylactery", "ek-vip-clean")]
STAGES_UNITS = os.path.join(REPO, "stages", "units")

PY = "python3.11"
PACKAGES = ["containerd", "runc", "haproxy", "keepalived", "etcd-server", "etcd-client",
            "kubernetes-client", "openssl", PY + "-minimal", "lib%s-minimal" % PY,
            "lib%s-stdlib" % PY, "python3-cryptography", "python3-cffi-backend", "libssl3"]
BINARIES = [
    ("containerd", "usr/bin/containerd"),
    ("containerd", "usr/bin/containerd-shim-runc-v2"),
    ("containerd", "usr/bin/ctr"),
    ("runc", "usr/sbin/runc"),
    ("haproxy", "usr/sbin/haproxy"),
    ("keepalived", "usr/sbin/keepalived"),
    ("etcd-server", "usr/bin/etcd"),
    ("etcd-client", "usr/bin/etcdctl"),
    ("kubernetes-client", "usr/bin/kubectl"),
    ("openssl", "usr/bin/openssl"),
    (PY + "-minimal", "usr/bin/" + PY),
]
SYMLINKS = {"/usr/bin/runc": "../sbin/runc", "/usr/bin/python3": PY,
            "/usr/lib/ssl/openssl.cnf": "/etc/ssl/openssl.cnf"}
UNITS = [("containerd", "containerd.service"), ("haproxy", "haproxy.service"),
         ("keepalived", "keepalived.service")]
PACKAGE_FILES = [
    ("containerd", "etc/containerd/config.toml", "/etc/containerd/config.toml"),
    ("haproxy", "etc/default/haproxy", "/etc/default/haproxy"),
    ("haproxy", "etc/haproxy/haproxy.cfg", "/etc/haproxy/haproxy.cfg"),
    ("keepalived", "etc/default/keepalived", "/etc/default/keepalived"),
    # /run/haproxy on the RAM root (ekinit's tmpfiles step), for the admin socket
    ("haproxy", "usr/lib/tmpfiles.d/haproxy.conf", "/usr/lib/tmpfiles.d/haproxy.conf"),
    # OpenSSL 3's legacy provider: python3-cryptography refuses to load without it
    ("libssl3", "usr/lib/x86_64-linux-gnu/ossl-modules/legacy.so",
     "/usr/lib/x86_64-linux-gnu/ossl-modules/legacy.so"),
    # `openssl req` refuses to run without its configuration file
    ("openssl", "etc/ssl/openssl.cnf", "/etc/ssl/openssl.cnf"),
]
# Python's standard library without what no stand-in imports (tests, GUIs, installers).
PY_SKIP = {"test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "pydoc_data",
           "config-3.11-x86_64-linux-gnu", "unittest", "distutils", "__pycache__"}
WANTS = "/etc/systemd/system/multi-user.target.wants/"
# Only control nodes run the load balancer (stand-in policy of the test image).
CONTROL_ONLY = """# ektest: the API load balancer runs on control nodes only
[X-Ekinit]
Roles=control
"""
KUBELET_UNIT = """# TEST STAND-IN (qemu-tests/standins): kubelet.service for the stand-in kubelet.
# Started when kubeadm has written its configuration (as with the real kubelet's
# kubelet.service, which restarts in a loop until then); KillMode=process: the static pods it
# runs survive a kubelet restart, as containers do, and the next kubelet adopts them.
[Unit]
Description=kubelet (ekinit test stand-in)
After=network-online.target containerd.service

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
RestartSec=1
KillMode=process

[X-Ekinit]
Roles=control worker
StartWhenExists=/var/lib/kubelet/config.yaml
"""

_lock = threading.Lock()
# bump when cluster_cpio()'s code changes the archive's contents
CLUSTER_LAYOUT_VERSION = 4


def _add_python(img, roots, lib_roots):
    std = "/usr/lib/" + PY
    for pkg in ("lib%s-minimal" % PY, "lib%s-stdlib" % PY):
        src = os.path.join(roots[pkg], "usr/lib", PY)
        for d, dirs, files in os.walk(src):
            dirs[:] = sorted(x for x in dirs if x not in PY_SKIP)
            rel = os.path.relpath(d, src)
            for n in sorted(files):
                dst = os.path.normpath(os.path.join(std, rel, n))
                if os.path.islink(os.path.join(d, n)):
                    img.add_symlink(dst, os.readlink(os.path.join(d, n)))
                elif n.endswith(".so"):
                    img.add_binary(os.path.join(d, n), dst, 0o644, lib_roots=lib_roots)
                else:
                    img.add_file(os.path.join(d, n), dst, 0o644)
    dist = "usr/lib/python3/dist-packages"
    for pkg in ("python3-cryptography", "python3-cffi-backend"):
        src = os.path.join(roots[pkg], dist)
        for d, dirs, files in os.walk(src):
            dirs.sort()
            for n in sorted(files):
                rel = os.path.relpath(os.path.join(d, n), roots[pkg])
                if n.endswith(".so"):
                    img.add_binary(os.path.join(d, n), "/" + rel, 0o644, lib_roots=lib_roots)
                else:
                    img.add_file(os.path.join(d, n), "/" + rel, 0o644)


def add_standins(img):
    for n in STANDIN_FILES:
        img.add_file(os.path.join(STANDINS, n), "%s/%s" % (STANDIN_DIR, n), 0o755)
        img.add_symlink("/usr/bin/" + n, "%s/%s" % (STANDIN_DIR, n))
    lib = os.path.join(STANDINS, "lib", "ekstandin")
    for n in sorted(os.listdir(lib)):
        if n.endswith(".py"):
            img.add_file(os.path.join(lib, n), "%s/lib/ekstandin/%s" % (STANDIN_DIR, n), 0o644)
    img.add_bytes("/etc/ekinit/system/kubelet.service", KUBELET_UNIT)
    img.add_symlink(WANTS + "kubelet.service", "/etc/ekinit/system/kubelet.service")


def cluster_cpio(out=None):
    """Build (or reuse) cluster.cpio; returns (path, note). Nothing of this checkout's build goes
    into it, so it lives in the shared cache (~/.cache/ekinit/images) under its content key and a
    fresh clone reuses it (building it takes minutes under load: ~230 MB from Debian's packages).
    `out` is accepted for the callers' symmetry with the other parts and not used."""
    with _lock:
        roots = {p: mk.package_root(p) for p in PACKAGES}
        h = hashlib.sha256()
        for p in (mk.__file__, svcimage.__file__):
            _hash_file(h, p)
        # this file's parts that shape cluster.cpio (editing the stand-ins' or the stages'
        # parts must not rebuild 230 MB)
        h.update(repr((PACKAGES, BINARIES, SYMLINKS, UNITS, PACKAGE_FILES, sorted(PY_SKIP),
                       CONTROL_ONLY, CLUSTER_LAYOUT_VERSION)).encode())
        h.update(_tree_hash(SVC_FIXTURES).encode())
        h.update(" ".join(sorted(roots.values())).encode())
        key = h.hexdigest()
        cache = mk.cache_dir("images")
        path = os.path.join(cache, "cluster-%s.cpio" % key[:16])

        def build(path):
            names = svcimage.closure(PACKAGES)
            bins = [os.path.join(roots[p], rel) for p, rel in BINARIES]
            libroots, fallbacks = svcimage.library_roots(bins, names)
            lib_roots = [r for _, r in libroots]
            img = mk.Image()
            for pkg, rel in BINARIES:
                img.add_binary(os.path.join(roots[pkg], rel), "/" + rel, lib_roots=lib_roots)
            for link, target in SYMLINKS.items():
                img.add_symlink(link, target)
            _add_python(img, roots, lib_roots)
            for pkg, unit in UNITS:
                img.add_file(os.path.join(roots[pkg], "lib/systemd/system", unit),
                             "/lib/systemd/system/" + unit, 0o644)
                img.add_symlink(WANTS + unit, "/lib/systemd/system/" + unit)
            for unit in ("haproxy.service", "keepalived.service"):
                img.add_bytes("/etc/ekinit/system/%s.d/ektest-roles.conf" % unit, CONTROL_ONLY)
            for pkg, rel, dst in PACKAGE_FILES:
                img.add_file(os.path.join(roots[pkg], rel), dst, 0o644)
            for f in ("passwd", "group"):
                img.add_file(os.path.join(SVC_FIXTURES, "etc", f), "/etc/" + f, 0o644)
            for d in ("/var/lib/containerd", "/var/lib/haproxy", "/run/haproxy",
                      "/etc/keepalived", "/var/lib/etcd", "/var/lib/kubelet",
                      "/etc/kubernetes/manifests"):
                img.add_dir(d)
            img.add_dir("/var/tmp", 0o1777)
            img.write_file(path)
            with open(path + ".libs", "w") as f:
                f.write("libraries from %s%s\n" % (" ".join(p for p, _ in libroots) or "-",
                        "; host fallback for %s" % " ".join(fallbacks) if fallbacks else ""))
        rebuilt = _cached(path, key, build)
        if not rebuilt:
            os.utime(path)                         # used: the pruning below keeps it
        _prune(cache, "cluster-", keep=2)
        libs = open(path + ".libs").read().strip() if os.path.exists(path + ".libs") else "?"
        return path, "cluster.cpio %s: %.1f MB; %s" % ("rebuilt" if rebuilt else "reused",
                                                       os.path.getsize(path) / 1e6, libs)


def standins_cpio(out=None):
    """out/standins.cpio: the TEST STAND-INS (small; rebuilt when they change)."""
    out = out or nodeimage.OUT
    with _lock:
        h = hashlib.sha256()
        for p in (mk.__file__, __file__):
            _hash_file(h, p)
        h.update(_tree_hash(STANDINS).encode())
        path = os.path.join(out, "standins.cpio")

        def build(path):
            img = mk.Image()
            add_standins(img)
            img.write_file(path)
        _cached(path, h.hexdigest(), build)
        return path


def stages_present():
    return all(os.access(b, os.X_OK) for b in STAGES_BIN) and os.path.isdir(STAGES_UNITS)


def stages_cpio(out=None):
    """out/stages.cpio from build/ek-join, build/phylactery and stages/units/, or None
    when `make` has not built them (the scenario then fails saying so)."""
    if not stages_present():
        return None
    out = out or nodeimage.OUT
    with _lock:
        h = hashlib.sha256()
        for p in STAGES_BIN + [mk.__file__, __file__]:
            _hash_file(h, p)
        h.update(_tree_hash(STAGES_UNITS).encode())
        path = os.path.join(out, "stages.cpio")

        def build(path):
            img = mk.Image()
            for b in STAGES_BIN:
                img.add_binary(b, "/usr/lib/ekinit/" + os.path.basename(b))
            for n in sorted(os.listdir(STAGES_UNITS)):
                src = os.path.join(STAGES_UNITS, n)
                if os.path.isdir(src):  # drop-ins such as keepalived.service.d/
                    for f in sorted(os.listdir(src)):
                        img.add_file(os.path.join(src, f), "/etc/ekinit/system/%s/%s" % (n, f), 0o644)
                    continue
                img.add_file(src, "/etc/ekinit/system/" + n, 0o644)
                if n.endswith(".service"):
                    img.add_symlink(WANTS + n, "/etc/ekinit/system/" + n)
            img.write_file(path)
        _cached(path, h.hexdigest(), build)
        return path


def cluster_image(node_initrd, out=None):
    """node_initrd + cluster.cpio (+ stages.cpio when built). Returns (initrd path, size,
    note, stages included?)."""
    cl, note = cluster_cpio(out)
    st = stages_cpio(out)
    parts = [node_initrd, cl, standins_cpio(out)] + ([st] if st else [])
    dst = node_initrd[:-len(".img")] + "+cluster.img"
    size = mk.concat(dst, parts)
    return dst, size, note, st is not None
