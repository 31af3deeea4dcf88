#!/usr/bin/env python3
"""mkinitramfs.py - build initramfs images (cpio "newc") for diskless nodes.

Pure Python cpio writer (no root needed: device nodes and 0:0 ownership are
written directly into the archive), plus helpers to populate an image from
Debian packages, the host's binaries and a Debian kernel's modules.

Library use:

    import mkinitramfs as mk
    img = mk.Image()
    img.add_device("/dev/console", "c", 5, 1)
    img.add_binary("/usr/sbin/mybinary", "/sbin/init")
    img.add_busybox(mk.busybox_binary())
    kern = mk.debian_kernel()                 # downloads + unpacks, cached
    img.add_modules(kern, ["overlay", "br_netfilter"])
    with open("image.cpio", "wb") as f:
        img.write(f)
    mk.concat("boot.img", ["image.cpio", "overlay.cpio"])

CLI:  mkinitramfs.py --help
"""

import argparse
import dataclasses
import fnmatch
import functools
import glob
import hashlib
import io
import json
import lzma
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import threading

CPIO_ALIGN = 512          # each concatenated archive starts on this boundary
XZ_MAGIC = b"\xfd7zXZ\x00"
LOADER = "/lib64/ld-linux-x86-64.so.2"


class BuildError(Exception):
    pass



def tmp_path(path):
    """A private name beside path to write first and rename: the QEMU tier builds images in
    several threads of one process, so the pid alone is not private (two builds unpacking one
    package removed each other's files)."""
    return "%s.tmp%d-%d" % (path, os.getpid(), threading.get_ident())

def log(msg):
    if os.environ.get("MKINITRAMFS_QUIET") != "1":
        print("mkinitramfs: " + msg, file=sys.stderr)


def _run(cmd, cwd=None, check=True):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if check and p.returncode != 0:
        raise BuildError("%s failed (%d): %s" % (" ".join(cmd), p.returncode,
                                                p.stderr.strip()[-2000:]))
    return p


def _apt_state():
    """What apt-cache's answers depend on: the package lists, apt's configuration and dpkg's
    status, as (path, mtime, size) lines."""
    paths = sorted(glob.glob("/var/lib/apt/lists/*") + glob.glob("/etc/apt/**", recursive=True)
                   + ["/var/lib/dpkg/status"])
    out = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        out.append("%s %d %d" % (path, st.st_mtime_ns, st.st_size))
    return "\n".join(out)


def apt_cache(args):
    """`apt-cache ARGS`, its answer kept in the cache under the apt state it came from: each call
    loads apt's whole cache (~1-2 s here) and an image build asks several, again in every fresh
    clone. Only a successful answer is kept. Returns the CompletedProcess (or one rebuilt from
    the cache)."""
    key = hashlib.sha256(("\0".join(args) + "\0" + _apt_state()).encode()).hexdigest()
    path = os.path.join(cache_dir("apt-cache"), key[:32])
    try:
        with open(path) as f:
            return subprocess.CompletedProcess(["apt-cache"] + args, 0, f.read(), "")
    except OSError:
        pass
    p = _run(["apt-cache"] + args, check=False)
    if p.returncode == 0:
        tmp = tmp_path(path)
        with open(tmp, "w") as f:
            f.write(p.stdout)
        os.replace(tmp, path)
    return p


# --------------------------------------------------------------------------
# cpio newc writer

@dataclasses.dataclass
class Entry:
    path: str                 # absolute image path, e.g. "/dev/console"
    kind: str                 # file | dir | symlink | chr | blk | fifo
    mode: int                 # permission bits (0o7777)
    data: bytes = None        # inline content (file)
    source: str = None        # host path (file), read at write time
    target: str = None        # symlink target
    major: int = 0
    minor: int = 0
    uid: int = 0
    gid: int = 0

    TYPE_BITS = {"file": stat.S_IFREG, "dir": stat.S_IFDIR, "symlink": stat.S_IFLNK,
                 "chr": stat.S_IFCHR, "blk": stat.S_IFBLK, "fifo": stat.S_IFIFO}

    def content(self):
        if self.kind == "file":
            if self.data is not None:
                return self.data
            with open(self.source, "rb") as f:
                return f.read()
        if self.kind == "symlink":
            return self.target.encode()
        return b""


def _norm(path):
    path = "/" + path.strip("/")
    path = os.path.normpath(path)
    if path.startswith("//"):
        path = path[1:]
    return path


def _hdr(ino, mode, uid, gid, nlink, mtime, size, rmaj, rmin, namesize):
    fields = (ino, mode, uid, gid, nlink, mtime, size, 0, 0, rmaj, rmin, namesize, 0)
    return b"070701" + b"".join(b"%08X" % v for v in fields)


def _pad4(n):
    return (4 - n % 4) % 4


def write_cpio(entries, out, mtime=0):
    """Write entries (iterable of Entry) as a newc archive to the binary
    stream out, sorted by path. Returns the number of bytes written."""
    written = 0
    ino = 1

    def emit(name, mode, nlink, rmaj, rmin, uid, gid, data):
        nonlocal written, ino
        nm = name.encode() + b"\0"
        hdr = _hdr(ino, mode, uid, gid, nlink, mtime, len(data), rmaj, rmin, len(nm))
        ino += 1
        chunk = hdr + nm + b"\0" * _pad4(len(hdr) + len(nm))
        chunk += data + b"\0" * _pad4(len(data))
        out.write(chunk)
        written += len(chunk)

    for e in sorted(entries, key=lambda e: e.path):
        if e.path == "/":
            name = "."
        else:
            name = e.path.lstrip("/")
        data = e.content()
        mode = Entry.TYPE_BITS[e.kind] | (e.mode & 0o7777)
        emit(name, mode, 2 if e.kind == "dir" else 1, e.major, e.minor, e.uid, e.gid, data)
    emit("TRAILER!!!", 0, 1, 0, 0, 0, 0, b"")
    return written


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def read_cpio(stream, decompress=False):
    """Parse a newc archive or a concatenation of them (for inspection):
    yields (name, mode, size, rdevmajor, rdevminor, data). With decompress,
    xz and zstd members are decompressed too."""
    buf = stream.read()
    off = 0
    while off + 4 <= len(buf):
        if buf[off:off + 6] != b"070701":
            if buf[off:off + 1] == b"\0":
                off += 1
                continue
            if decompress and buf[off:off + 6] == XZ_MAGIC:
                d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
                inner = d.decompress(buf[off:])
                buf = inner + d.unused_data
                off = 0
                continue
            if decompress and buf[off:off + 4] == ZSTD_MAGIC:
                p = subprocess.run(["zstd", "-d", "-q", "-c"], input=buf[off:],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                if p.returncode != 0:   # zstd also reads what follows; keep it simple
                    raise BuildError("zstd member at offset %d: %s" % (off, p.stderr))
                buf, off = p.stdout, 0
                continue
            raise BuildError("bad cpio magic at offset %d" % off)
        if off + 110 > len(buf):
            break
        f = [int(buf[off + 6 + 8 * i: off + 14 + 8 * i], 16) for i in range(13)]
        namesize, size = f[11], f[6]
        name = buf[off + 110: off + 110 + namesize - 1].decode()
        off += 110 + namesize
        off += _pad4(off)
        data = buf[off: off + size]
        off += size
        off += _pad4(off)
        if name == "TRAILER!!!":
            continue
        yield name, f[1], size, f[9], f[10], data


COMPRESSORS = ("none", "xz", "zstd")


def compress(data, method):
    """Compress a cpio archive the way the kernel can unpack it: xz with
    CRC32 checks (the kernel's xz decoder), or zstd."""
    if method in (None, "none"):
        return data
    if method == "xz":
        return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
    if method == "zstd":
        p = subprocess.run(["zstd", "-q", "-T0", "-c"], input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise BuildError("zstd failed: %s" % p.stderr.decode(errors="replace").strip())
        return p.stdout
    raise BuildError("unknown compression %r (%s)" % (method, ", ".join(COMPRESSORS)))


def concat(output, archives, align=CPIO_ALIGN):
    """Concatenate archives (paths) into output, each starting on an
    `align`-byte boundary (the kernel drops a misaligned archive)."""
    tmp = tmp_path(output)
    with open(tmp, "wb") as out:
        pos = 0
        for a in archives:
            pad = (align - pos % align) % align
            out.write(b"\0" * pad)
            pos += pad
            with open(a, "rb") as f:
                n = 0
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    out.write(chunk)
                    n += len(chunk)
            pos += n
    os.replace(tmp, output)
    return pos


# --------------------------------------------------------------------------
# Image spec

class Image:
    """An initramfs content spec. Parent directories are created implicitly
    (0755). Entries added with explicit=True (the default) are never
    replaced by later implicit additions such as busybox applet links."""

    def __init__(self):
        self.entries = {}
        self.explicit = set()
        # The archive's own "." entry: without it the kernel leaves / at the
        # rootfs default, 1777 (world-writable). add_dir("/", mode) overrides.
        self.entries["/"] = Entry("/", "dir", 0o755)

    # -- primitives
    def _put(self, e, explicit=True, replace=True):
        e.path = _norm(e.path)
        if e.path in self.entries and not replace:
            return False
        if e.path in self.explicit and not explicit:
            return False
        self._parents(e.path)
        self.entries[e.path] = e
        if explicit:
            self.explicit.add(e.path)
        return True

    def _parents(self, path):
        parent = os.path.dirname(path)
        while parent and parent != "/":
            if parent not in self.entries:
                self.entries[parent] = Entry(parent, "dir", 0o755)
            elif self.entries[parent].kind != "dir":
                raise BuildError("%s: parent %s is not a directory" % (path, parent))
            parent = os.path.dirname(parent)

    def add_dir(self, path, mode=0o755):
        self._put(Entry(path, "dir", mode))

    def add_file(self, source, path, mode=None, explicit=True, replace=True):
        if mode is None:
            mode = stat.S_IMODE(os.stat(source).st_mode)
        if not os.path.isfile(source):
            raise BuildError("not a regular file: %s" % source)
        return self._put(Entry(path, "file", mode, source=os.path.realpath(source)),
                         explicit, replace)

    def add_bytes(self, path, data, mode=0o644):
        if isinstance(data, str):
            data = data.encode()
        self._put(Entry(path, "file", mode, data=data))

    def add_symlink(self, path, target, explicit=True, replace=True):
        return self._put(Entry(path, "symlink", 0o777, target=target), explicit, replace)

    def add_device(self, path, kind, major, minor, mode=0o600):
        kind = {"c": "chr", "b": "blk", "p": "fifo"}.get(kind, kind)
        if kind not in ("chr", "blk", "fifo"):
            raise BuildError("bad device type %r" % kind)
        self._put(Entry(path, kind, mode, major=major, minor=minor))

    def add_tree(self, source, dest="/"):
        """Copy a host directory tree (files, dirs, symlinks) under dest."""
        source = os.path.abspath(source)
        for root, dirs, files in os.walk(source):
            rel = os.path.relpath(root, source)
            base = _norm(os.path.join(dest, rel)) if rel != "." else _norm(dest)
            if base != "/":
                self.add_dir(base, stat.S_IMODE(os.lstat(root).st_mode))
            for name in sorted(dirs + files):
                hp = os.path.join(root, name)
                ip = os.path.join(base, name)
                st = os.lstat(hp)
                if stat.S_ISLNK(st.st_mode):
                    self.add_symlink(ip, os.readlink(hp))
                elif stat.S_ISREG(st.st_mode):
                    self.add_file(hp, ip, stat.S_IMODE(st.st_mode))

    # -- higher level
    def add_binary(self, source, path=None, mode=0o755, lib_roots=()):
        """Copy an ELF binary and the shared libraries it needs (as reported
        by ldd), each at its library path; the dynamic loader also at its
        canonical path. Libraries are looked up in lib_roots (unpacked
        package trees, e.g. package_root()) first, then on the host; one
        found in a root goes to its path inside that root."""
        roots = [os.path.realpath(r) for r in lib_roots]
        self.add_file(source, path or source, mode)
        libs = shared_libraries(source, roots)
        # Libraries the binary dlopens (named in its .ekinit.dlopen section), with theirs.
        for soname in dlopen_names(source):
            lib = find_library(soname, roots)
            libs += [lib] + shared_libraries(lib, roots)
        for lib in libs:
            dst = lib
            real = os.path.realpath(lib)
            for r in roots:
                if lib.startswith(r + "/") or real.startswith(r + "/"):
                    dst = "/" + os.path.relpath(lib if lib.startswith(r + "/") else real, r)
                    break
            self.add_file(lib, dst, 0o755, explicit=False, replace=False)

    def add_busybox(self, binary, path="/bin/busybox"):
        """Install a static busybox and links for all its applets, without
        replacing anything placed explicitly."""
        self.add_file(binary, path, 0o755)
        out = _run([binary, "--list-full"]).stdout.split()
        n = 0
        for applet in out:
            link = _norm(applet)
            if link == _norm(path):
                continue
            if link in self.entries:
                continue
            self.add_symlink(link, path, explicit=False, replace=False)
            n += 1
        return n

    def add_modules(self, kernel, names, dest_root="/"):
        """Add modules (and their dependency closure) from an unpacked
        kernel (a Kernel) plus depmod-generated indexes."""
        mods = kernel.module_closure(names)
        staging = tempfile.mkdtemp(prefix="mkinitramfs-mods-")
        try:
            kdir = os.path.join(staging, "lib/modules", kernel.version)
            os.makedirs(kdir)
            for rel in mods:
                dst = os.path.join(kdir, rel)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copyfile(os.path.join(kernel.moddir, rel), dst)
            for meta in ("modules.order", "modules.builtin", "modules.builtin.modinfo"):
                src = os.path.join(kernel.moddir, meta)
                if os.path.exists(src):
                    shutil.copyfile(src, os.path.join(kdir, meta))
            _run(["depmod", "-b", staging, kernel.version])
            for root, dirs, files in os.walk(kdir):
                for name in files:
                    hp = os.path.join(root, name)
                    rel = os.path.relpath(hp, staging)
                    with open(hp, "rb") as f:
                        self.add_bytes(os.path.join(dest_root, rel), f.read(), 0o644)
        finally:
            shutil.rmtree(staging)
        return mods

    def size_estimate(self):
        return sum(len(e.content()) + 120 + len(e.path) for e in self.entries.values())

    def write(self, out, mtime=0):
        return write_cpio(self.entries.values(), out, mtime)

    def write_file(self, path, mtime=0, compression=None):
        """Write the archive to path (atomically), optionally compressed
        (see compress()). Returns the number of bytes written."""
        buf = io.BytesIO()
        self.write(buf, mtime)
        data = compress(buf.getvalue(), compression)
        tmp = tmp_path(path)
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        return len(data)

    # -- JSON spec
    def apply_spec(self, spec, base_dir="."):
        """Apply a JSON-style spec (see SPEC_HELP)."""
        def host(p):
            return p if os.path.isabs(p) else os.path.join(base_dir, p)

        def mode(v, default):
            if v is None:
                return default
            return int(v, 8) if isinstance(v, str) else int(v)

        for d in spec.get("dirs", []):
            self.add_dir(d["path"], mode(d.get("mode"), 0o755))
        for t in spec.get("trees", []):
            self.add_tree(host(t["src"]), t.get("dst", "/"))
        for f in spec.get("files", []):
            self.add_file(host(f["src"]), f["dst"], mode(f.get("mode"), None))
        for c in spec.get("contents", []):
            self.add_bytes(c["path"], c.get("text", ""), mode(c.get("mode"), 0o644))
        for s in spec.get("symlinks", []):
            self.add_symlink(s["path"], s["target"])
        for d in spec.get("devices", []):
            self.add_device(d["path"], d.get("type", "c"), d["major"], d["minor"],
                            mode(d.get("mode"), 0o600))
        for b in spec.get("binaries", []):
            self.add_binary(host(b["src"]), b.get("dst"), mode(b.get("mode"), 0o755))
        if spec.get("modules"):
            self.add_modules(debian_kernel(spec.get("kernel_package")), spec["modules"])
        if spec.get("busybox"):
            self.add_busybox(busybox_binary())


SPEC_HELP = """\
spec (JSON):
  {"dirs":     [{"path": "/tmp", "mode": "1777"}],
   "trees":    [{"src": "rootfs/", "dst": "/"}],
   "files":    [{"src": "/host/path", "dst": "/image/path", "mode": "0755"}],
   "contents": [{"path": "/etc/hostname", "text": "node1\\n", "mode": "0644"}],
   "symlinks": [{"path": "/sbin/reboot", "target": "/usr/bin/ctl"}],
   "devices":  [{"path": "/dev/console", "type": "c", "major": 5, "minor": 1}],
   "binaries": [{"src": "/usr/sbin/init", "dst": "/sbin/init"}],
   "modules":  ["overlay", "br_netfilter"],
   "kernel_package": "linux-image-amd64",
   "busybox":  true}
Relative "src" paths are relative to the spec file. Order of precedence:
explicit entries always win over busybox applet links and library copies.
"""


# --------------------------------------------------------------------------
# Host binaries

LIB_SUBDIRS = ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib", "usr/lib")


def dlopen_names(binary):
    """The library sonames a binary dlopens, as it lists them in its
    .ekinit.dlopen section (NUL-separated; ldd cannot see these)."""
    with open(binary, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:     # 64-bit ELF only
        return []
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    def section(i):
        name, _, _, _, off, size = struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
        return name, off, size
    _, stroff, _ = section(shstrndx)
    for i in range(shnum):
        name, off, size = section(i)
        end = data.index(b"\0", stroff + name)
        if data[stroff + name:end] == b".ekinit.dlopen":
            return [n.decode() for n in data[off:off + size].split(b"\0") if n]
    return []


def find_library(soname, lib_roots=()):
    """The path of a shared library by soname: in lib_roots first, then the host's."""
    for r in list(lib_roots) + ["/"]:
        for d in LIB_SUBDIRS:
            p = os.path.join(r, d, soname)
            if os.path.exists(p):
                return p
    raise BuildError("library %s (dlopened) not found" % soname)


def shared_libraries(binary, lib_roots=()):
    """Paths of the shared libraries (and loader) a dynamic ELF needs.
    lib_roots: unpacked package trees searched before the host's
    libraries (their lib directories go first in LD_LIBRARY_PATH)."""
    with open(binary, "rb") as f:
        if f.read(4) != b"\x7fELF":
            return []
    env = None
    if lib_roots:
        dirs = [os.path.join(r, d) for r in lib_roots for d in LIB_SUBDIRS
                if os.path.isdir(os.path.join(r, d))]
        env = dict(os.environ, LD_LIBRARY_PATH=":".join(dirs))
    p = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=env)
    if p.returncode != 0:
        if "not a dynamic executable" in (p.stdout + p.stderr):
            return []
        raise BuildError("ldd %s: %s" % (binary, p.stderr.strip()))
    libs = []
    for line in p.stdout.splitlines():
        line = line.strip()
        m = re.match(r"\S+ => (/\S+) \(0x", line)
        if m:
            libs.append(m.group(1))
            continue
        m = re.match(r"(/\S+) \(0x", line)
        if m:
            path = m.group(1)
            if os.path.basename(path) == os.path.basename(LOADER):
                path = LOADER
            libs.append(path)
        elif "not found" in line:
            raise BuildError("%s: missing library: %s" % (binary, line))
    return libs


# --------------------------------------------------------------------------
# Debian packages (apt-get download + dpkg-deb -x), cached

def cache_dir(sub=""):
    base = os.environ.get("EKINIT_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "ekinit")
    d = os.path.join(base, sub) if sub else base
    os.makedirs(d, exist_ok=True)
    return d


# Candidate (version, architecture) per package, asked once per process: one `apt-cache show`
# costs ~1-2 s here whatever it is asked for (it loads the whole cache), so an image of a hundred
# packages asks for all of them in one call (prefetch_versions) instead of one call each.
_versions = {}


def prefetch_versions(pkgs):
    """Learn the candidate versions of pkgs with one apt-cache call."""
    todo = sorted({p for p in pkgs if p not in _versions})
    if not todo:
        return
    p = apt_cache(["show", "--no-all-versions"] + todo)
    name = ver = arch = None
    for line in p.stdout.splitlines() + [""]:
        if line.startswith("Package: "):
            name, ver, arch = line.split(None, 1)[1], None, None
        elif line.startswith("Version: ") and ver is None:
            ver = line.split(None, 1)[1]
        elif line.startswith("Architecture: ") and arch is None:
            arch = line.split(None, 1)[1]
        elif not line.strip() and name:
            if name in todo and name not in _versions:
                _versions[name] = (ver, arch)
            name = None
    for pkg in todo:             # unknown to apt (or a purely virtual name)
        _versions.setdefault(pkg, (None, None))


def _candidate_version(pkg):
    prefetch_versions([pkg])
    return _versions[pkg]


def download_deb(pkg):
    """Return the path of pkg's .deb in the cache, downloading the
    candidate version with `apt-get download` when missing."""
    debs = cache_dir("debs")
    ver, arch = _candidate_version(pkg)
    if ver:
        name = "%s_%s_%s.deb" % (pkg, ver.replace(":", "%3a"), arch)
        path = os.path.join(debs, name)
        if os.path.exists(path):
            return path
        log("downloading %s %s" % (pkg, ver))
        # Into a private directory, then renamed: apt-get writes the final name while it
        # downloads, and another process (make check builds the benchmark's image beside the
        # QEMU tier's) must never take a partial .deb for a cached one. As root, apt warns that
        # the download is unsandboxed (_apt cannot write the directory); that is harmless.
        tmp = tmp_path(os.path.join(debs, ".download"))
        os.makedirs(tmp, exist_ok=True)
        try:
            p = _run(["apt-get", "download", "%s=%s" % (pkg, ver)], cwd=tmp, check=False)
            if p.returncode == 0 and os.path.exists(os.path.join(tmp, name)):
                os.replace(os.path.join(tmp, name), path)
                return path
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        err = p.stderr.strip()
    else:
        err = "apt-cache knows no package %s" % pkg
    # offline fallback: newest cached version
    have = sorted(glob.glob(os.path.join(debs, pkg + "_*.deb")))
    if have:
        log("using cached %s (%s)" % (os.path.basename(have[-1]), err))
        return have[-1]
    raise BuildError("cannot get %s: %s" % (pkg, err))


def unpack_deb(deb):
    """dpkg-deb -x into the cache; returns the unpacked root (cached)."""
    stem = os.path.basename(deb)[:-4]
    root = os.path.join(cache_dir("unpacked"), stem)
    if os.path.exists(os.path.join(root, ".unpacked")):
        return root
    tmp = tmp_path(root)
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    _run(["dpkg-deb", "-x", deb, tmp])
    open(os.path.join(tmp, ".unpacked"), "w").close()
    try:
        os.rename(tmp, root)
    except OSError:              # unpacked meanwhile by another build
        shutil.rmtree(tmp, ignore_errors=True)
    return root


_pkg_locks = {}
_pkg_locks_guard = threading.Lock()


def package_root(pkg):
    """pkg's unpacked root in the cache. One thread at a time per package: two image builds of
    one QEMU tier must not download or unpack the same .deb at once (apt-get download writes the
    final name while it downloads)."""
    with _pkg_locks_guard:
        lock = _pkg_locks.setdefault(pkg, threading.Lock())
    with lock:
        return unpack_deb(download_deb(pkg))


def package_roots(pkgs):
    """[package_root(p) for p in pkgs], asking apt for their versions in one call."""
    prefetch_versions(pkgs)
    return [package_root(p) for p in pkgs]


def busybox_binary(pkg="busybox-static"):
    root = package_root(pkg)
    path = os.path.join(root, "bin/busybox")
    if not os.path.exists(path):
        raise BuildError("%s has no /bin/busybox" % pkg)
    return path


# --------------------------------------------------------------------------
# Kernel

@functools.lru_cache(maxsize=None)   # an apt-cache call costs ~2 s; an image build asks several times
def resolve_kernel_package(meta="linux-image-amd64"):
    """The versioned package behind a metapackage (linux-image-6.1.0-NN-amd64)."""
    if re.match(r"linux-image-\d", meta):
        return meta
    p = apt_cache(["depends", meta])
    for line in p.stdout.splitlines():
        m = re.match(r"\s*Depends:\s*(linux-image-\d\S*)", line)
        if m:
            return m.group(1)
    have = sorted(glob.glob(os.path.join(cache_dir("debs"), "linux-image-[0-9]*.deb")))
    if have:
        return os.path.basename(have[-1]).split("_")[0]
    raise BuildError("cannot resolve %s: %s" % (meta, p.stderr.strip()))


def extract_vmlinux(vmlinuz_path):
    """Uncompressed ELF vmlinux from a bzImage whose payload is xz."""
    with open(vmlinuz_path, "rb") as f:
        data = f.read()
    start = 0
    while True:
        i = data.find(XZ_MAGIC, start)
        if i < 0:
            raise BuildError("%s: no xz payload that decompresses to an ELF" % vmlinuz_path)
        d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        try:
            out = d.decompress(data[i:])   # trailing data lands in unused_data
        except lzma.LZMAError:
            out = b""
        if out[:4] == b"\x7fELF":
            return out
        start = i + 1


class Kernel:
    """An unpacked Debian kernel package: version, module tree, vmlinux."""

    def __init__(self, root):
        self.root = root
        vmlinuz = sorted(glob.glob(os.path.join(root, "boot/vmlinuz-*")))
        if not vmlinuz:
            raise BuildError("%s: no /boot/vmlinuz-*" % root)
        self.vmlinuz = vmlinuz[0]
        self.version = os.path.basename(self.vmlinuz)[len("vmlinuz-"):]
        self.moddir = None
        for d in ("lib/modules", "usr/lib/modules"):
            p = os.path.join(root, d, self.version)
            if os.path.isdir(p):
                self.moddir = p
        if self.moddir is None:
            raise BuildError("%s: no modules for %s" % (root, self.version))
        self._dep = None
        self._builtin = None
        self._softdep = None
        self._alias = None

    def vmlinux(self):
        """Path of the cached uncompressed vmlinux (PVH-bootable)."""
        out = os.path.join(cache_dir("kernel"), self.version, "vmlinux")
        if not os.path.exists(out):
            log("extracting vmlinux from %s" % os.path.basename(self.vmlinuz))
            os.makedirs(os.path.dirname(out), exist_ok=True)
            data = extract_vmlinux(self.vmlinuz)
            tmp = tmp_path(out)
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, out)
        return out

    def _ensure_dep(self):
        dep = os.path.join(self.moddir, "modules.dep")
        if not os.path.exists(dep):
            # Debian generates modules.dep in postinst; do it on the unpack.
            base = os.path.dirname(os.path.dirname(os.path.dirname(self.moddir)))
            _run(["depmod", "-b", base, self.version])
        return dep

    @staticmethod
    def modname(path_or_name):
        n = os.path.basename(path_or_name)
        n = re.sub(r"\.ko(\.(xz|zst|gz))?$", "", n)
        return n.replace("-", "_")

    def deps(self):
        if self._dep is None:
            self._dep = {}
            with open(self._ensure_dep()) as f:
                for line in f:
                    if ":" not in line:
                        continue
                    mod, rest = line.split(":", 1)
                    self._dep[self.modname(mod)] = (mod.strip(), rest.split())
        return self._dep

    def builtin(self):
        if self._builtin is None:
            self._builtin = set()
            p = os.path.join(self.moddir, "modules.builtin")
            if os.path.exists(p):
                with open(p) as f:
                    self._builtin = {self.modname(l.strip()) for l in f if l.strip()}
        return self._builtin

    def softdeps(self):
        """{module: [names]} from modules.softdep, pre and post together (names may be aliases)."""
        if self._softdep is None:
            self._softdep = {}
            p = os.path.join(self.moddir, "modules.softdep")
            if os.path.exists(p):
                with open(p) as f:
                    for line in f:
                        w = line.split("#", 1)[0].split()
                        if len(w) < 2 or w[0] != "softdep":
                            continue
                        names = [x for x in w[2:] if x not in ("pre:", "post:")]
                        self._softdep.setdefault(self.modname(w[1]), []).extend(names)
        return self._softdep

    def aliases(self):
        """[(pattern, module)] from modules.alias."""
        if self._alias is None:
            self._alias = []
            p = os.path.join(self.moddir, "modules.alias")
            if os.path.exists(p):
                with open(p) as f:
                    for line in f:
                        w = line.split()
                        if len(w) == 3 and w[0] == "alias":
                            self._alias.append((w[1], self.modname(w[2])))
        return self._alias

    def resolve(self, name):
        """The modules a name stands for: itself, or what an alias of that name points at (as
        modprobe and libkmod resolve it; "crc32c" is crc32c_generic and crc32c_intel)."""
        n = self.modname(name)
        if n in self.deps() or n in self.builtin():
            return [n]
        return sorted({m for pat, m in self.aliases() if fnmatch.fnmatchcase(name, pat)})

    def module_closure(self, names):
        """Relative .ko paths of the modules, all they depend on (modules.dep) and their soft
        dependencies (modules.softdep): libkmod loads a softdep before or after the module, and a
        module may need it to initialise (libcrc32c asks the crypto API for "crc32c", so ip_vs and
        nf_conntrack fail with ENOENT without crc32c_generic). A softdep this kernel lacks is
        skipped, as libkmod skips it."""
        dep = self.deps()
        out, todo = [], [(self.modname(n), True) for n in names]
        seen = set()
        while todo:
            n, required = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            if n not in dep:
                if n in self.builtin():
                    log("module %s is built into %s" % (n, self.version))
                    continue
                if not required:
                    continue
                raise BuildError("no module %s in %s" % (n, self.version))
            path, deps = dep[n]
            out.append(path)
            todo.extend((self.modname(d), True) for d in deps)
            for soft in self.softdeps().get(n, []):
                todo.extend((m, False) for m in self.resolve(soft))
        return sorted(out)


def debian_kernel(meta=None):
    return Kernel(package_root(resolve_kernel_package(meta or "linux-image-amd64")))


# --------------------------------------------------------------------------
# CLI

def _mode(s):
    return int(s, 8)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Build initramfs cpio (newc) archives, concatenate them, "
                    "fetch a Debian kernel.",
        epilog=SPEC_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    b = sub.add_parser("build", help="build one archive")
    b.add_argument("-o", "--output", required=True)
    b.add_argument("--spec", action="append", default=[], help="JSON spec file")
    b.add_argument("--file", action="append", default=[], metavar="SRC:DST[:MODE]")
    b.add_argument("--binary", action="append", default=[], metavar="SRC[:DST]",
                   help="ELF binary with its shared libraries")
    b.add_argument("--dir", action="append", default=[], metavar="PATH[:MODE]")
    b.add_argument("--symlink", action="append", default=[], metavar="PATH:TARGET")
    b.add_argument("--device", action="append", default=[],
                   metavar="PATH:c|b:MAJOR:MINOR[:MODE]")
    b.add_argument("--text", action="append", default=[], metavar="PATH=CONTENT")
    b.add_argument("--tree", action="append", default=[], metavar="SRC[:DST]")
    b.add_argument("--module", action="append", default=[])
    b.add_argument("--kernel-package", default="linux-image-amd64")
    b.add_argument("--busybox", action="store_true", help="busybox-static + applet links")
    b.add_argument("--mtime", type=int, default=0)
    b.add_argument("--compress", choices=COMPRESSORS, default="none",
                   help="compress the archive (the kernel unpacks xz and zstd)")

    c = sub.add_parser("concat", help="concatenate archives, each 512-byte aligned")
    c.add_argument("-o", "--output", required=True)
    c.add_argument("archives", nargs="+")

    k = sub.add_parser("kernel", help="fetch kernel, print version, write vmlinux")
    k.add_argument("--package", default="linux-image-amd64")
    k.add_argument("--vmlinux", help="copy the uncompressed vmlinux here")

    l = sub.add_parser("list", help="list an archive (concatenations too)")
    l.add_argument("archive")

    a = ap.parse_args(argv)
    try:
        if a.cmd == "build":
            img = Image()
            for d in a.dir:
                p, _, m = d.partition(":")
                img.add_dir(p, _mode(m) if m else 0o755)
            for t in a.tree:
                s, _, d = t.partition(":")
                img.add_tree(s, d or "/")
            for f in a.file:
                parts = f.split(":")
                img.add_file(parts[0], parts[1], _mode(parts[2]) if len(parts) > 2 else None)
            for t in a.text:
                p, _, content = t.partition("=")
                img.add_bytes(p, content.encode().decode("unicode_escape"))
            for s in a.symlink:
                p, _, t = s.partition(":")
                img.add_symlink(p, t)
            for d in a.device:
                parts = d.split(":")
                img.add_device(parts[0], parts[1], int(parts[2]), int(parts[3]),
                               _mode(parts[4]) if len(parts) > 4 else 0o600)
            for spec in a.spec:
                with open(spec) as f:
                    img.apply_spec(json.load(f), os.path.dirname(os.path.abspath(spec)))
            for bn in a.binary:
                s, _, d = bn.partition(":")
                img.add_binary(s, d or None)
            if a.module:
                img.add_modules(debian_kernel(a.kernel_package), a.module)
            if a.busybox:
                img.add_busybox(busybox_binary())
            n = img.write_file(a.output, a.mtime, a.compress)
            log("wrote %s (%d entries, %d bytes)" % (a.output, len(img.entries), n))
        elif a.cmd == "concat":
            n = concat(a.output, a.archives)
            log("wrote %s (%d bytes)" % (a.output, n))
        elif a.cmd == "kernel":
            kern = debian_kernel(a.package)
            vml = kern.vmlinux()
            if a.vmlinux:
                shutil.copyfile(vml, a.vmlinux)
            print(kern.version)
            print(vml)
        elif a.cmd == "list":
            with open(a.archive, "rb") as f:
                for name, mode, size, rmaj, rmin, _ in read_cpio(f, decompress=True):
                    extra = " %d,%d" % (rmaj, rmin) if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else ""
                    print("%06o %9d %s%s" % (mode, size, name, extra))
    except BuildError as e:
        print("mkinitramfs: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
