"""Shared bits of the namespace scenarios (not a scenario: the leading underscore)."""


def mark(ns, what, timeout=20, since=0):
    """Waits for a fixture's 'mark: WHAT' line (units write them to PID 1's console)."""
    return ns.expect(r"mark: %s$" % what, timeout, since)


def release(ns, gate):
    """Opens a fixture's FIFO /run/gate-NAME for writing: the unit blocked reading it goes on."""
    ns.sh("echo go > /run/gate-%s" % gate, check=True, timeout=10)


def svc(ns, name):
    return ns.services().get(name) or {}
