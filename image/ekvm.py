"""One QEMU virtual machine driven through its serial console.

Every serial line is stamped with the host time since QEMU started and
written to a log file as it arrives. All deadlines are on the host.

Commands typed into the console shell (run, run_rc) send their output to
a second serial port, the guest's /dev/ttyS1, which nothing else writes
to: PID 1's and the kernel's asynchronous console messages go to ttyS0
and can never mix into a command's output.
"""

import atexit
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time

from linepump import pump_lines

QEMU = os.environ.get("EKINIT_QEMU", "qemu-system-x86_64")
DEFAULT_CMDLINE = "console=ttyS0 rdinit=/sbin/ekinit panic=-1 loglevel=4"
PANIC_RE = re.compile(r"Kernel panic")
ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>78]")
# The guest's end of the command-output channel: the second -serial, COM2 (8250 minor 65).
SHELL_TTY = "/dev/ttyS1"


_live = set()          # started VMs not yet killed, for kill_all()
_live_lock = threading.Lock()


def kill_all():
    """Kill every QEMU still running (on Ctrl-C or exit of the harness)."""
    with _live_lock:
        vms = list(_live)
    for vm in vms:
        vm.kill()


atexit.register(kill_all)


class VMError(AssertionError):
    """A scenario failure caused by the VM (timeout, panic, exit)."""


def wait_for(cond, scan, deadline, ended, timeout_msg, error=VMError):
    """The wait loop behind every wait for an output line (the VM's console and command channel,
    pxe.py's servers): holding cond, scan() returns a match or None; between scans, wait on cond,
    which the reader notifies for each new line. ended() returns why no line can come any more
    (a message) or None; that, or the deadline (time.monotonic()), raises error."""
    with cond:
        while True:
            m = scan()
            if m:
                return m
            why = ended()
            if why:
                raise error(why)
            left = deadline - time.monotonic()
            if left <= 0:
                raise error(timeout_msg)
            cond.wait(min(left, 1.0))


def kill_group(proc):
    """SIGKILL proc's process group (started with start_new_session) and reap proc (10 s at most)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass


class VM:
    def __init__(self, name, kernel, initrd, cmdline="", accel="tcg", memory=256,
                 log_path=None, extra_args=(), interactive=False, wrap=(),
                 base_cmdline=DEFAULT_CMDLINE, shell_channel=True):
        self.name = name
        self.kernel = kernel
        self.initrd = initrd
        self.cmdline = (base_cmdline + " " + cmdline).strip()
        self.wrap = list(wrap)       # argv prefix, e.g. ip netns exec NAME
        self.accel = accel
        self.memory = memory
        self.log_path = log_path
        self.extra_args = list(extra_args)
        self.lines = []              # [(t, text)] complete lines
        self.partial = ""            # current incomplete line
        self.cursor = 0              # expect() searches lines[cursor:]
        self.panic = None
        self.proc = None
        self.t0 = None
        self._cond = threading.Condition()
        self._eof = False
        self._logf = None
        self._reader = None
        self._shell_synced = False
        # The command-output channel (SHELL_TTY): a socketpair, QEMU holds one end.
        self.shell_channel = shell_channel
        self.out_lines = []          # [(t, text)] complete lines from SHELL_TTY
        self.out_cursor = 0          # run_finish() searches out_lines[out_cursor:]
        self._out_eof = False
        self._out_sock = None        # ours
        self._out_qemu = None        # QEMU's end, passed to it by number
        self._out_reader = None
        self._taps = []              # callables given every raw chunk of console output

    # ------------------------------------------------------------ lifecycle
    def argv(self):
        argv = self.wrap + [QEMU, "-accel", self.accel, "-M", "pc", "-m", str(self.memory),
                "-nodefaults", "-display", "none", "-no-reboot"]
        if self.kernel:              # None: the firmware boots (e.g. from the NIC's ROM)
            argv += ["-kernel", self.kernel]
            if self.initrd:
                argv += ["-initrd", self.initrd]
            argv += ["-append", self.cmdline]
        argv += ["-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con"]
        if self.shell_channel:
            fd = self._out_qemu.fileno() if self._out_qemu else "N"
            argv += ["-chardev", "socket,id=out,fd=%s" % fd, "-serial", "chardev:out"]
        return argv + self.extra_args

    def start(self):
        if self.log_path:
            os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
            self._logf = open(self.log_path, "w", buffering=1, errors="replace")
        if self.shell_channel:
            self._out_sock, self._out_qemu = socket.socketpair()
        if self._logf:
            self._logf.write("# %s\n" % " ".join(
                a if " " not in a else "'%s'" % a for a in self.argv()))
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True,
                                     pass_fds=[self._out_qemu.fileno()] if self._out_qemu else [])
        if self._out_qemu:
            self._out_qemu.close()   # QEMU's copy is the only one: its exit is our EOF
            self._out_qemu = None
        with _live_lock:
            _live.add(self)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if self._out_sock:
            self._out_reader = threading.Thread(target=self._read_out, daemon=True)
            self._out_reader.start()
        return self

    def add_tap(self, fn):
        """fn(bytes) gets every raw chunk of console output (ttyS0) from now on, called on the
        reader thread: it must not block (the demo's console sockets queue what they get)."""
        self._taps.append(fn)

    def remove_tap(self, fn):
        if fn in self._taps:
            self._taps.remove(fn)

    def elapsed(self):
        return time.monotonic() - self.t0

    def _add_line(self, text):
        t = self.elapsed()
        text = ANSI_RE.sub("", text).replace("\r", "")
        with self._cond:
            self.lines.append((t, text))
            if self.panic is None and PANIC_RE.search(text):
                self.panic = text
            self._cond.notify_all()
        if self._logf:
            self._logf.write("[%7.3f] %s\n" % (t, text))

    def _set_partial(self, text):
        with self._cond:
            self.partial = ANSI_RE.sub("", text).replace("\r", "")
            self._cond.notify_all()

    def _read(self):
        fd = self.proc.stdout.fileno()
        def read():
            chunk = os.read(fd, 4096)
            for tap in list(self._taps):  # raw output to whoever listens (the demo's console sockets)
                tap(chunk)
            return chunk
        pump_lines(read, self._add_line, self._set_partial)
        with self._cond:
            self.partial = ""
            self._eof = True
            self._cond.notify_all()

    def _read_out(self):
        """The command-output channel: lines go to out_lines, and to the log
        marked 'ttyS1|' so a failure's log shows both in host-time order."""
        pump_lines(lambda: self._out_sock.recv(4096), self._add_out)
        with self._cond:
            self._out_eof = True
            self._cond.notify_all()

    def _add_out(self, text):
        t = self.elapsed()
        text = text.replace("\r", "")
        with self._cond:
            self.out_lines.append((t, text))
            self._cond.notify_all()
        if self._logf:
            self._logf.write("[%7.3f] ttyS1| %s\n" % (t, text))

    def kill(self):
        with _live_lock:
            _live.discard(self)
        if self.proc:
            kill_group(self.proc)
        self.close()

    def close(self):
        if self._reader:
            self._reader.join(5)
        if self._out_reader:
            self._out_reader.join(5)
        if self._out_sock:
            self._out_sock.close()
            self._out_sock = None
        if self._logf:
            if self.proc and self.proc.returncode is not None:
                self._logf.write("# QEMU exit status %s after %.1f s\n"
                                 % (self.proc.returncode, self.elapsed()))
            self._logf.close()
            self._logf = None

    def note(self, text):
        """Append a harness note (e.g. the failure reason) to the log."""
        if self._logf:           # still being written: appending beside it would be overwritten
            for line in text.splitlines():
                self._logf.write("# " + line + "\n")
        elif self.log_path:
            with open(self.log_path, "a") as f:
                for line in text.splitlines():
                    f.write("# " + line + "\n")

    def wait_exit(self, timeout):
        """Wait for QEMU to exit on its own; returns its exit status."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise VMError("QEMU still running after %.0f s" % timeout)
        if self._reader:
            self._reader.join(5)
        if self._out_reader:
            self._out_reader.join(5)
        self.check_panic()
        return rc

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # ------------------------------------------------------------- matching
    def check_panic(self):
        if self.panic:
            raise VMError("kernel panic: %s" % self.panic)

    def _wait_console(self, scan, pattern, timeout):
        """wait_for() on the console: a kernel panic or QEMU's exit ends the wait."""
        def scan_or_panic():
            self.check_panic()
            return scan()

        def ended():
            return self._eof and "QEMU exited (status %s) while waiting for /%s/" % (self.proc.poll(), pattern)
        return wait_for(self._cond, scan_or_panic, time.monotonic() + timeout, ended,
                        "timeout after %.0f s waiting for /%s/" % (timeout, pattern))

    def expect(self, pattern, timeout=60, partial=False):
        """Wait for a line (after the previous match) matching the regex.
        With partial=True an incomplete line (a prompt) also matches.
        Returns the re.Match."""
        rx = re.compile(pattern)

        def scan():
            while self.cursor < len(self.lines):
                m = rx.search(self.lines[self.cursor][1])
                self.cursor += 1
                if m:
                    return m
            return rx.search(self.partial) if partial and self.partial else None
        return self._wait_console(scan, pattern, timeout)

    def wait_seen(self, pattern, timeout=60):
        """Wait until a line anywhere in the log matches the regex, without
        moving the cursor expect() reads from. Returns the first re.Match."""
        rx = re.compile(pattern)

        def scan():
            return next((m for m in (rx.search(text) for _, text in self.lines) if m), None)
        return self._wait_console(scan, pattern, timeout)

    def seen(self, pattern):
        """All matches of the regex anywhere in the log so far."""
        rx = re.compile(pattern)
        with self._cond:
            return [m for m in (rx.search(t) for _, t in self.lines) if m]

    def line_index(self, pattern):
        """Index of the first line matching the regex, or None."""
        rx = re.compile(pattern)
        with self._cond:
            for i, (_, t) in enumerate(self.lines):
                if rx.search(t):
                    return i
        return None

    # ---------------------------------------------------------------- input
    def send(self, text):
        """Type text into the console (no newline added)."""
        if isinstance(text, str):
            text = text.encode()
        try:
            self.proc.stdin.write(text)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise VMError("cannot write to console: %s" % e)

    def _expect_out(self, rx, deadline, what):
        """The next command-output line (from out_cursor) matching rx."""
        def scan():
            self.check_panic()
            while self.out_cursor < len(self.out_lines):
                m = rx.search(self.out_lines[self.out_cursor][1])
                self.out_cursor += 1
                if m:
                    return m
            return None

        def ended():
            return (self._out_eof or self._eof) and \
                "QEMU exited (status %s) while waiting for %s" % (self.proc.poll(), what)
        return wait_for(self._cond, scan, deadline, ended, "timeout waiting for %s" % what)

    def sync_shell(self, timeout=60):
        """Wait until a shell answers: typed input is lost before the shell
        (or the serial port) is ready, so probe repeatedly. The answer comes
        on the command-output channel, which also proves that channel works."""
        if not self.shell_channel:
            raise VMError("this VM was started without the command-output channel")
        deadline = time.monotonic() + timeout
        tag = "SYNC%06d" % random.randrange(10 ** 6)
        n = 0
        while True:
            n += 1
            marker = "%s-%d" % (tag, n)
            # No quotes or parentheses: if the start of this line is lost the
            # rest must not leave the shell waiting for a closing quote. A
            # shell started before devtmpfs (a break shell) may lack the node.
            self.send("\n [ -c %s ] || mknod %s c 4 65; echo %s >%s\n"
                      % (SHELL_TTY, SHELL_TTY, marker, SHELL_TTY))
            try:
                wait = max(0.1, min(n, 5, deadline - time.monotonic()))
                self._expect_out(re.compile(r"^%s-\d+$" % tag), time.monotonic() + wait,
                                 "the shell's answer")
                self._shell_synced = True
                return
            except VMError:
                if time.monotonic() >= deadline or not self.running():
                    self.check_panic()
                    raise VMError("no shell answered on the console within %.0f s"
                                  % timeout)

    def exit_shell(self):
        """Type `exit`: the next run() waits for a new shell to answer."""
        if not self._shell_synced:
            self.sync_shell()
        self.send("exit\n")
        self._shell_synced = False

    def run_start(self, cmd):
        """Type cmd into the console shell without waiting for it; its
        output (stdout and stderr) goes to the command-output channel
        between unique markers. Returns a token for run_finish()."""
        if not self._shell_synced:
            self.sync_shell()
        tok = "%08x" % random.getrandbits(32)
        cmd = cmd.strip().rstrip(";")
        sep = " " if cmd.endswith("&") and not cmd.endswith("&&") else "; "
        # One line; a { } group runs in the shell itself (cd and variables stay).
        self.send(" { echo BEGIN-%s; %s%secho END-%s-$?; } >%s 2>&1\n"
                  % (tok, cmd, sep, tok, SHELL_TTY))
        return tok

    def run_finish(self, tok, timeout=30):
        """Wait for the command started as tok; returns (exit status, output)."""
        deadline = time.monotonic() + timeout
        what = "the output of command %s" % tok
        self._expect_out(re.compile(r"^BEGIN-%s$" % tok), deadline, what)
        start = self.out_cursor
        m = self._expect_out(re.compile(r"END-%s-(\d+)$" % tok), deadline, what)
        with self._cond:
            out = [t for _, t in self.out_lines[start:self.out_cursor - 1]]
            last = self.out_lines[self.out_cursor - 1][1]
        # output without a trailing newline ends up in front of the END marker
        head = last[:m.start()]
        if head:
            out.append(head)
        return int(m.group(1)), "\n".join(out)

    def run_rc(self, cmd, timeout=30):
        """Run cmd in the console shell; returns (exit status, output)."""
        return self.run_finish(self.run_start(cmd), timeout)

    def run(self, cmd, timeout=30):
        """Run cmd in the console shell and return its output; fails the
        scenario if it exits non-zero."""
        rc, out = self.run_rc(cmd, timeout)
        if rc != 0:
            raise VMError("guest command failed (exit %d): %s\n%s" % (rc, cmd, out))
        return out
