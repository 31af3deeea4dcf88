"""ekinit as PID 1 of a fresh set of namespaces over a sysroot, driven from the host.

The runner puts the new process into a fresh cgroup v2 group first, so that `unshare --cgroup`
makes that group the namespace's private cgroup root. PID 1's console (stdout and stderr) is read
line by line and stamped with host time; tests wait for lines (or re-check `ekctl status --json`
whenever a line arrives) with deadlines, never by sleeping. Commands run inside with nsenter.
With console="pty", PID 1's console is a pseudo-terminal instead of a pipe, which the test can
stop as a stalled serial line would (stop_console: tcflow TCOOFF on it)."""

import json
import os
import re
import select
import signal
import subprocess
import sys
import termios
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "qemu-tests", "lib"))
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "image"))  # linepump
from linepump import pump_lines  # noqa: E402

NSENTER_NS = ["--mount", "--pid", "--uts", "--ipc", "--net", "--root", "--wd"]
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Inside the new mount namespace: make the sysroot a mount point (so ekinit can make / shared),
# then become ekinit in it. --fork makes this shell PID 1 and the execs keep that.
LAUNCH = 'mount --bind "$1" "$1" && exec chroot "$1" /sbin/ekinit'


class NsError(AssertionError):
    pass


def cgroup2_base():
    """Where a cgroup v2 hierarchy is mounted: /sys/fs/cgroup/unified on hybrid hosts."""
    for base in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
        if os.path.exists(os.path.join(base, "cgroup.procs")) and \
                os.path.exists(os.path.join(base, "cgroup.subtree_control")):
            return base
    raise NsError("no cgroup v2 hierarchy on this host (neither /sys/fs/cgroup/unified nor /sys/fs/cgroup)")


class NsInit:
    def __init__(self, name, root, log_path, console="pipe"):
        if console not in ("pipe", "pty"):
            raise ValueError("console is pipe or pty, not %r" % console)
        self.console = console
        self.console_tty = None      # with console="pty": the path of PID 1's terminal
        self._console_fd = None      # the master side (pty) or the pipe we read
        self._stopped_fd = None      # the terminal, held open while its output is stopped
        self.name = name
        self.root = root
        self.log_path = log_path
        self.lines = []          # (seconds since start, text)
        self.cond = threading.Condition()
        self.proc = None
        self.hostpid = None
        self.cgroup = None
        self.exited = False
        self.t0 = None
        self.log = None

    # ------------------------------------------------------------------ life

    def start(self, timeout=20):
        self.cgroup = os.path.join(cgroup2_base(), "ekinit-ns-%d-%s" % (os.getpid(), self.name))
        os.makedirs(self.cgroup, exist_ok=True)
        procs = os.path.join(self.cgroup, "cgroup.procs")

        def enter_cgroup():
            with open(procs, "w") as f:
                f.write("0")

        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        self.log = open(self.log_path, "w", buffering=1)
        self.t0 = time.monotonic()
        cmd = ["unshare", "--pid", "--mount", "--uts", "--ipc", "--net", "--cgroup", "--fork",
               "--propagation", "private", "sh", "-c", LAUNCH, "sh", self.root]
        env = {"container": "ekinit-ns", "PATH": PATH, "TERM": "dumb", "LANG": "C"}
        self.note("start: " + " ".join(cmd))
        if self.console == "pty":
            master, slave = os.openpty()
            self.console_tty = os.ttyname(slave)
            try:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                                             env=env, preexec_fn=enter_cgroup)
            finally:
                os.close(slave)  # PID 1's copies are the only ones: their end is our EOF (EIO)
            self._console_fd = master
        else:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, env=env, preexec_fn=enter_cgroup)
            self._console_fd = self.proc.stdout.fileno()
        threading.Thread(target=self._reader, daemon=True).start()
        # The first console line comes from ekinit itself, so PID 1 exists by then (anchored: an
        # error from mount or chroot may name a path that contains "ekinit").
        self.expect(r"^ekinit: ", timeout)
        self.hostpid = self._find_pid1()
        self.note("PID 1 is host pid %d" % self.hostpid)
        return self

    def _find_pid1(self):
        for task in os.listdir("/proc/%d/task" % self.proc.pid):
            with open("/proc/%d/task/%s/children" % (self.proc.pid, task)) as f:
                kids = f.read().split()
            if kids:
                return int(kids[0])
        raise NsError("unshare (pid %d) has no child" % self.proc.pid)

    def _reader(self):
        # EIO from a pty whose other side is closed everywhere ends it like EOF.
        pump_lines(lambda: os.read(self._console_fd, 65536), lambda text: self._add(text.rstrip("\r")))
        if self.console == "pty":
            os.close(self._console_fd)
        self.proc.wait()
        with self.cond:
            self.exited = True
            self.cond.notify_all()
        self.note("namespace ended: %s" % describe_rc(self.proc.returncode))

    def _add(self, text, prefix=""):
        t = time.monotonic() - self.t0
        with self.cond:
            self.lines.append((t, text))
            self.cond.notify_all()
        log = self.log
        if log:
            try:
                log.write("[%9.3f] %s%s\n" % (t, prefix, text))
            except ValueError:
                pass  # closed in teardown while a late line arrived

    def note(self, text):
        """A harness line in the log (not a console line)."""
        if self.log:
            self.log.write("[%9.3f] ## %s\n" % (time.monotonic() - self.t0, text))

    def stop_console(self):
        """Stops output on PID 1's console terminal (tcflow TCOOFF, what Ctrl-S or a stalled UART
        does): a blocking write to it then waits until resume_console()."""
        if self.console != "pty":
            raise NsError("stop_console needs boot(console='pty')")
        if self._stopped_fd is None:
            self._stopped_fd = os.open(self.console_tty, os.O_RDWR | os.O_NOCTTY)
        termios.tcflow(self._stopped_fd, termios.TCOOFF)
        self.note("console output stopped (tcflow TCOOFF on %s)" % self.console_tty)

    def console_flow(self, on):
        """Restarts (on) or stops PID 1's pty console output."""
        if on:
            self.resume_console()
        else:
            self.stop_console()

    def resume_console(self):
        if self._stopped_fd is not None:
            termios.tcflow(self._stopped_fd, termios.TCOON)
            os.close(self._stopped_fd)
            self._stopped_fd = None
            self.note("console output resumed (tcflow TCOON)")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """Ends the namespace whatever state it is in and removes its cgroup."""
        self.resume_console()
        if self.alive():
            if self.hostpid:
                try:
                    os.kill(self.hostpid, signal.SIGKILL)  # PID 1 of a namespace: everything in it dies
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.cgroup:
            remove_cgroup(self.cgroup)
            self.cgroup = None
        if self.log:
            self.log.close()
            self.log = None

    # ------------------------------------------------------------- waiting

    def expect(self, regex, timeout, since=0):
        """Waits for a console line matching regex (from line index `since`); returns the match
        with .index (line number) and .t (host seconds) set."""
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        i = since
        with self.cond:
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i][1])
                    if m:
                        return Hit(m, i, self.lines[i][0])
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.exited:
                    raise NsError("no console line matching %r within %.0f s%s" %
                                  (regex, timeout, " (the namespace ended)" if self.exited else ""))
                self.cond.wait(left)

    def seen(self, regex):
        rx = re.compile(regex)
        with self.cond:
            lines = list(self.lines)
        return [Hit(m, i, t) for i, (t, s) in enumerate(lines) for m in [rx.search(s)] if m]

    def wait_exit(self, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.exited:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise NsError("the namespace did not end within %.0f s" % timeout)
                self.cond.wait(left)
        return self.proc.returncode

    def wait_until(self, pred, timeout, what):
        """Re-evaluates pred() each time a console line arrives, and once more at the deadline:
        PID 1 has no event stream for service states, its console is the event we have."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            with self.cond:
                n = len(self.lines)
            last = pred()
            if last:
                return last
            left = deadline - time.monotonic()
            if left <= 0:
                raise NsError("timed out after %.0f s waiting for %s" % (timeout, what))
            with self.cond:
                if len(self.lines) == n and not self.exited:
                    self.cond.wait(left)
            if self.exited:
                raise NsError("the namespace ended while waiting for %s" % what)

    # ------------------------------------------------------------ commands

    def run(self, argv, timeout=30, check=False, input=None):
        """Runs argv inside the namespace (its root, cwd and namespaces)."""
        cmd = ["nsenter", "--target", str(self.hostpid)] + NSENTER_NS + list(argv)
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=timeout, input=input, env={"PATH": PATH, "LANG": "C"})
        except subprocess.TimeoutExpired:
            raise NsError("%s did not finish within %d s" % (" ".join(argv), timeout))
        self.note("$ %s -> %d%s%s" % (" ".join(argv), p.returncode,
                                      ("\n    out: " + p.stdout.strip().replace("\n", "\n         ")) if p.stdout.strip() else "",
                                      ("\n    err: " + p.stderr.strip().replace("\n", "\n         ")) if p.stderr.strip() else ""))
        if check and p.returncode != 0:
            raise NsError("%s: exit %d: %s%s" % (" ".join(argv), p.returncode, p.stdout, p.stderr))
        return p

    def spawn(self, argv):
        """Starts argv inside the namespace in the background; its stdout is a pipe."""
        cmd = ["nsenter", "--target", str(self.hostpid)] + NSENTER_NS + list(argv)
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env={"PATH": PATH, "LANG": "C"})

    def sh(self, script, **kw):
        return self.run(["/bin/sh", "-c", script], **kw)

    def ekctl(self, *args, **kw):
        return self.run(["/sbin/ekctl"] + list(args), **kw)

    def systemctl(self, *args, **kw):
        return self.run(["/bin/systemctl"] + list(args), **kw)

    def status(self, unit=None):
        args = ["status"] + ([unit] if unit else []) + ["--json"]
        p = self.ekctl(*args)
        if p.returncode != 0:
            raise NsError("ekctl %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
        try:
            return json.loads(p.stdout)
        except ValueError as e:
            raise NsError("ekctl %s: not JSON (%s): %r" % (" ".join(args), e, p.stdout[:300]))

    def services(self):
        """{name: service object} from `ekctl status --json`."""
        return {s["name"]: s for s in self.status().get("services", [])}

    def wait_services(self, pred, timeout, what):
        """Waits until pred(services()) is true; returns the services."""
        def check():
            s = self.services()
            return s if pred(s) else None
        return self.wait_until(check, timeout, what)

    def poweroff(self, timeout=40):
        """ekctl poweroff, then the namespace must end (reboot(2) in a PID namespace ends it)."""
        p = self.ekctl("poweroff")
        # ekctl is inside the PID namespace: the shutdown it asked for may kill it (SIGTERM, then
        # SIGKILL) after the reply arrived, or the namespace may end under it.
        if p.returncode > 0:
            raise NsError("ekctl poweroff: exit %d: %s" % (p.returncode, p.stderr.strip()))
        return self.wait_exit(timeout)


class Hit:
    def __init__(self, m, index, t):
        self.m, self.index, self.t = m, index, t

    def group(self, *a):
        return self.m.group(*a)


def describe_rc(rc):
    if rc is None:
        return "running"
    if rc < 0:
        try:
            return "killed by %s" % signal.Signals(-rc).name
        except ValueError:
            return "killed by signal %d" % -rc
    return "exit %d" % rc


def remove_cgroup(path, timeout=10):
    """Removes a cgroup tree bottom-up, waiting (on cgroup.events, not by polling) for the
    processes of a group that is still populated."""
    for dirpath, dirnames, _ in os.walk(path, topdown=False):
        for d in dirnames:
            _rmdir(os.path.join(dirpath, d), timeout)
    _rmdir(path, timeout)


def _rmdir(path, timeout):
    deadline = time.monotonic() + timeout
    tries = 0
    while True:
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            tries += 1
            if tries > 3:
                return  # not for lack of waiting: leave it (named ekinit-ns-*) for a human
        events = os.path.join(path, "cgroup.events")
        try:
            fd = os.open(events, os.O_RDONLY)
        except OSError:
            return
        try:
            if "populated 0" in os.read(fd, 4096).decode():
                continue  # emptied meanwhile: the rmdir should work now
            left = deadline - time.monotonic()
            if left <= 0:
                return
            p = select.poll()
            p.register(fd, select.POLLPRI)
            p.poll(left * 1000)  # the kernel signals cgroup.events changes with POLLPRI
        finally:
            os.close(fd)
