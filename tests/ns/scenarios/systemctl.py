"""The systemctl shim against live units: is-active, is-enabled, is-failed, status, start, stop,
restart, enable --now, list-units, daemon-reload and refusals, with systemctl's exit codes."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark  # noqa: E402


def run(t):
    ns = t.boot(["sc-on.service", "sc-fail.service", "sc-off.service"],
                enabled=["sc-on.service", "sc-fail.service"])
    mark(ns, "sc-on starting")
    ns.wait_services(lambda s: s.get("sc-on.service", {}).get("active") == "active" and
                     s.get("sc-fail.service", {}).get("active") == "failed", 15, "sc-on active, sc-fail failed")

    def sc(want_rc, *args, out=None):
        p = ns.systemctl(*args)
        t.check(p.returncode == want_rc, "systemctl %s: exit %d, expected %d (%s%s)" %
                (" ".join(args), p.returncode, want_rc, p.stdout, p.stderr))
        if out is not None:
            t.check(p.stdout.strip() == out, "systemctl %s printed %r, expected %r" % (" ".join(args), p.stdout, out))
        return p

    sc(0, "is-active", "sc-on", out="active")
    sc(0, "is-active", "-q", "sc-on.service", out="")
    sc(3, "is-active", "sc-fail", out="failed")
    sc(3, "is-active", "sc-off", out="inactive")
    sc(3, "is-active", "no-such-unit", out="inactive")
    sc(0, "is-failed", "sc-fail", out="failed")
    sc(1, "is-failed", "sc-on", out="active")
    sc(0, "is-enabled", "sc-on", out="enabled")
    sc(1, "is-enabled", "sc-off", out="disabled")
    sc(1, "is-enabled", "no-such-unit")
    sc(0, "status", "sc-on")
    sc(3, "status", "sc-off")
    sc(3, "status", "sc-fail")
    sc(4, "status", "no-such-unit")
    sc(5, "start", "no-such-unit")
    sc(1, "start", "sc-fail")
    sc(0, "start", "sc-off")
    sc(0, "is-active", "sc-off", out="active")
    sc(0, "stop", "sc-off")
    sc(3, "is-active", "sc-off", out="inactive")
    sc(0, "restart", "sc-on")
    sc(0, "is-active", "sc-on", out="active")
    sc(0, "enable", "--now", "sc-off")
    sc(0, "is-enabled", "sc-off", out="enabled")
    sc(0, "is-active", "sc-off", out="active")
    sc(0, "disable", "--now", "sc-off")
    sc(1, "is-enabled", "sc-off", out="disabled")
    sc(0, "daemon-reload")
    # A reload must change what runs: a new ExecStart= in sc-off's file, then a start.
    ns.run(["/bin/sh", "-c", "cat > /etc/ekinit/system/sc-off.service"], check=True,
           input="[Service]\nExecStart=/bin/sh -c 'echo \"mark: sc-off reloaded\" >/proc/1/fd/1; exec sleep 100000'\n")
    since = len(ns.lines)
    t.check(not ns.seen(r"mark: sc-off reloaded"), "the new definition ran before the reload")
    sc(0, "daemon-reload")
    sc(0, "start", "sc-off")
    mark(ns, "sc-off reloaded", 10, since)
    sc(0, "stop", "sc-off")
    p = sc(0, "list-units", "--type=service", "--no-pager")
    t.check("sc-on.service" in p.stdout, "list-units: %r" % p.stdout)
    sc(0, "--no-pager")
    p = sc(1, "mask", "sc-on")
    t.check("'mask' is not supported; supported:" in p.stderr, "mask: %r" % p.stderr)
