"""Roles=: on a worker (node.conf role = worker) a control-only unit is skipped, a worker unit
and a unit without Roles= run. A node.conf with only [node] (no netdev) is accepted."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from _common import mark  # noqa: E402

NODE_CONF = "[node]\nid = ns-worker1\nrole = worker\n"


def run(t):
    ns = t.boot(["role-control.service", "role-worker.service", "role-any.service"],
                files={"/etc/ekinit/node.conf": NODE_CONF})
    net = ns.expect(r"\] network (\w+)", 5)
    t.check(net.group(1) in ("ok", "skipped"), "network step with a [node]-only node.conf: %s" % net.m.string)
    mark(ns, "role-worker starting")
    mark(ns, "role-any starting")
    s = ns.wait_services(lambda s: s.get("role-control.service", {}).get("state") == "skipped", 5,
                         "role-control skipped")
    why = s["role-control.service"].get("why", "")
    t.check("control" in why or "role" in why, "role-control why: %r" % why)
    t.check(not ns.seen(r"mark: role-control starting"), "role-control started on a worker")
