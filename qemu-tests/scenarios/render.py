"""The ekinit Warewulf overlay renders with Go's text/template against Warewulf 4.5- and 4.6-shaped data, byte for byte as expected; a template slip fails.

No VM: runs tools/render-overlay (Go, Debian's golang) over every node in
qemu-tests/fixtures/nodes/cluster.json and compares with fixtures/nodes/expected/."""

import os
import shutil
import subprocess
import tempfile

from cluster import OVERLAY, cluster, render
from nodeimage import QT

EXPECTED = os.path.join(QT, "fixtures", "nodes", "expected")
NODECONF = os.path.join("etc", "ekinit", "node.conf.ww")
CLUSTERCONF = os.path.join("etc", "ekinit", "cluster.conf")
EKJOIN = os.path.join(QT, "..", "build", "ek-join")


def check_cluster_conf(t, path, node, shape, member):
    """The stages' own validator (ek-join --check-config) accepts a member's cluster.conf and
    refuses a non-member's, naming the missing vip."""
    if not os.access(EKJOIN, os.X_OK):
        return
    p = subprocess.run([EKJOIN, "--check-config", path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if member:
        t.check(p.returncode == 0, "%s (Warewulf %s) cluster.conf refused: %s" % (node, shape, p.stdout))
    else:
        t.check(p.returncode != 0 and "vip: missing" in p.stdout,
                "%s (Warewulf %s) has no vip tag, yet its cluster.conf was not refused for it: %s"
                % (node, shape, p.stdout))


def tree(root):
    out = {}
    for d, _, files in os.walk(root):
        for n in files:
            p = os.path.join(d, n)
            with open(p) as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


def broken_overlay(tmp, name, edit):
    """A copy of the overlay with node.conf.ww changed by edit(text)."""
    root = os.path.join(tmp, name, "rootfs")
    shutil.copytree(OVERLAY, root)
    p = os.path.join(root, NODECONF)
    with open(p) as f:
        text = f.read()
    changed = edit(text)
    assert changed != text, "the slip for %s did not apply" % name
    with open(p, "w") as f:
        f.write(changed)
    return root


def run(t):
    tmp = tempfile.mkdtemp(prefix="ekt-render-")
    try:
        nodes = sorted(cluster()["nodes"])
        t.check(set(nodes) <= set(os.listdir(EXPECTED)),
                "nodes without expected output: %s" % sorted(set(nodes) - set(os.listdir(EXPECTED))))
        for shape in ("4.5", "4.6"):
            for node in nodes:
                out = os.path.join(tmp, shape, node)
                rc, err = render(node, out, shape)
                t.check(rc == 0, "rendering for %s (Warewulf %s) failed: %s" % (node, shape, err))
                got, want = tree(out), tree(os.path.join(EXPECTED, node))
                t.check(sorted(got) == sorted(want), "%s/%s rendered files %s, expected %s"
                        % (shape, node, sorted(got), sorted(want)))
                for path in want:
                    t.check(got[path] == want[path], "%s (Warewulf %s) %s:\n%s\nexpected:\n%s"
                            % (node, shape, path, got[path], want[path]))
                member = "[cluster]" in got.get(CLUSTERCONF, "")
                check_cluster_conf(t, os.path.join(out, CLUSTERCONF), node, shape, member)

        slips = {
            "unclosed-action": lambda s: s.replace("{{- end }}", "", 1),
            "unknown-field": lambda s: s.replace("$nd.Hwaddr", "$nd.HwAddr", 1),
            "warewulf-only-function": lambda s: s.replace("{{ .Id }}", "{{ Include \"/etc/x\" }}", 1),
        }
        for name, edit in slips.items():
            root = broken_overlay(tmp, name, edit)
            for shape in ("4.5", "4.6"):
                rc, err = render("control1", os.path.join(tmp, "out-" + name), shape, root)
                t.check(rc != 0, "a template with a slip (%s) rendered without error (Warewulf %s)"
                        % (name, shape))
                t.check("node.conf.ww" in err, "the error for %s does not name the template: %s"
                        % (name, err))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
