"""The node image the scenarios boot: kernel + concatenated initramfs
(system image, kernel modules overlay, test fixtures overlay), built into
build/qemu/ with image/mkinitramfs.py and rebuilt only when an input
changes."""

import hashlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QT = os.path.dirname(HERE)
REPO = os.path.dirname(QT)
sys.path.insert(0, os.path.join(REPO, "image"))
import mkinitramfs as mk  # noqa: E402

OUT = os.path.join(REPO, "build", "qemu")
FIXTURES = os.path.join(QT, "fixtures", "rootfs")
IMAGE_ROOTFS = os.path.join(REPO, "image", "rootfs")  # ekinit's own files for every node image
MODULES = ["overlay", "br_netfilter", "dummy"]
CTL_LINKS = ["/sbin/reboot", "/sbin/poweroff", "/sbin/halt", "/usr/bin/systemctl"]


class NodeImage:
    def __init__(self, kernel, initrd, size, kver):
        self.kernel = kernel      # vmlinux path
        self.initrd = initrd      # concatenated cpio path
        self.size = size          # uncompressed image size in bytes
        self.kver = kver


def _hash_file(h, path):
    h.update(path.encode() + b"\0")
    if os.path.islink(path):    # a symlink goes into the image as a symlink (it may lead nowhere)
        h.update(b"symlink\0" + os.readlink(path).encode())
        return
    with open(path, "rb") as f:
        h.update(hashlib.sha256(f.read()).digest())


def _tree_hash(root):
    h = hashlib.sha256()
    for d, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for n in sorted(files):
            p = os.path.join(d, n)
            h.update(os.path.relpath(p, root).encode())
            _hash_file(h, p)
    return h.hexdigest()


def _cached(path, key, build):
    """Build path via build(tmp_path) unless path.key holds key."""
    stamp = path + ".key"
    if os.path.exists(path) and os.path.exists(stamp):
        with open(stamp) as f:
            if f.read().strip() == key:
                return False
    build(path)
    with open(mk.tmp_path(stamp), "w") as f:
        f.write(key + "\n")
    os.replace(mk.tmp_path(stamp), stamp)
    return True


def _prune(d, prefix, keep):
    """Keep the `keep` most recently used PREFIX*.cpio archives in d (and their .key and .libs
    files): the shared cache (~/.cache/ekinit/images) holds content-keyed archives that would
    otherwise pile up with every package update."""
    arcs = sorted((f for f in os.listdir(d) if f.startswith(prefix) and f.endswith(".cpio")),
                  key=lambda f: os.path.getmtime(os.path.join(d, f)), reverse=True)
    for f in arcs[keep:]:
        for p in (f, f + ".key", f + ".libs"):
            try:
                os.unlink(os.path.join(d, p))
            except FileNotFoundError:
                pass


def build(ekinit, ekctl, log=print, out=OUT):
    """Build (or reuse) the node image in out; returns a NodeImage."""
    OUT = out
    os.makedirs(OUT, exist_ok=True)
    t0 = time.monotonic()
    os.environ.setdefault("MKINITRAMFS_QUIET", "1")
    kern = mk.debian_kernel()
    vmlinux = kern.vmlinux()
    tool = hashlib.sha256()
    _hash_file(tool, mk.__file__)
    _hash_file(tool, __file__)
    tool = tool.hexdigest()
    rebuilt = []

    # 1. system image: busybox, ekinit, ekctl + links, libraries, /dev/console
    h = hashlib.sha256(tool.encode())
    for p in (ekinit, ekctl):
        _hash_file(h, p)
    bb = mk.busybox_binary()
    _hash_file(h, bb)
    for p in (ekinit, ekctl):
        for lib in mk.shared_libraries(p):
            _hash_file(h, lib)
    h.update(_tree_hash(IMAGE_ROOTFS).encode())

    def build_system(path):
        img = mk.Image()
        for d in ("/proc", "/sys", "/dev", "/run", "/root", "/mnt", "/etc"):
            img.add_dir(d)
        img.add_dir("/tmp", 0o1777)
        img.add_device("/dev/console", "c", 5, 1, 0o600)
        img.add_binary(ekinit, "/sbin/ekinit")
        img.add_binary(ekctl, "/usr/bin/ekctl")
        for link in CTL_LINKS:
            img.add_symlink(link, "/usr/bin/ekctl")
        img.add_busybox(bb)
        img.add_tree(IMAGE_ROOTFS, "/")
        img.write_file(path)
    if _cached(os.path.join(OUT, "system.cpio"), h.hexdigest(), build_system):
        rebuilt.append("system")

    # 2. kernel modules overlay
    key = tool + kern.version + ",".join(MODULES)

    def build_modules(path):
        img = mk.Image()
        img.add_modules(kern, MODULES)
        img.write_file(path)
    if _cached(os.path.join(OUT, "modules.cpio"), key, build_modules):
        rebuilt.append("modules")

    # 3. test fixtures overlay (/etc/hostname, modules-load.d, sysctl.d)
    def build_fixtures(path):
        img = mk.Image()
        img.add_tree(FIXTURES, "/")
        img.write_file(path)
    if _cached(os.path.join(OUT, "fixtures.cpio"), tool + _tree_hash(FIXTURES),
               build_fixtures):
        rebuilt.append("fixtures")

    initrd = os.path.join(OUT, "image.cpio")
    parts = [os.path.join(OUT, n + ".cpio") for n in ("system", "modules", "fixtures")]
    key = hashlib.sha256()
    for p in parts:
        _hash_file(key, p + ".key")
    if _cached(initrd, key.hexdigest(), lambda path: mk.concat(path, parts)):
        log("image: rebuilt %s -> %s (%.1f s)" % (", ".join(rebuilt) or "image",
                                                 os.path.relpath(initrd, REPO),
                                                 time.monotonic() - t0))
    size = sum(os.path.getsize(p) for p in parts)
    with open(os.path.join(OUT, "image.json"), "w") as f:
        json.dump({"kernel": vmlinux, "initrd": initrd, "size": size,
                   "kernel_version": kern.version}, f, indent=1)
    return NodeImage(vmlinux, initrd, size, kern.version)
