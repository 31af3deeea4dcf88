"""Multi-VM topologies: node images with networking and NFS client modules
plus each node's rendered Warewulf overlay, and the manager VM.

Node image = system + modules (virtio, NFS client, the common ones) + test
fixtures + net fixtures + per-node overlay, concatenated the way Warewulf
concatenates its image with the system and runtime overlays. The per-node
overlay holds what Warewulf would render for that node: our overlay
(overlay/ekinit: /etc/ekinit/node.conf, /etc/hosts) rendered from
qemu-tests/fixtures/nodes/cluster.json by tools/render-overlay, plus
stand-ins for what Warewulf's own overlays render (/etc/fstab with the
share, /etc/hostname)."""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading

import nodeimage
from nodeimage import mk, _cached, _hash_file, _tree_hash, REPO, QT

OVERLAY = os.path.join(REPO, "overlay", "ekinit", "rootfs")
CLUSTER_JSON = os.path.join(QT, "fixtures", "nodes", "cluster.json")
NET_FIXTURES = os.path.join(QT, "fixtures", "netnode")
RENDER_SRC = os.path.join(REPO, "tools", "render-overlay", "main.go")
RENDER_BIN = os.path.join(REPO, "build", "render-overlay")
MANAGER_INIT = os.path.join(QT, "fixtures", "manager", "ektest-manager-init")

NODE_MODULES = nodeimage.MODULES + ["virtio_pci", "virtio_net", "nfs", "nfsv4"]
MANAGER_MODULES = ["virtio_pci", "virtio_net", "nfsd"]
MANAGER_PACKAGES = ["nfs-kernel-server", "nfs-common", "libtirpc3", "libtirpc-common",
                    "libevent-core-2.1-7", "libwrap0", "libnfsidmap1", "libblkid1",
                    "libuuid1", "libsqlite3-0", "libcap2", "chrony", "curl"]
MANAGER_BINARIES = ["usr/sbin/rpc.mountd", "usr/sbin/rpc.nfsd", "usr/sbin/exportfs",
                    "usr/sbin/chronyd", "usr/bin/curl"]
# The operator's whole-cluster reset, installed on the manager as the operations guide says
# (it asks the control nodes' phylactery to reboot with curl).
CLUSTER_RESET = os.path.join(REPO, "stages", "tools", "ekcluster-reset")
# The manager serves time (the nodes' clock step before certificates): chrony's local clock
# at stratum 8, no upstream, never steering the VM's own clock (-x in the init script).
CHRONY_CONF = ("local stratum 8\nallow 10.10.0.0/24\ndriftfile /run/chrony/drift\n"
               "pidfile /run/chrony/chronyd.pid\ncmdport 0\n")
MANAGER_MAC = "52:54:00:12:34:fe"
SHARE = "/share"
# The NFS entry as Warewulf renders it (type nfs, the export's mount options from
# warewulf.conf; an admin serving NFSv4 only sets vers=4.2 there).
FSTAB_NFS_OPTIONS = "vers=4.2"

_lock = threading.Lock()


def cluster():
    with open(CLUSTER_JSON) as f:
        return json.load(f)


def manager_ip():
    return cluster()["warewulf"]["ipaddr"]


def node_info(name):
    """(mac, ipaddr) of the node's first network device, from the data set."""
    d = cluster()["nodes"][name]["network devices"]
    nd = d.get("default") or d[sorted(d)[0]]
    return nd["hwaddr"], nd["ipaddr"]


# ----------------------------------------------------------------- rendering

def renderer():
    """Build tools/render-overlay (Go) into build/ when its source changed."""
    with _lock:
        h = hashlib.sha256()
        _hash_file(h, RENDER_SRC)
        key = h.hexdigest()

        def build(path):
            p = subprocess.run(["go", "build", "-o", path + ".tmp", RENDER_SRC],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if p.returncode != 0:
                raise RuntimeError("go build render-overlay failed:\n" + p.stdout)
            os.replace(path + ".tmp", path)
        os.makedirs(os.path.dirname(RENDER_BIN), exist_ok=True)
        _cached(RENDER_BIN, key, build)
        return RENDER_BIN


def render(node, out, shape="4.6", overlay_root=OVERLAY, nodes_json=CLUSTER_JSON):
    """Render overlay_root for node into out; returns (exit status, stderr)."""
    p = subprocess.run([renderer(), "-nodes", nodes_json, "-node", node, "-shape", shape,
                        "-out", out, overlay_root], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stderr


def fstab_text(server):
    """Stand-in for the /etc/fstab that Warewulf renders (wwinit in 4.5, the
    fstab overlay in 4.6): the usual local lines, then the share."""
    return ("# stand-in for the fstab Warewulf renders (test input)\n"
            "rootfs / tmpfs defaults 0 0\n"
            "devpts /dev/pts devpts gid=5,mode=620 0 0\n"
            "tmpfs /run/shm tmpfs defaults 0 0\n"
            "sysfs /sys sysfs defaults 0 0\n"
            "proc /proc proc defaults 0 0\n"
            "%s:%s %s nfs %s 0 0\n" % (server, SHARE, SHARE, FSTAB_NFS_OPTIONS))


# -------------------------------------------------------------------- images

def _net_parts(out):
    """The pieces every networked node shares: modules, net fixtures."""
    kern = mk.debian_kernel()
    tool = hashlib.sha256()
    for p in (mk.__file__, nodeimage.__file__, __file__):
        _hash_file(tool, p)
    tool = tool.hexdigest()

    def build_modules(path):
        img = mk.Image()
        img.add_modules(kern, NODE_MODULES)
        img.write_file(path)
    mods = os.path.join(out, "netmodules.cpio")
    _cached(mods, tool + kern.version + ",".join(NODE_MODULES), build_modules)

    def build_fixtures(path):
        img = mk.Image()
        img.add_tree(NET_FIXTURES, "/")
        img.write_file(path)
    fix = os.path.join(out, "netfixtures.cpio")
    _cached(fix, tool + _tree_hash(NET_FIXTURES), build_fixtures)
    return mods, fix


def image_parts(out=None):
    """The archives node_image() stacks under the per-node overlay, in its
    order: system, modules, fixtures, net fixtures (for images served as
    separate initrds, as in the pxe scenario)."""
    out = out or nodeimage.OUT
    with _lock:
        mods, fix = _net_parts(out)
    return [os.path.join(out, "system.cpio"), mods, os.path.join(out, "fixtures.cpio"), fix]


def node_image(base, node, out=None, extra_files=None, shape="4.6", scope="img",
               overlay=True):
    """Initrd for node: base image pieces + net pieces + the node's overlay.
    extra_files: {image path: text} added to (or replacing in) the overlay,
    e.g. a broken node.conf. overlay=False: no rendered overlay and no
    fstab (a node that ekinit leaves unconfigured). Returns the image path."""
    out = out or nodeimage.OUT
    nodes_dir = os.path.join(out, "nodes")
    with _lock:
        os.makedirs(nodes_dir, exist_ok=True)
        mods, fix = _net_parts(out)
    system = os.path.join(out, "system.cpio")
    fixtures = os.path.join(out, "fixtures.cpio")
    tag = scope + "-" + node + ("-" + hashlib.sha256(json.dumps(extra_files, sort_keys=True).encode())
                  .hexdigest()[:8] if extra_files else "")
    tmp = tempfile.mkdtemp(prefix="ekt-overlay-")
    try:
        img = mk.Image()
        if overlay:
            rc, err = render(node, tmp, shape)
            if rc != 0:
                raise RuntimeError("rendering overlay ekinit for %s failed: %s" % (node, err))
            img.add_tree(tmp, "/")
            img.add_bytes("/etc/fstab", fstab_text(manager_ip()))
        else:
            tag += "-bare"
        img.add_bytes("/etc/hostname", node + "\n")
        img.add_dir(SHARE)
        for path, text in (extra_files or {}).items():
            img.add_bytes(path, text)
        ov = os.path.join(nodes_dir, tag + ".overlay.cpio")
        img.write_file(ov)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # the base image's mods are replaced by netmodules (one depmod index for all)
    parts = [system, mods, fixtures, fix, ov]
    initrd = os.path.join(nodes_dir, tag + ".img")
    mk.concat(initrd, parts)
    return initrd


def manager_image(out=None):
    """The manager stand-in's initrd (busybox, nfsd modules, Debian's NFS
    server binaries and curl with their libraries, /etc/netconfig, its init script,
    stages/tools/ekcluster-reset as /usr/sbin/ekcluster-reset)."""
    out = out or nodeimage.OUT
    with _lock:
        kern = mk.debian_kernel()
        roots = mk.package_roots(MANAGER_PACKAGES)
        h = hashlib.sha256()
        for p in (mk.__file__, __file__, MANAGER_INIT, CLUSTER_RESET):
            _hash_file(h, p)
        h.update((kern.version + " ".join(roots)).encode())
        path = os.path.join(out, "ektest-manager.cpio")

        def build(path):
            img = mk.Image()
            for d in ("/proc", "/sys", "/dev", "/run", "/root", "/etc", "/share",
                      "/var/lib/nfs/v4recovery", "/var/lib/nfs/rpc_pipefs"):
                img.add_dir(d)
            img.add_dir("/tmp", 0o1777)
            img.add_device("/dev/console", "c", 5, 1, 0o600)
            img.add_busybox(mk.busybox_binary())
            for rel in MANAGER_BINARIES:
                src = next(os.path.join(r, rel) for r in roots
                           if os.path.exists(os.path.join(r, rel)))
                img.add_binary(src, "/" + rel, lib_roots=roots)
            netconfig = next(os.path.join(r, "etc/netconfig") for r in roots
                             if os.path.exists(os.path.join(r, "etc/netconfig")))
            img.add_file(netconfig, "/etc/netconfig", 0o644)
            img.add_bytes("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
            img.add_bytes("/etc/group", "root:x:0:\n")
            img.add_file(MANAGER_INIT, "/ektest-manager-init", 0o755)
            img.add_file(CLUSTER_RESET, "/usr/sbin/ekcluster-reset", 0o755)
            img.add_bytes("/etc/chrony/chrony.conf", CHRONY_CONF)
            img.add_modules(kern, MANAGER_MODULES)
            img.write_file(path)
        _cached(path, h.hexdigest(), build)
        return path


MANAGER_CMDLINE = "console=ttyS0 rdinit=/ektest-manager-init panic=-1 loglevel=4"
MANAGER_READY = r"ektest-manager: ready: NFSv4 server for /share on (\S+)"


def boot_manager(t, net, memory=256):
    """Boot the manager stand-in on net; returns the VM (not yet ready:
    wait with wait_manager). 256 MB: with curl and its libraries the 28 MB image
    no longer unpacks in 128 MB ("Initramfs unpacking failed: write error")."""
    return t.boot("ektest.addr=%s/24 ektest.mac=%s" % (manager_ip(), MANAGER_MAC),
                  memory=memory, initrd=manager_image(), net=net, mac=MANAGER_MAC,
                  label="manager", base_cmdline=MANAGER_CMDLINE)


def wait_manager(vm, timeout=120):
    vm.expect(MANAGER_READY, timeout)
    return vm


def boot_node(t, net, node, cmdline="ekinit.shell=1", memory=256, extra_files=None,
              overlay=True):
    mac, _ = node_info(node)
    initrd = node_image(t.image, node, out=os.path.dirname(t.image.initrd),
                        extra_files=extra_files, scope=t.name, overlay=overlay)
    return t.boot(cmdline, memory=memory, initrd=initrd, net=net, mac=mac, label=node)
