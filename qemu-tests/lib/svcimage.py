"""The `services` node image: a networked node image (lib/cluster.py) plus one
more archive with Debian's containerd, runc, haproxy, keepalived and
openssh-server (their binaries, their own unit files, unmodified, enabled by
links in multi-user.target.wants/), the test configuration from
fixtures/services/, sshd host keys generated at build time, and an OCI image
tarball (static busybox) built here in Python.

Shared libraries come from the packages' dependency closure
(`apt-cache depends --recurse`, filtered to the libraries ldd reports the
binaries need), downloaded and unpacked in the cache like every other
package; a host library is used only when no package of the closure has it
(and is then listed in the build note)."""

import hashlib
import io
import json
import os
import re
import subprocess
import tarfile
import threading

import nodeimage
from nodeimage import mk, _cached, _hash_file, _tree_hash, QT

FIXTURES = os.path.join(QT, "fixtures", "services")
PACKAGES = ["containerd", "runc", "haproxy", "keepalived", "openssh-server"]
# (package, path in the package) of what the image runs; links are added below.
BINARIES = [
    ("containerd", "usr/bin/containerd"),
    ("containerd", "usr/bin/containerd-shim-runc-v2"),
    ("containerd", "usr/bin/ctr"),
    ("runc", "usr/sbin/runc"),
    ("haproxy", "usr/sbin/haproxy"),
    ("keepalived", "usr/sbin/keepalived"),
    ("openssh-server", "usr/sbin/sshd"),
]
SYMLINKS = {"/usr/bin/runc": "../sbin/runc"}
# Unit files (from the packages, unmodified) and how `systemctl enable` links them.
UNITS = [("containerd", "containerd.service"), ("haproxy", "haproxy.service"),
         ("keepalived", "keepalived.service"), ("openssh-server", "ssh.service")]
ALIASES = {"sshd.service": "ssh.service"}        # [Install] Alias= of ssh.service
# Package files installed as they are (configuration the daemons read).
PACKAGE_FILES = [
    ("containerd", "etc/containerd/config.toml", "/etc/containerd/config.toml"),
    ("haproxy", "etc/default/haproxy", "/etc/default/haproxy"),
    ("keepalived", "etc/default/keepalived", "/etc/default/keepalived"),
    ("openssh-server", "etc/default/ssh", "/etc/default/ssh"),
    ("openssh-server", "etc/ssh/moduli", "/etc/ssh/moduli"),
    # what openssh-server's postinst installs as /etc/ssh/sshd_config
    ("openssh-server", "usr/share/openssh/sshd_config", "/etc/ssh/sshd_config"),
]
TEST_UNITS = ["after-all.service", "before-network.service", "after-online.service"]
OCI_TAR = "/root/busybox-oci.tar"
OCI_NAME = "docker.io/ektest/busybox:test"
HOST_KEY = "ssh_host_ed25519_key"

_lock = threading.Lock()


# ------------------------------------------------------------- dependencies

def closure(packages=PACKAGES):
    """Names of the packages' dependency closure (Depends and PreDepends)."""
    p = mk.apt_cache(["depends", "--recurse", "--no-recommends", "--no-suggests",
                      "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"]
                     + list(packages))
    if p.returncode != 0:
        raise mk.BuildError("apt-cache depends: %s" % p.stderr.strip())
    names = set()
    for line in p.stdout.splitlines():
        if line and not line[0].isspace() and not line.startswith("<"):
            names.add(line.strip().split(":")[0])
    return sorted(names)


def _ldd(binary, roots):
    """[(soname, resolved path or None)] as ldd reports with roots' lib
    directories first in the search path."""
    dirs = [os.path.join(r, d) for r in roots for d in mk.LIB_SUBDIRS
            if os.path.isdir(os.path.join(r, d))]
    env = dict(os.environ, LD_LIBRARY_PATH=":".join(dirs))
    p = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=env)
    out = []
    for line in p.stdout.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+|not found)", line)
        if m:
            out.append((m.group(1), None if m.group(2) == "not found" else m.group(2)))
    return out


def _has_lib(root, soname):
    return any(os.path.lexists(os.path.join(root, d, soname)) for d in mk.LIB_SUBDIRS)


def _norm(s):
    return re.sub(r"[^a-z0-9]", "", s.lower())


# host path -> the package that owns it (or None), asked of dpkg once per process and in batches:
# each `dpkg -S` costs ~0.5 s here, and a library search asks about some seventy paths.
_owners = {}


def _learn_owners(paths):
    todo = sorted({p for p in paths if p and p not in _owners})
    if not todo:
        return
    p = subprocess.run(["dpkg", "-S"] + todo, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       text=True)
    for line in p.stdout.splitlines():
        # "pkg:arch[, pkg2:arch]: /path"; "diversion by ..." lines name no owner
        if line.startswith("diversion ") or ": /" not in line:
            continue
        pkgs, path = line.split(": /", 1)
        path = "/" + path.strip()
        if path in todo and path not in _owners:
            _owners[path] = pkgs.split(",")[0].split(":")[0].strip()
    for path in todo:
        _owners.setdefault(path, None)


def _host_package(path):
    _learn_owners([path])
    return _owners[path]


def library_roots(binaries, names):
    """Unpacked roots of the closure packages that hold the libraries the
    binaries need. Returns (roots, host_fallbacks)."""
    libpkgs = [n for n in names if n.startswith("lib")]
    roots = {}                       # package -> unpacked root
    unpacked = {}                    # package -> unpacked root (cache of package_root)
    fallbacks = set()

    def holds(pkg, soname):
        """pkg (in the closure) has soname: its root joins the roots."""
        if pkg not in names:
            return False
        if pkg not in unpacked:
            unpacked[pkg] = mk.package_root(pkg)
        root = unpacked[pkg]
        if _has_lib(root, soname):
            roots[pkg] = root
            return True
        return False

    def find(soname, host_path):
        # 0. a package already chosen (for another library of this ldd run)
        for pkg, root in roots.items():
            if _has_lib(root, soname):
                return pkg
        # 1. the package that owns the host's copy, if it is in the closure
        if host_path:
            for cand in (host_path, os.path.realpath(host_path)):
                pkg = _host_package(cand)
                if pkg and holds(pkg, soname):
                    return pkg
        # 2. closure library packages named like the soname, then 3. all the others
        stem = _norm(soname.split(".so")[0])
        alike = [p for p in libpkgs if _norm(p).startswith(stem)
                 or stem.startswith(_norm(p).rstrip("0123456789"))]
        for pkg in alike + [p for p in libpkgs if p not in alike]:
            if pkg not in roots and holds(pkg, soname):
                return pkg
        return None

    mk.prefetch_versions(names)      # one apt call for every package find() may unpack
    for _ in range(10):
        changed = False
        for b in binaries:
            found = _ldd(b, list(roots.values()))
            _learn_owners([c for _, path in found if path for c in (path, os.path.realpath(path))])
            for soname, path in found:
                rp = os.path.realpath(path) if path else None
                if rp and any(rp.startswith(os.path.realpath(r) + "/") for r in roots.values()):
                    continue
                if soname in fallbacks:
                    continue
                pkg = find(soname, path)
                if pkg:
                    changed = True
                elif path:
                    fallbacks.add(soname)
                else:
                    raise mk.BuildError("%s needs %s, which no package of the closure nor "
                                        "the host has" % (b, soname))
        if not changed:
            break
    return sorted(roots.items()), sorted(fallbacks)


# ---------------------------------------------------------------- OCI image

def _sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _tar(members):
    """Deterministic tar of [(name, data or None for a dir, mode)]."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data, mode in members:
            ti = tarfile.TarInfo(name)
            ti.mode = mode
            ti.mtime = 0
            if data is None:
                ti.type = tarfile.DIRTYPE
                tf.addfile(ti)
            else:
                ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def oci_image_tar(busybox, name=OCI_NAME):
    """An OCI image layout tarball (oci-layout, index.json with the
    io.containerd.image.name annotation, manifest, config, one layer with
    busybox at /bin/busybox), sha256-addressed, as bytes."""
    with open(busybox, "rb") as f:
        bb = f.read()
    layer = _tar([("bin", None, 0o755), ("bin/busybox", bb, 0o755), ("tmp", None, 0o1777)])
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/bin/busybox", "sh"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [_sha(layer)]},
    }, sort_keys=True).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": _sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": _sha(layer), "size": len(layer)}],
    }, sort_keys=True).encode()
    index = json.dumps({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": _sha(manifest), "size": len(manifest),
                       "platform": {"architecture": "amd64", "os": "linux"},
                       "annotations": {"io.containerd.image.name": name,
                                       "org.opencontainers.image.ref.name": name.split(":")[-1]}}],
    }, sort_keys=True).encode()
    members = [("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode(), 0o644),
               ("index.json", index, 0o644), ("blobs", None, 0o755),
               ("blobs/sha256", None, 0o755)]
    for blob in (layer, config, manifest):
        members.append(("blobs/sha256/" + _sha(blob)[7:], blob, 0o644))
    return _tar(members)


# -------------------------------------------------------------------- image

def host_key(out):
    """sshd's host key, generated once into the build directory (never
    committed); regenerated only when missing."""
    d = os.path.join(out, "services")
    os.makedirs(d, exist_ok=True)
    key = os.path.join(d, HOST_KEY)
    if not (os.path.exists(key) and os.path.exists(key + ".pub")):
        for p in (key, key + ".pub"):
            if os.path.exists(p):
                os.unlink(p)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ektest-services",
                        "-f", key], check=True, stdout=subprocess.DEVNULL)
    return key


def services_cpio(out=None):
    """Build (or reuse) out/services.cpio; returns (path, note). The cache
    key covers the packages' versions and their closure (one apt-cache
    call), so the library search runs only when something changed."""
    out = out or nodeimage.OUT
    with _lock:
        names = closure()
        mk.prefetch_versions(list(PACKAGES) + names)
        roots = {p: mk.package_root(p) for p in PACKAGES}
        key = host_key(out)
        bb = mk.busybox_binary()
        h = hashlib.sha256()
        for p in (mk.__file__, __file__, bb, key):
            _hash_file(h, p)
        h.update(_tree_hash(FIXTURES).encode())
        h.update(" ".join(sorted(roots.values()) + names).encode())
        path = os.path.join(out, "services.cpio")
        libs_note = path + ".libs"

        def build(path):
            bins = [os.path.join(roots[p], rel) for p, rel in BINARIES]
            libroots, fallbacks = library_roots(bins, names)
            lib_roots = [r for _, r in libroots]
            img = mk.Image()
            for pkg, rel in BINARIES:
                img.add_binary(os.path.join(roots[pkg], rel), "/" + rel, lib_roots=lib_roots)
            for link, target in SYMLINKS.items():
                img.add_symlink(link, target)
            for pkg, unit in UNITS:
                src = os.path.join(roots[pkg], "lib/systemd/system", unit)
                img.add_file(src, "/lib/systemd/system/" + unit, 0o644)
                img.add_symlink("/etc/systemd/system/multi-user.target.wants/" + unit,
                                "/lib/systemd/system/" + unit)
            for alias, unit in ALIASES.items():
                img.add_symlink("/etc/systemd/system/" + alias, "/lib/systemd/system/" + unit)
            for pkg, rel, dst in PACKAGE_FILES:
                img.add_file(os.path.join(roots[pkg], rel), dst, 0o644)
            img.add_tree(os.path.join(FIXTURES, "rootfs"), "/")
            for unit in TEST_UNITS:
                img.add_symlink("/etc/systemd/system/multi-user.target.wants/" + unit,
                                "/etc/systemd/system/" + unit)
            img.add_file(key, "/etc/ssh/" + HOST_KEY, 0o600)
            img.add_file(key + ".pub", "/etc/ssh/" + HOST_KEY + ".pub", 0o644)
            for d in ("/var/lib/containerd", "/var/lib/haproxy", "/etc/ssh/sshd_config.d"):
                img.add_dir(d)
            img.add_dir("/var/tmp", 0o1777)
            img.add_bytes(OCI_TAR, oci_image_tar(bb))
            img.write_file(path)
            text = "libraries from %s" % (" ".join(p for p, _ in libroots) or "-")
            if fallbacks:
                text += "; host fallback for %s" % " ".join(fallbacks)
            with open(libs_note, "w") as f:
                f.write(text + "\n")
        rebuilt = _cached(path, h.hexdigest(), build)
        libs = open(libs_note).read().strip() if os.path.exists(libs_note) else "?"
        note = "services.cpio %s: %.1f MB; %s" % (
            "rebuilt" if rebuilt else "reused", os.path.getsize(path) / 1e6, libs)
        return path, note


def services_image(node_initrd, out=None):
    """node_initrd (a cluster.node_image) + services.cpio, concatenated.
    Returns (initrd path, uncompressed size in bytes, build note)."""
    svc, note = services_cpio(out)
    dst = node_initrd[:-len(".img")] + "+services.img"
    size = mk.concat(dst, [node_initrd, svc])
    return dst, size, note
