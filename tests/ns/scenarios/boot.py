"""ekinit boots as PID 1 of a namespace in container mode, answers `ekctl status --json`, and
`ekctl poweroff` ends the namespace."""

from nsinit import describe_rc


def run(t):
    ns = t.boot()
    root_move = ns.expect(r"root-move (\w+)", 5)
    t.check(root_move.group(1) == "skipped", "root-move in container mode: %s" % root_move.group(0))
    st = ns.status()
    t.check(st.get("state") == "running", "state is %r" % st.get("state"))
    t.check(st.get("container") is True, "container mode not reported: %r" % st.get("container"))
    names = [e.get("step") for e in st.get("events", [])]
    t.check("mount-api" in names and "sysctl" in names, "timeline events: %s" % names)
    since = len(ns.lines)
    rc = ns.poweroff()
    ns.expect(r"ekinit: shutdown: poweroff", 1, since)
    # unshare reports PID 1's end by reboot(2) (SIGINT for poweroff) as itself dying of it, or as
    # exit 1 where it cannot re-raise the signal; anything else means PID 1 did not get there.
    t.check(rc in (0, 1, -2), "the namespace ended with %s" % describe_rc(rc))
