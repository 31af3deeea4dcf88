"""Type=notify with User=: a service running as nobody sends READY=1 through the notify socket (as
Debian's etcd-server, Type=notify with User=etcd, does) and becomes active; the message is still
authenticated by the sender's credentials and cgroup."""

UNIT = """[Service]
Type=notify
User=nobody
TimeoutStartSec=8
ExecStart=/usr/bin/notify-send READY=1 STATUS=as-nobody -- sleep 100000
"""


def run(t):
    ns = t.boot(files={"/etc/ekinit/system/nt-user.service": UNIT}, enabled=["nt-user.service"])
    s = ns.wait_services(lambda s: s.get("nt-user.service", {}).get("state") in ("running", "failed"), 15,
                         "nt-user running or failed")["nt-user.service"]
    t.check(s["state"] == "running" and s["status_text"] == "as-nobody", "nt-user: %s" % s)
    uid = ns.sh("stat -c %%u /proc/%d" % s["pid"]).stdout.strip()
    t.check(uid == "65534", "the notify sender runs as uid %r, not nobody" % uid)
