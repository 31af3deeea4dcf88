"""Console text to lines: shared by the QEMU harness (ekvm) and the namespace runner (tests/ns/lib/nsinit.py),
which both read a console from a pipe, pty or socket. No side effects on import."""


def pump_lines(read, on_line, on_partial=None):
    """Reads chunks with read() until it returns b"" or fails; on_line(text) for each complete line
    (then for an unterminated rest at the end), on_partial(text) after each chunk with the line
    still incomplete (a prompt)."""
    buf = b""
    while True:
        try:
            chunk = read()
        except OSError:
            chunk = b""
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            on_line(line.decode("utf-8", "replace"))
        if on_partial:
            on_partial(buf.decode("utf-8", "replace"))
    if buf:
        on_line(buf.decode("utf-8", "replace"))
