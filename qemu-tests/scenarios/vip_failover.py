"""The cluster forms (manager + 3 control nodes + 1 worker), then the VIP holder is powered off: the VIP answers from another control node within seconds and the API through it keeps working (kubectl get nodes through the VIP).

Same image and operator as `cluster` (lib/formation.py). "Powered off" is QEMU killed (the VM
dies without a word, as when a node loses power): keepalived's peers take over after their
advert timeout (~3 s measured)."""

import time

import formation as fm

VMS = 5
CONTROL = ["control1", "control2", "control3"]
WORKER = ["worker1"]
FORM_TIMEOUT = 900
FAILOVER_S = 20              # "within seconds", with room for TCG on 2 shared cores


def run(t):
    net, mgr, vms, t_start = fm.boot_all(t, CONTROL, WORKER)
    deadline = time.monotonic() + FORM_TIMEOUT
    fm.wait_share_file(t, mgr, vms, "/share/leader_ready", deadline)
    op = fm.Operator(net, mgr.run("cat /share/kube.config"))
    try:
        ready_at = fm.wait_ready(t, op, list(vms), deadline)
        fm.write_timeline(t.name, {"scenario": t.name, "seconds_since": "first QEMU start",
                                   "nodes": fm.timeline(vms, t_start, ready_at)})
        holders = fm.vip_holder(vms, CONTROL)
        t.check(len(holders) == 1, "VIP held by %s" % holders)
        gone = holders[0]
        vms[gone].note("test: powering this VM off (it holds the VIP)")
        t_kill = time.monotonic()
        vms[gone].kill()

        # the VIP answers again (TCP through haproxy to a live API), from another node
        answered = None
        while time.monotonic() - t_kill < FAILOVER_S * 3:
            rc, out = op.curl("-k", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                              "https://%s:%d/healthz" % (fm.VIP, fm.API_PORT))
            if out.strip() == "200":
                answered = time.monotonic() - t_kill
                break
        t.check(answered is not None and answered <= FAILOVER_S,
                "the VIP answered %s after the holder %s died (limit %d s)"
                % ("%.1f s" % answered if answered else "never", gone, FAILOVER_S))
        new = fm.vip_holder(vms, [n for n in CONTROL if n != gone])
        t.check(len(new) == 1, "after the failover the VIP is held by %s" % new)
        for vm in vms.values():
            if vm.running():
                vm.note("test: VIP answered %.1f s after %s died; now held by %s"
                        % (answered, gone, new[0]))

        # the API through the VIP keeps working: etcd keeps its quorum (2 of 3)
        end = time.monotonic() + 120
        nodes = None
        while time.monotonic() < end:
            nodes = fm.ready_nodes(op)
            if nodes and set(nodes) == set(vms):
                break
        t.check(nodes and set(nodes) == set(vms),
                "kubectl get nodes through the VIP after the failover: %s" % nodes)
        rc, out = op.kubectl("create", "configmap", "after-failover", "--from-literal=a=b")
        t.check(rc == 0, "a write through the VIP after the failover: %s" % out)
    finally:
        op.close()
