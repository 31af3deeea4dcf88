"""A malformed /etc/ekinit/node.conf gives a clear console error naming file and line, the network step fails or is skipped, and the console shell still works."""

from cluster import boot_node
from checks import step_re
from netchecks import NODECONF, wait_complete

BROKEN = """# rendered by Warewulf from overlay ekinit: etc/ekinit/node.conf.ww
[node]
id control1
hostname = control1
manager = 10.10.0.1
"""


def run(t):
    net = t.network()
    vm = boot_node(t, net, "control1", extra_files={NODECONF: BROKEN})
    m = vm.expect(r"ekinit: error: %s:3: (.+)$" % NODECONF.replace(".", r"\."), 180)
    t.check(m.group(1).strip(), "the error names no problem: %r" % m.group(0))
    wait_complete(vm, 120)
    steps = vm.seen(step_re("network"))
    t.check(steps and steps[0].group(2) in ("failed", "skipped"),
            "network step: %s" % [s.group(0) for s in steps])
    out = vm.run("echo shell-$((40+2)); head -n 3 %s" % NODECONF)
    t.check(out.splitlines()[0] == "shell-42" and "id control1" in out,
            "console shell output: %r" % out)
