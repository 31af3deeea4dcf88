"""RuntimeDirectory= with User=: /run/NAME belongs to the service's user and group with exactly
RuntimeDirectoryMode= (PID 1's umask 022 must not reduce 0775), the unprivileged daemon can write
into it, and it is removed when the service stops (RuntimeDirectoryPreserve=no, the default)."""

UNIT = """[Service]
User=nobody
Group=nogroup
RuntimeDirectory=rt-user
RuntimeDirectoryMode=0775
ExecStart=/bin/sh -c 'echo hello > /run/rt-user/own-file && exec sleep 100000'
"""


def run(t):
    ns = t.boot(files={"/etc/ekinit/system/rt-user.service": UNIT}, enabled=["rt-user.service"])
    ns.wait_services(lambda s: s.get("rt-user.service", {}).get("state") == "running", 15, "rt-user running")
    # The daemon's write is the last thing before its exec of sleep: wait for the exec, not a time.
    ns.wait_until(lambda: "sleep" in ns.sh("cat /proc/%d/cmdline" % ns.services()["rt-user.service"]["pid"]).stdout,
                  10, "rt-user's shell to exec sleep")
    st = ns.sh("stat -c '%U %G %a' /run/rt-user").stdout.strip()
    t.check(st == "nobody nogroup 775", "/run/rt-user is %r, expected 'nobody nogroup 775'" % st)
    t.check(ns.sh("cat /run/rt-user/own-file").stdout.strip() == "hello", "the daemon could not write its directory")
    ns.systemctl("stop", "rt-user", check=True)
    gone = ns.sh("test -e /run/rt-user && echo present || echo gone").stdout.strip()
    t.check(gone == "gone", "/run/rt-user is still there after the stop")
