"""A VM's serial console (ttyS0) on a unix socket, for a person: what the console prints goes to
every connected client, what a client types goes to the console. The harness owns QEMU's stdio
(it reads every console line for its checks and the demo's table), so this is how someone else
reaches the console while it runs: `socat -,raw,echo=0,escape=0x1d UNIX-CONNECT:PATH`."""

import os
import queue
import socket
import threading

import ekvm

BACKLOG_LINES = 25          # the console's last lines, sent to a client when it connects
QUEUE_CHUNKS = 4096         # a client this far behind is dropped (the VM's reader never waits)


def attach_command(path):
    """The command that attaches this terminal to the console at path; Ctrl-] detaches."""
    return "socat -,raw,echo=0,escape=0x1d UNIX-CONNECT:%s" % path


class ConsoleSocket:
    def __init__(self, vm, path):
        self.vm = vm
        self.path = path
        if os.path.lexists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o077)        # root's console: the socket is the owner's only
        try:
            self.sock.bind(path)
        finally:
            os.umask(old)
        self.sock.listen(4)
        self._clients = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True, name="console-" + vm.name).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:          # closed
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        q = queue.Queue(QUEUE_CHUNKS)

        def tap(chunk):
            try:
                q.put_nowait(chunk)
            except queue.Full:       # a stalled client: drop it, never stall the VM's reader
                self.vm.remove_tap(tap)
                _shutdown(conn)

        backlog = "".join(t + "\r\n" for _, t in list(self.vm.lines)[-BACKLOG_LINES:])
        q.put(("[console of %s; the last %d lines follow; detach: Ctrl-]]\r\n"
               % (self.vm.name, BACKLOG_LINES)).encode() + backlog.encode())
        self.vm.add_tap(tap)
        with self._lock:
            self._clients.add(conn)
        writer = threading.Thread(target=_write, args=(conn, q), daemon=True)
        writer.start()
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    break
                self.vm.send(data)
        except (OSError, ekvm.VMError):
            pass
        finally:
            self.vm.remove_tap(tap)
            try:
                q.put_nowait(None)
            except queue.Full:
                pass
            _shutdown(conn)
            writer.join(5)
            conn.close()
            with self._lock:
                self._clients.discard(conn)

    def close(self):
        try:
            self.sock.close()
        finally:
            with self._lock:
                clients = list(self._clients)
            for c in clients:
                _shutdown(c)
            if os.path.lexists(self.path):
                os.unlink(self.path)


def _write(conn, q):
    while True:
        chunk = q.get()
        if chunk is None:
            return
        try:
            conn.sendall(chunk)
        except OSError:
            return


def _shutdown(conn):
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
