"""Faults on a formed cluster (the healing issue's scenarios), run as subtests of `cluster` so that
they share its formation (minutes under TCG): each is reported as its own test.

A reboot of a diskless node is a power cycle: the VM is killed and the same image booted again,
nothing kept (the node's log continues in NAME-NODE-bootN.log). What each subtest asserts:
- rejoin-control: the node comes back by itself (ek-join done), its previous etcd member is gone
  (a new member ID under its name), etcd has 3 healthy voting members, exactly one Node of that
  name, Ready through the VIP.
- rejoin-worker: the same for a worker (no etcd member): one Node of that name, a new object
  (its previous life's Node was removed, not reused), Ready.
- keepalived-crash: keepalived is killed with SIGKILL on the VIP holder (it cannot remove the VIP
  itself): once ekinit has restarted it, exactly one node has the VIP, and it stays so.
- cold-restart: every node powered off and booted again: the new leader restores the newest etcd
  snapshot, so a ConfigMap created before is still there.
- quorum-loss: 2 of 3 control nodes powered off: the survivor reports the loss on its console,
  in `ekctl status` and in /share/quorum-lost, with the recovery command. Last: it ends the cluster.
rejoin-control-fast, rejoin-expired, rolling-reboot, share-lost and cluster-reset are in
lib/heal_more.py (its docstring says what each asserts); they use this module's helpers."""

import json
import re
import time

import formation as fm
from cluster import node_info

ETCD = ("ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 "
        "--cacert=/etc/kubernetes/pki/etcd/ca.crt "
        "--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt "
        "--key=/etc/kubernetes/pki/etcd/healthcheck-client.key")
REJOIN_TIMEOUT = 900         # host seconds: a boot and a join under TCG on 2 shared cores
STEADY_POLLS = 5             # "stays so": this many consecutive answers, each a guest round trip
_boots = {}                  # node -> how many times it was booted by a subtest


def _json_line(out, start):
    return next((l for l in out.splitlines() if l.startswith(start)), None)


def etcd_members(vm):
    """[{ID, name, peerURLs, isLearner}] from a live control node's etcd, or None."""
    rc, out = vm.run_rc(ETCD + " member list -w json", 60)
    js = _json_line(out, "{")
    if rc != 0 or not js:
        return None
    try:
        return json.loads(js).get("members") or []
    except ValueError:
        return None


def etcd_healthy(vm):
    rc, out = vm.run_rc(ETCD + " endpoint health --cluster -w json", 60)
    js = _json_line(out, "[")
    try:
        return sorted(e["endpoint"] for e in json.loads(js or "[]") if e.get("health"))
    except (ValueError, KeyError, TypeError):
        return []


def member_of(members, name):
    """Members that are this node's: by name, or by the exact host of a peer URL."""
    ip = node_info(name)[1]
    out = []
    for m in members or []:
        hosts = [re.sub(r"^https?://\[?([^\]/]+?)\]?(:\d+)?/?$", r"\1", u) for u in m.get("peerURLs") or []]
        if m.get("name") == name or ip in hosts:
            out.append(m)
    return out


def node_objects(op, name):
    """[(uid, Ready?)] of every Node called name through the VIP, or None if the API did not answer."""
    nodes = fm.node_list(op)
    return None if nodes is None else [(uid, ready) for n, uid, ready in nodes if n == name]


def power_cycle(t, net, vms, name):
    """Kill the node's VM (if it still runs) and boot the same image again: a diskless reboot."""
    if vms[name].running():
        vms[name].note("test: power-cycling this node")
        vms[name].kill()
    _boots[name] = _boots.get(name, 1) + 1
    memory = fm.CONTROL_MEMORY if name.startswith("control") else fm.WORKER_MEMORY
    vms[name] = fm.boot_cluster_node(t, net, name, memory, label="%s-boot%d" % (name, _boots[name]))
    return vms[name]


def wait_join_done(t, vm, name, timeout=REJOIN_TIMEOUT):
    try:
        m = fm.wait_said(vm, r"ek-join: (done|failed): .*", timeout)
    except AssertionError as e:
        raise AssertionError("%s after the reboot: %s; ek-join's last lines:\n%s"
                             % (name, e, fm.unit_tail(vm, "ek-join")))
    t.check(m.group(1) == "done", "%s after the reboot: %s" % (name, m.group(0)))


def live_control(vms, controls, but=None):
    return next(vms[n] for n in controls if n != but and vms[n].running())


def rejoin_control(t, net, op, vms, controls, name, timeline):
    """name is rebooted (or booted again after a power loss): it rejoins by itself, its previous
    etcd member is replaced, etcd has len(controls) healthy members, one Ready Node of that name."""
    peer = live_control(vms, controls, but=name)
    before = member_of(etcd_members(peer), name)
    old_uids = [u for u, _ in node_objects(op, name) or []]
    t_boot = time.monotonic()
    vm = power_cycle(t, net, vms, name)
    wait_join_done(t, vm, name)

    deadline = time.monotonic() + REJOIN_TIMEOUT
    want = sorted("https://%s:2379" % node_info(n)[1] for n in controls)
    members, healthy = None, []
    while time.monotonic() < deadline:
        members = etcd_members(peer)
        mine = member_of(members, name)
        if (members is not None and len(members) == len(controls) and len(mine) == 1
                and not any(m.get("isLearner") for m in members)
                and all(m.get("name") for m in members)):
            healthy = etcd_healthy(peer)
            if healthy == want:
                break
        fm.poll_pause()
    mine = member_of(members, name)
    t.check(len(mine) == 1, "etcd members of %s after its rejoin: %s (all: %s)" % (name, mine, members))
    t.check(not before or mine[0].get("ID") not in [m.get("ID") for m in before],
            "%s's etcd member is still the one of its previous life (%s)" % (name, mine[0].get("ID")))
    t.check(members and len(members) == len(controls) and not any(m.get("isLearner") for m in members),
            "etcd members after %s rejoined: %s" % (name, members))
    t.check(healthy == want, "etcd healthy endpoints %s, expected %s" % (healthy, want))
    _one_ready_node(t, op, name, old_uids, deadline, t_boot, timeline, require_new=False)


def rejoin_worker(t, net, op, vms, name, timeline):
    """The worker is rebooted: exactly one Node of its name afterwards, a new object, Ready."""
    objs = node_objects(op, name)
    t.check(objs and len(objs) == 1 and objs[0][1], "before the reboot: Node %s is %s" % (name, objs))
    t_boot = time.monotonic()
    vm = power_cycle(t, net, vms, name)
    wait_join_done(t, vm, name)
    _one_ready_node(t, op, name, [objs[0][0]], time.monotonic() + REJOIN_TIMEOUT, t_boot, timeline,
                    require_new=True)


def _one_ready_node(t, op, name, old_uids, deadline, t_boot, timeline, require_new):
    objs = None
    while time.monotonic() < deadline:
        objs = node_objects(op, name)
        if objs and len(objs) == 1 and objs[0][1] and (not require_new or objs[0][0] not in old_uids):
            break
        fm.poll_pause()
    t.check(objs and len(objs) == 1, "Node objects named %s after its rejoin: %s" % (name, objs))
    t.check(objs[0][1], "Node %s is not Ready after its rejoin" % name)
    if require_new and objs[0][0]:
        t.check(objs[0][0] not in old_uids, "Node %s is its previous life's object (uid %s): it was "
                "not removed before the join" % (name, objs[0][0]))
    timeline.setdefault("rejoin_seconds", {})[name] = round(time.monotonic() - t_boot, 2)


def keepalived_crash(t, op, vms, controls):
    """SIGKILL keepalived on the VIP holder: afterwards exactly one node holds the VIP."""
    holders = fm.vip_holder(vms, controls)
    t.check(len(holders) == 1, "VIP held by %s before the crash" % holders)
    vm = vms[holders[0]]
    old = vm.run("cat /run/keepalived.pid")
    vm.note("test: kill -9 keepalived (the VIP holder's)")
    vm.run("kill -9 %s" % old.split()[0])
    # ekinit restarts it (Restart=); its main PID changes
    deadline = time.monotonic() + 300
    restarted = False
    while time.monotonic() < deadline and not restarted:
        rc, out = vm.run_rc("systemctl is-active keepalived && cat /run/keepalived.pid", 30)
        restarted = rc == 0 and out.split() and out.split()[-1] != old.split()[0]
        if not restarted:
            fm.poll_pause()
    t.check(restarted, "keepalived not restarted on %s after kill -9" % holders[0])
    # then one holder, for STEADY_POLLS answers in a row (a second holder would be a split brain)
    seen, steady = [], 0
    while time.monotonic() < deadline and steady < STEADY_POLLS:
        seen = fm.vip_holder(vms, controls)
        steady = steady + 1 if len(seen) == 1 else 0
    t.check(steady >= STEADY_POLLS, "after keepalived was killed the VIP is on %s" % seen)
    rc, out = op.curl("-k", "-o", "/dev/null", "-w", "%{http_code}",
                      "https://%s:%d/healthz" % (fm.VIP, fm.API_PORT))
    t.check(out.strip() == "200", "the API through the VIP after the crash: %r" % out)


def _quorum_diagnostics(vm, name):
    """What the survivor's phylactery and etcd say when no report came: its unit status, where
    its threads wait (and any child, such as an etcdctl), and what etcd answers it locally."""
    out = []
    for what, cmd in (
            ("ekctl status phylactery", "ekctl status phylactery"),
            ("phylactery's threads (wchan, state) and processes",
             "p=$(pidof phylactery); for d in /proc/$p/task/*; do echo \"$d $(cat $d/wchan) "
             "$(cut -d' ' -f3 $d/stat)\"; done; ps"),
            ("phylactery's main thread: kernel stack, syscall, open files",
             "p=$(pidof phylactery); cat /proc/$p/task/$p/stack /proc/$p/task/$p/syscall; ls -l /proc/$p/fd"),
            ("its registry heartbeat (now, then the entry)", "date +%%s; cat /share/phylactery/nodes/%s" % name),
            ("phylactery /status", "python3.11 -c \"import urllib.request as u; s=open('/share/phylactery/secret')"
             ".read().strip(); print(u.urlopen(u.Request('http://127.0.0.1:9180/status', headers="
             "{'Authorization': 'Bearer ' + s}), timeout=20).read().decode())\""),
            ("etcd member list", ETCD + " --command-timeout=10s member list -w json"),
            ("etcd endpoint status", ETCD + " --command-timeout=10s endpoint status -w json"),
            ):
        try:
            rc, text = vm.run_rc(cmd, 60)
            out.append("--- %s (exit %s):\n%s" % (what, rc, text.strip()[-3000:]))
        except Exception as e:  # noqa: BLE001 - diagnostics must not hide the failure
            out.append("--- %s: could not run: %s" % (what, e))
    return "\n".join(out)


def quorum_loss(t, mgr, vms, controls):
    """Power off all control nodes but one: the survivor reports the loss with the recovery command."""
    live = [n for n in controls if vms[n].running()]
    t.check(len(live) >= 2, "quorum-loss needs 2 live control nodes, has %s" % live)
    survivor = live[0]
    # nothing before this fault was a quorum loss (formation, rejoins and the cold restart keep
    # quorum): a report now would be a false alarm, and the wait below would match it
    early = ["%s: %s" % (n, m.group(0)[:120]) for n in live for m in vms[n].seen(r"etcd quorum lost: .*")]
    t.check(not early, "quorum loss reported before any was caused:\n%s" % "\n".join(early))
    for n in live[1:]:
        vms[n].note("test: powering off (quorum loss)")
        vms[n].kill()
    vm = vms[survivor]
    try:
        m = fm.wait_said(vm, r"etcd quorum lost: .*recovery: (.+)", 300, unit="phylactery")
    except AssertionError as e:
        raise AssertionError("%s\n%s" % (e, _quorum_diagnostics(vm, survivor)))
    t.check("--force-new-cluster" in m.group(1) and "ekcluster-reset" in m.group(1),
            "recovery commands on the console: %s" % m.group(1))
    out = vm.run("ekctl status phylactery")
    t.check("quorum lost" in out, "ekctl status phylactery does not report the loss:\n%s" % out)
    rc, share = mgr.run_rc("cat /share/quorum-lost", 30)
    t.check(rc == 0 and "recovery=" in share and ("name=%s" % survivor) in share,
            "/share/quorum-lost: %s" % share)


def cold_restart(t, net, op, mgr, vms, controls, workers, timeline):
    """Every node powered off, then all booted again (a rack's power cycle): the new leader restores
    the newest etcd snapshot (restore_on_cold_start = yes in the test's cluster.conf), so a ConfigMap
    created before is there again through the VIP."""
    marker = "before-cold-restart"
    rc, out = op.kubectl("create", "configmap", marker, "--from-literal=a=b")
    t.check(rc == 0, "creating ConfigMap %s: %s" % (marker, out))
    t_marker = time.monotonic()
    # a snapshot taken after the marker was written (the etcd leader's phylactery says so; the
    # test's snapshot_interval is 60 s)
    deadline = time.monotonic() + 300
    snap = None
    while time.monotonic() < deadline and snap is None:
        snap = next((n for n in controls if fm.first_time(vms[n], r"phylactery: .*snapshot: \S+ written",
                                                           after=t_marker)), None)
        if snap is None:
            fm.poll_pause()
    t.check(snap is not None, "no etcd snapshot written after ConfigMap %s was created" % marker)
    for n in controls + workers:
        if vms[n].running():
            vms[n].note("test: powering off every node (cold restart)")
            vms[n].kill()
    t_boot = time.monotonic()
    for n in controls + workers:
        power_cycle(t, net, vms, n)
    for n in controls + workers:
        wait_join_done(t, vms[n], n)
    restored = [n for n in controls if fm.said(vms[n], r"ek-join: leader: cold start: restoring ")]
    t.check(len(restored) == 1, "nodes that restored a snapshot: %s" % restored)
    # the old admin kubeconfig's client certificate may be gone with the new CA: read it afresh
    op.reload(mgr.run("cat /share/kube.config"))
    fm.wait_ready(t, op, controls + workers, time.monotonic() + REJOIN_TIMEOUT)
    rc, out = op.kubectl("get", "configmap", marker, "-o", "jsonpath={.data.a}")
    t.check(rc == 0 and out.strip() == "b", "ConfigMap %s after the cold restart: %s" % (marker, out))
    timeline["cold_restart_seconds"] = round(time.monotonic() - t_boot, 2)
