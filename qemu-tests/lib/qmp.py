"""A minimal QMP client (QEMU's JSON monitor) over a unix socket, for the few
scenarios that act on a running VM from the host, such as its NIC's link
(set_link: the guest sees carrier go and come). QEMU gets `QMP().args()` on
its command line; with `paused=True` it also gets -S and waits, CPUs stopped,
until the scenario has set things up and sent `cont`, so nothing the guest
does can come before that set-up.

Every call has a deadline; a reply that does not come in time, or an error
reply, raises QMPError (an AssertionError: the scenario fails saying why)."""

import json
import os
import shutil
import socket
import tempfile
import time


class QMPError(AssertionError):
    pass


class QMP:
    """We listen on a unix socket before QEMU starts; QEMU, given args(), connects to it as it
    starts (a client chardev), so accept() waits for an event, not for a file to appear."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ekt-qmp-")   # short: sun_path holds 108 bytes
        self.path = os.path.join(self.dir, "qmp.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(1)
        self.sock = None
        self.buf = b""

    def args(self, paused=False):
        """QEMU's arguments: connect to our socket; paused: start with the CPUs stopped (-S)."""
        return ["-qmp", "unix:%s" % self.path] + (["-S"] if paused else [])

    def connect(self, timeout=30):
        """Accept QEMU's connection, read the greeting, leave capabilities negotiation mode."""
        deadline = time.monotonic() + timeout
        self.listener.settimeout(timeout)
        try:
            self.sock, _ = self.listener.accept()
        except socket.timeout:
            raise QMPError("QMP: QEMU did not connect to %s within %.1f s" % (self.path, timeout))
        finally:
            self.listener.close()
        msg = self._read(deadline)
        if "QMP" not in msg:
            raise QMPError("QMP: unexpected greeting %r" % msg)
        self.command("qmp_capabilities", timeout=max(1, deadline - time.monotonic()))
        return self

    def _read(self, deadline):
        """The next JSON message (one per line)."""
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPError("QMP: no reply in time")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise QMPError("QMP: no reply in time")
            if not chunk:
                raise QMPError("QMP: QEMU closed the monitor")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, execute, timeout=10, **arguments):
        """Run one command; returns its "return" value. Events that come meanwhile are skipped."""
        deadline = time.monotonic() + timeout
        req = {"execute": execute}
        if arguments:
            req["arguments"] = arguments
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        while True:
            msg = self._read(deadline)
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise QMPError("QMP %s: %s" % (execute, msg["error"].get("desc", msg["error"])))
            # an asynchronous event ({"event": ...}): not our reply

    def set_link(self, name, up, timeout=10):
        """The link of net client name (a -netdev id: its NIC peer follows) up or down."""
        return self.command("set_link", timeout=timeout, name=name, up=bool(up))

    def close(self):
        for s in (self.sock, self.listener):
            if s:
                s.close()
        self.sock = None
        shutil.rmtree(self.dir, ignore_errors=True)
