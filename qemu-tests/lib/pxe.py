"""Network boot the way Warewulf does it, inside a test network namespace.

The NIC's option ROM is Debian's iPXE (package ipxe-qemu). In the namespace,
on the bridge only: dnsmasq answers DHCP (the node's own address, reserved by
MAC, and the URL of the iPXE script for clients that say they are iPXE) and
sends IPv6 router advertisements; pxe_http.py serves the iPXE script, the
kernel and three initrds over HTTP. The script has the shape of Warewulf's:
`kernel`, then `initrd --name image`, `--name system`, `--name runtime`, then
`boot kernel initrd=image initrd=system initrd=runtime wwid=${mac} ARGS`.
The kernel unpacks the initrds in that order, so a file in a later one
replaces the same file in an earlier one, as Warewulf's overlays replace
files of the image.

Facts behind the settings (measured on this machine): without a router
advertisement iPXE waits ~15 s for IPv6 autoconfiguration; without option
175.176 it waits ~3 s for a ProxyDHCP answer; HTTP moves ~70 MB/s where TFTP
moves ~7 MB/s. Booting from the network needs the bzImage (vmlinuz): iPXE
cannot load the uncompressed vmlinux that the other scenarios boot."""

import os
import re
import shutil
import subprocess
import sys
import threading
import time

import cluster
import ekvm
import harness
from nodeimage import mk

ROM = os.environ.get("EKINIT_IPXE_ROM", "/usr/lib/ipxe/qemu/pxe-virtio.rom")
SERVER_IP = "10.10.0.250"           # the bridge: Warewulf's DHCP and HTTP side
SERVER_IP6 = "fd65:6b74:7078::fa"   # a ULA on the bridge, only for the router advertisement
PORT = 9873                         # warewulfd's port
HTTP_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pxe_http.py")
LAYERS = "/etc/ektest-layers"       # one file per layer name, see initrds()
START_TIMEOUT = 20


class PxeError(AssertionError):
    pass


def ipxe_script(cmdline):
    """The iPXE script, shaped like Warewulf's default template."""
    base = "http://%s:%d" % (SERVER_IP, PORT)
    return ("#!ipxe\n"
            "echo ektest: booting ${mac} from %s\n"
            "kernel --name kernel %s/kernel || goto fail\n"
            "initrd --name image %s/image || goto fail\n"
            "initrd --name system %s/system || goto fail\n"
            "initrd --name runtime %s/runtime || goto fail\n"
            "boot kernel initrd=image initrd=system initrd=runtime wwid=${mac} %s || goto fail\n"
            ":fail\n"
            "echo ektest: iPXE boot failed\n"
            "poweroff\n" % (base, base, base, base, base, cmdline))


def dnsmasq_conf(node, workdir):
    mac, ip = cluster.node_info(node)
    netmask = cluster.cluster()["warewulf"]["netmask"]
    network = cluster.cluster()["warewulf"]["network"]
    return "\n".join([
        "# the pxe scenario's DHCP server (qemu-tests/lib/pxe.py); runs in the test namespace",
        "interface=br0",
        "bind-interfaces",          # the bridge's addresses only, never a wildcard socket
        "port=0",                   # no DNS
        "no-resolv",
        "no-hosts",
        "log-facility=-",
        "log-dhcp",
        "user=root",
        "dhcp-leasefile=%s" % os.path.join(workdir, "leases"),
        # Only the node reserved below gets an address, as on a Warewulf network
        # where every node has a static address.
        "dhcp-range=%s,static,%s" % (network, netmask),
        "dhcp-host=%s,%s,%s" % (mac, ip, node),
        "dhcp-userclass=set:ipxe,iPXE",
        "dhcp-boot=tag:ipxe,http://%s:%d/boot.ipxe" % (SERVER_IP, PORT),
        "dhcp-option=tag:ipxe,encap:175,176,1",   # iPXE: do not wait for ProxyDHCP
        "enable-ra",
        "dhcp-range=::,constructor:br0,ra-only",  # iPXE stops waiting for IPv6 at once
        ""])


def _overlay(path, files):
    img = mk.Image()
    for p, text in files.items():
        img.add_bytes(p, text)
    img.write_file(path)
    return path


def initrds(t, node, workdir):
    """{name: path} of the three initrds for node, split as Warewulf splits
    them: image (the node image: system, modules, fixtures), system (what
    Warewulf's system overlays render: /etc/fstab with the share,
    /etc/hostname) and runtime (our overlay rendered for the node:
    /etc/ekinit/node.conf, /etc/hosts). Each also writes layer marker files
    so the scenario can see which initrd won: image writes a, b, c; system
    b, c; runtime c."""
    out = os.path.dirname(t.image.initrd)
    parts = cluster.image_parts(out)
    parts.append(_overlay(os.path.join(workdir, "image-layer.cpio"),
                          {LAYERS + "/" + n: "image\n" for n in "abc"}))
    image = os.path.join(workdir, "image.cpio")
    mk.concat(image, parts)

    system = _overlay(os.path.join(workdir, "system.cpio"), {
        "/etc/fstab": cluster.fstab_text(cluster.manager_ip()),
        "/etc/hostname": node + "\n",
        LAYERS + "/b": "system\n",
        LAYERS + "/c": "system\n",
    })

    rendered = os.path.join(workdir, "rendered")
    shutil.rmtree(rendered, ignore_errors=True)
    os.makedirs(rendered)
    rc, err = cluster.render(node, rendered)
    if rc != 0:
        raise PxeError("rendering overlay ekinit for %s failed: %s" % (node, err))
    img = mk.Image()
    img.add_tree(rendered, "/")
    img.add_dir(cluster.SHARE)
    img.add_bytes(LAYERS + "/c", "runtime\n")
    runtime = os.path.join(workdir, "runtime.cpio")
    img.write_file(runtime)
    return {"image": image, "system": system, "runtime": runtime}


class _Proc:
    """A server process in the namespace; its output lines, host-stamped,
    go to a log file and to wait()."""

    def __init__(self, name, argv, log_path):
        self.name = name
        self.lines = []
        self.cond = threading.Condition()
        self.eof = False
        self.t0 = time.monotonic()
        self.logf = open(log_path, "w", buffering=1, errors="replace")
        self.logf.write("# %s\n" % " ".join(argv))
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _add(self, text):
        now = time.monotonic()
        with self.cond:
            self.lines.append((now, text))
            self.cond.notify_all()
        self.logf.write("[%7.3f] %s\n" % (now - self.t0, text))

    def _read(self):
        fd = self.proc.stdout.fileno()
        ekvm.pump_lines(lambda: os.read(fd, 4096), self._add)
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def wait(self, pattern, timeout):
        """The first line matching pattern (from the start); fails at the
        deadline or when the process has ended without printing it."""
        rx = re.compile(pattern)

        def scan():
            return next((m for m in (rx.search(text) for _, text in self.lines) if m), None)

        def ended():
            return self.eof and "%s exited (status %s) before printing /%s/" % (
                self.name, self.proc.poll(), pattern)
        return ekvm.wait_for(self.cond, scan, time.monotonic() + timeout, ended,
                             "%s: timeout after %.0f s waiting for /%s/" % (self.name, timeout, pattern),
                             PxeError)

    def seen(self, pattern):
        rx = re.compile(pattern)
        with self.cond:
            return [(at, m) for at, m in ((at, rx.search(s)) for at, s in self.lines) if m]

    def stop(self):
        ekvm.kill_group(self.proc)
        self.reader.join(5)
        self.logf.close()


class Server:
    """dnsmasq + the HTTP server for one node, inside net's namespace.
    Their logs go to build/qemu-logs/NAME-dnsmasq.log and NAME-http.log,
    kept when the scenario fails."""

    def __init__(self, t, net, node, cmdline):
        self.t, self.net, self.node, self.cmdline = t, net, node, cmdline
        self.workdir = os.path.join(os.path.dirname(t.image.initrd), "pxe", t.name)
        self.dhcp = self.http = None

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        if not os.path.exists(ROM):
            raise PxeError("no iPXE ROM at %s (Debian package ipxe-qemu)" % ROM)
        dnsmasq = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        if not os.path.exists(dnsmasq):
            raise PxeError("no dnsmasq (Debian package dnsmasq-base)")
        files = dict(initrds(self.t, self.node, self.workdir))
        files["kernel"] = mk.debian_kernel().vmlinuz
        files["boot.ipxe"] = os.path.join(self.workdir, "boot.ipxe")
        with open(files["boot.ipxe"], "w") as f:
            f.write(ipxe_script(self.cmdline))
        conf = os.path.join(self.workdir, "dnsmasq.conf")
        with open(conf, "w") as f:
            f.write(dnsmasq_conf(self.node, self.workdir))

        # Addresses on the namespace's bridge: the servers' side of the network.
        prefix = sum(bin(int(o)).count("1")
                     for o in cluster.cluster()["warewulf"]["netmask"].split("."))
        self.net.exec_ip("addr", "add", "%s/%d" % (SERVER_IP, prefix), "dev", "br0")
        self.net.exec_ip("-6", "addr", "add", SERVER_IP6 + "/64", "dev", "br0", "nodad")

        os.makedirs(harness.LOGS, exist_ok=True)
        dlog = os.path.join(harness.LOGS, self.t.name + "-dnsmasq.log")
        hlog = os.path.join(harness.LOGS, self.t.name + "-http.log")
        self.t.log_paths += [dlog, hlog]
        self.dhcp = _Proc("dnsmasq", self.net.wrap() + [
            dnsmasq, "--keep-in-foreground", "--conf-file=" + conf, "--pid-file"], dlog)
        self.http = _Proc("pxe_http.py", self.net.wrap() + [
            sys.executable, HTTP_SERVER, SERVER_IP, str(PORT)]
            + ["%s=%s" % kv for kv in sorted(files.items())], hlog)
        self.dhcp.wait(r"sockets bound exclusively to interface br0", START_TIMEOUT)
        self.http.wait(r"^pxe-http: listening on", START_TIMEOUT)
        return self

    def stop(self):
        for p in (self.dhcp, self.http):
            if p:
                p.stop()


def boot(t, net, node, memory=384):
    """Power on node with no kernel: the firmware boots from the NIC."""
    mac, _ = cluster.node_info(node)
    return t.boot(memory=memory, net=net, mac=mac, label=node, netboot_rom=ROM)


def cmdline(extra=""):
    """Kernel arguments for the iPXE script (Warewulf's --kernelargs)."""
    return (ekvm.DEFAULT_CMDLINE + " " + extra).strip()
