"""The benchmark's node image (make bench, docs/benchmarks.md): ONE initramfs that boots with
systemd or with ekinit as init.

It is the `services` scenario's image (qemu-tests/lib/svcimage.py: control1's node image with
its rendered overlay + Debian's containerd, runc, haproxy, keepalived and openssh-server, their
own unit files enabled in multi-user.target.wants/, the scenario's configuration) plus the
following, concatenated as node image, packages, modules, services, bench:
  - packages.cpio (kept in the shared cache, ~/.cache/ekinit/images): every package of the
    dependency closure of systemd-sysv, udev, iproute2, base-files and the five daemon
    packages, unpacked whole (dpkg-deb -x, no maintainer scripts), less
    /usr/share/{doc,man,info,locale} and the daemons' binaries that services.cpio already
    holds: what makes it a Debian image systemd can boot;
  - kmods.cpio: the kernel's whole module tree with its depmod indexes (modules="all"; the smoke
    variant, modules="node", keeps only the node image's modules);
  - bench.cpio: bench/fixtures/rootfs (the root-move stand-in, the readiness probe and its
    unit), bench/memsample (static), systemd's network configuration for net0 and the links
    that enable systemd-networkd — under /etc/systemd/system.control/, which only systemd
    reads — the systemd-firstboot mask and an empty /etc/machine-id.
The closure takes the first alternative of every `A | B` dependency, as apt does."""

import hashlib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
REPO = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(REPO, "qemu-tests", "lib"))
sys.path.insert(1, os.path.join(REPO, "image"))  # ekvm, mkinitramfs
import nodeimage  # noqa: E402
from nodeimage import mk, _cached, _hash_file, _prune, _tree_hash  # noqa: E402
import cluster  # noqa: E402
import svcimage  # noqa: E402

NODE = "control1"
FIXTURES = os.path.join(BENCH, "fixtures", "rootfs")
MEMSAMPLE_SRC = os.path.join(BENCH, "memsample.c")
ROOT_PACKAGES = ["systemd-sysv", "udev", "iproute2", "base-files"] + svcimage.PACKAGES
SKIP_DIRS = ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale",
             "usr/share/lintian")
# the node's local fstab: no NFS share (no manager VM), as in the services scenario
FSTAB = ("rootfs / tmpfs defaults 0 0\n"
         "proc /proc proc defaults 0 0\n"
         "sysfs /sys sysfs defaults 0 0\n")
VIP = "10.10.0.100"
# where apt's choice on a bookworm system differs from the first alternative: merged /usr is
# what debootstrap installs (usrmerge would pull in perl)
PREFER = {"usrmerge": "usr-is-merged"}


def closure(packages):
    """Depends + PreDepends closure, first alternative of each group (a virtual package: its
    first provider). Returns sorted package names."""
    seen, todo = set(), list(packages)
    while todo:
        batch = sorted(set(todo) - seen)
        todo = []
        if not batch:
            break
        seen.update(batch)
        p = mk.apt_cache(["depends", "--no-recommends", "--no-suggests", "--no-conflicts",
                          "--no-breaks", "--no-replaces", "--no-enhances"] + batch)
        if p.returncode != 0:
            raise mk.BuildError("apt-cache depends: %s" % p.stderr.strip())
        lines = p.stdout.splitlines()
        i, alt = 0, False
        while i < len(lines):
            line = lines[i]
            s = line.strip()
            if s.startswith(("Depends:", "PreDepends:", "|Depends:", "|PreDepends:")):
                chosen = not alt
                alt = s.startswith("|")
                name = s.split(":", 1)[1].strip().split(":")[0]
                if chosen:
                    if name.startswith("<"):      # virtual: its first provider
                        if i + 1 < len(lines) and lines[i + 1].startswith("    ") and \
                                ":" not in lines[i + 1].strip():
                            todo.append(lines[i + 1].strip().split(":")[0])
                    else:
                        todo.append(PREFER.get(name, name))
            i += 1
    return sorted(seen)


def _add_package_tree(img, root, skip=()):
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        if rel != "." and (rel.startswith(SKIP_DIRS) or rel == "DEBIAN"):
            dirs[:] = []
            continue
        base = "/" if rel == "." else "/" + rel
        if base != "/":
            st = os.lstat(d)
            if os.path.islink(d):
                img.add_symlink(base, os.readlink(d))
                dirs[:] = []
                continue
            img.add_dir(base, st.st_mode & 0o7777)
        for name in sorted(dirs):
            hp = os.path.join(d, name)
            if os.path.islink(hp):
                img.add_symlink(os.path.join(base, name), os.readlink(hp))
        for name in sorted(files):
            if (rel == "." and name == ".unpacked") or ip_rel(rel, name) in skip:
                continue
            hp = os.path.join(d, name)
            ip = os.path.join(base, name)
            st = os.lstat(hp)
            if os.path.islink(hp):
                img.add_symlink(ip, os.readlink(hp))
            elif os.path.isfile(hp):
                img.add_file(hp, ip, st.st_mode & 0o7777)


def ip_rel(rel, name):
    return name if rel == "." else rel + "/" + name


def memsample(out, src=MEMSAMPLE_SRC, name="memsample"):
    """A static helper built from bench/NAME.c (memsample, sendcopy)."""
    path = os.path.join(out, name)
    h = hashlib.sha256()
    _hash_file(h, src)

    def build(p):
        subprocess.run(["cc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", p + ".tmp",
                        src], check=True)
        os.replace(p + ".tmp", p)
    _cached(path, h.hexdigest(), build)
    return path


def systemd_network(mac, addr):
    return {
        "/etc/systemd/network/10-net0.link":
            "# BENCHMARK ONLY: name the NIC net0 by MAC, as ekinit's node.conf does\n"
            "[Match]\nMACAddress=%s\n\n[Link]\nName=net0\n" % mac,
        "/etc/systemd/network/20-net0.network":
            "# BENCHMARK ONLY: control1's address, as in its node.conf\n"
            "[Match]\nName=net0\n\n[Network]\nAddress=%s/24\nLinkLocalAddressing=no\n"
            "IPv6AcceptRA=no\n" % addr,
    }


def build(ekinit, ekctl, out, modules="all", log=print):
    """Build (or reuse) the benchmark image in out. Returns (kernel vmlinux, initrd path,
    uncompressed size in bytes, note)."""
    os.makedirs(out, exist_ok=True)
    base = nodeimage.build(ekinit, ekctl, log=log, out=out)
    node = cluster.node_image(base, NODE, out=out, extra_files={"/etc/fstab": FSTAB},
                              scope="bench")
    svc, svc_note = svcimage.services_cpio(out)
    kern = mk.debian_kernel()
    tool = hashlib.sha256()
    for p in (mk.__file__, __file__):
        _hash_file(tool, p)
    tool = tool.hexdigest()

    # packages.cpio: nothing of the repository's build goes into it, so it is kept in the shared
    # cache (~/.cache/ekinit/images), named by its content key, and a fresh clone reuses it
    # (building it writes ~150 MB of cpio from some hundred packages).
    names = closure(ROOT_PACKAGES)
    roots = mk.package_roots(names)
    key = hashlib.sha256((tool + " ".join(roots)).encode())
    _hash_file(key, svcimage.__file__)            # BINARIES: what the archive leaves out
    key = key.hexdigest()
    pkg_path = os.path.join(mk.cache_dir("images"), "bench-packages-%s.cpio" % key[:16])

    def build_pkgs(p):
        img = mk.Image()
        # the daemons' binaries come with services.cpio (no need to unpack them twice)
        skip = {rel for _, rel in svcimage.BINARIES}
        for r in roots:
            _add_package_tree(img, r, skip)
        img.write_file(p)
    if not _cached(pkg_path, key, build_pkgs):
        os.utime(pkg_path)                         # used: the pruning below keeps it
    _prune(mk.cache_dir("images"), "bench-packages-", keep=2)

    # the packages before the services archive: its test configuration (haproxy.cfg, ...)
    # replaces the packages' defaults, as in the services scenario
    parts = [node, pkg_path]
    # kmods.cpio: the whole module tree
    if modules == "all":
        km_path = os.path.join(out, "bench-kmods.cpio")

        def build_kmods(p):
            kern._ensure_dep()
            img = mk.Image()
            img.add_tree(kern.moddir, "/lib/modules/" + kern.version)
            img.write_file(p)
        _cached(km_path, tool + kern.version, build_kmods)
        parts.append(km_path)
    parts.append(svc)

    # bench.cpio
    ms = memsample(out)
    sc = memsample(out, os.path.join(BENCH, "sendcopy.c"), "sendcopy")
    mac, addr = cluster.node_info(NODE)
    h = hashlib.sha256(tool.encode())
    _hash_file(h, ms)
    _hash_file(h, sc)
    h.update((_tree_hash(FIXTURES) + mac + addr).encode())
    b_path = os.path.join(out, "bench.cpio")

    def build_bench(p):
        img = mk.Image()
        img.add_tree(FIXTURES, "/")
        img.add_file(ms, "/usr/lib/ekbench/memsample", 0o755)
        img.add_file(sc, "/usr/lib/ekbench/sendcopy", 0o755)
        wants = "/etc/systemd/system/multi-user.target.wants/"
        img.add_symlink(wants + "ekbench-probe.service",
                        "/etc/systemd/system/ekbench-probe.service")
        # systemd only (ekinit configures net0 itself): system.control/ is systemd's
        ctl = "/etc/systemd/system.control/"
        img.add_symlink(ctl + "multi-user.target.wants/systemd-networkd.service",
                        "/lib/systemd/system/systemd-networkd.service")
        img.add_symlink(ctl + "sockets.target.wants/systemd-networkd.socket",
                        "/lib/systemd/system/systemd-networkd.socket")
        img.add_symlink(ctl + "network-online.target.wants/systemd-networkd-wait-online.service",
                        "/lib/systemd/system/systemd-networkd-wait-online.service")
        img.add_symlink("/etc/systemd/system/systemd-firstboot.service", "/dev/null")
        img.add_bytes("/etc/machine-id", "")
        for path, text in systemd_network(mac, addr).items():
            img.add_bytes(path, text)
        img.write_file(p)
    _cached(b_path, h.hexdigest(), build_bench)
    parts.append(b_path)

    initrd = os.path.join(out, "bench-%s.img" % modules)
    key = hashlib.sha256()
    for p in parts:
        _hash_file(key, p + ".key") if os.path.exists(p + ".key") else _hash_file(key, p)
    _cached(initrd, key.hexdigest(), lambda p: mk.concat(p, parts))
    size = sum(os.path.getsize(p) for p in parts)
    note = "%d packages: %s" % (len(names), " ".join(names))
    return base.kernel, initrd, size, note
