"""The namespace tier's sysroot: busybox, ekinit, ekctl (and its names), the test helpers
notify-send, soak-load and hungfs, their shared libraries. Built once into build/ns/ROOT; each
scenario runs on its own copy with its unit files under /etc/ekinit/system and
/etc/ekinit/enabled."""

import glob
import os
import shutil
import subprocess
import tempfile

NS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(NS))
BUILD = os.path.join(REPO, "build", "ns")
BASE = os.path.join(BUILD, "ROOT")
UNITS = os.path.join(NS, "units")
CACHE = os.environ.get("EKINIT_CACHE") or os.path.expanduser("~/.cache/ekinit")
CFLAGS = ["-std=c17", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-O2"]


def is_static(path):
    p = subprocess.run(["ldd", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return "not a dynamic executable" in p.stdout or "statically linked" in p.stdout


def find_busybox():
    """The host's static busybox (busybox-static), else the one in the cached .deb."""
    for p in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(p) and is_static(p):
            return p
    debs = sorted(glob.glob(os.path.join(CACHE, "debs", "busybox-static_*.deb")))
    if not debs:
        raise SystemExit("no static busybox: install busybox-static or run the QEMU tier once "
                         "(it caches busybox-static in %s/debs)" % CACHE)
    out = os.path.join(BUILD, "busybox-deb")
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(["dpkg-deb", "-x", debs[-1], out], check=True)
    return os.path.join(out, "bin", "busybox")


def libs_of(binary):
    """Absolute paths of the shared objects binary needs (the interpreter included)."""
    p = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = []
    for line in p.stdout.splitlines():
        for word in line.split():
            if word.startswith("/") and os.path.exists(word):
                out.append(word)
    return out


def install(src, root, dest, mode=None):
    path = os.path.join(root, dest.lstrip("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        os.unlink(path)
    shutil.copy2(src, path, follow_symlinks=True)
    if mode is not None:
        os.chmod(path, mode)


def link(root, dest, target):
    path = os.path.join(root, dest.lstrip("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        os.unlink(path)
    os.symlink(target, path)


def build_tool(name, cc="cc"):
    """A test helper program from tests/ns/NAME.c (plain libc), rebuilt when its source changed."""
    out = os.path.join(BUILD, name)
    src = os.path.join(NS, name + ".c")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        subprocess.run([cc] + CFLAGS + ["-o", out, src], check=True)
    return out


def build_base(ekinit, ekctl):
    """(Re)builds build/ns/ROOT; returns its path."""
    os.makedirs(BUILD, exist_ok=True)
    tools = [build_tool("notify-send"), build_tool("soak-load"), build_tool("hungfs")]
    tmp = tempfile.mkdtemp(prefix="ROOT.", dir=BUILD)
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc/ekinit/system", "proc", "sys", "dev", "run",
              "tmp", "var/tmp", "root"):
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
    os.chmod(os.path.join(tmp, "tmp"), 0o1777)
    os.chmod(tmp, 0o755)  # mkdtemp makes it 0700: services with User= must reach their programs
    bb = find_busybox()
    install(bb, tmp, "/bin/busybox", 0o755)
    applets = subprocess.run([bb, "--list-full"], stdout=subprocess.PIPE, text=True, check=True).stdout
    for a in applets.split():
        if a != "bin/busybox":
            link(tmp, "/" + a, "/bin/busybox")
    install(ekinit, tmp, "/sbin/ekinit", 0o755)
    install(ekctl, tmp, "/sbin/ekctl", 0o755)
    for name in ("/bin/systemctl", "/sbin/reboot", "/sbin/poweroff", "/sbin/halt"):
        link(tmp, name, "/sbin/ekctl")
    for tool in tools:
        install(tool, tmp, "/usr/bin/" + os.path.basename(tool), 0o755)
    for binary in [ekinit, ekctl] + tools:
        for lib in libs_of(binary):
            install(lib, tmp, lib)
    with open(os.path.join(tmp, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    with open(os.path.join(tmp, "etc/group"), "w") as f:
        f.write("root:x:0:\nnogroup:x:65534:\n")
    with open(os.path.join(tmp, "etc/hostname"), "w") as f:
        f.write("ns-node\n")
    shutil.rmtree(BASE, ignore_errors=True)
    os.rename(tmp, BASE)
    return BASE


def scenario_root(name, units=(), enabled=None, files=None):
    """A copy of the base for one scenario: units are fixture names from tests/ns/units (enabled
    unless `enabled` lists otherwise); files maps absolute paths to contents."""
    root = os.path.join(BUILD, "run", name)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.dirname(root), exist_ok=True)
    subprocess.run(["cp", "-a", BASE, root], check=True)
    for u in units:
        install(os.path.join(UNITS, u), root, "/etc/ekinit/system/" + u)
    enabled = list(units) if enabled is None else list(enabled)
    with open(os.path.join(root, "etc/ekinit/enabled"), "w") as f:
        f.write("".join(u + "\n" for u in enabled))
    for path, text in (files or {}).items():
        full = os.path.join(root, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    return root
