"""`ekctl logs -n 3 NAME` shows a unit's last three lines; `ekctl logs -f` follows new ones."""
import os
import re
import select
import sys
import time
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark  # noqa: E402


def run(t):
    ns = t.boot(["logger.service"])
    mark(ns, "logger wrote")
    want = ["log line 8", "log line 9", "log line 10"]
    # The lines were written before the mark, but PID 1 may not have copied them from the pipe yet.
    p = ns.wait_until(lambda: (lambda p: p if texts(p.stdout) == want else None)(ns.ekctl("logs", "-n", "3", "logger")),
                      5, "ekctl logs -n 3 logger to show lines 8-10")
    t.check(p.returncode == 0, "ekctl logs: exit %d: %s" % (p.returncode, p.stderr))
    f = ns.spawn(["/sbin/ekctl", "logs", "-f", "-n", "1", "logger"])
    try:
        first = read_line(f, 10)
        t.check(texts(first) == ["log line 10"], "logs -f first line: %r" % first)
        ns.sh("echo followed-line > /run/gate-logger", check=True, timeout=10)
        t.check(texts(read_line(f, 10)) == ["followed-line"], "logs -f did not show the new line")
    finally:
        f.kill()
        f.wait()


def texts(out):
    """The lines without PID 1's "[ seconds] " stamps."""
    return [re.sub(r"^\[\s*[\d.]+\] ", "", l) for l in (out or "").splitlines()]


def read_line(p, timeout):
    """One line of p's stdout, waiting for it with a deadline."""
    deadline = time.monotonic() + timeout
    buf = b""
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        r, _, _ = select.select([p.stdout], [], [], max(left, 0))
        if not r:
            return None
        c = os.read(p.stdout.fileno(), 1)
        if not c:
            return buf.decode() or None
        buf += c
    return buf.decode().rstrip("\n")
