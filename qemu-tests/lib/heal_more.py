"""More faults on the formed cluster (the healing issue's scenarios), subtests of `cluster` like
those of lib/heal.py, whose helpers they use. What each subtest asserts:
- rejoin-control-fast: a control node whose Node is still Ready (seen Ready through the VIP just
  before the power cut, right after the previous subtest: no wait for it to turn NotReady) is
  rebooted: the same assertions as rejoin-control (it rejoins by itself, a new etcd member under
  its name, etcd has 3 healthy voting members, one Ready Node of that name).
- rejoin-expired: the join credentials are made to expire the way expiry looks to a joiner: every
  bootstrap-token Secret and the kubeadm-certs Secret (the uploaded certificates, which kubeadm
  deletes with their token after 2 h) are deleted through kubectl; then a control node (it needs
  both the token and the certificate key) is rebooted: it rejoins as in rejoin-control, a fresh
  bootstrap token was minted (a bootstrap-token Secret that was not there before), the
  certificates were uploaded again (kubeadm-certs exists again), and a phylactery logged
  "join credentials handed out" after the expiry.
- rolling-reboot: every control node rebooted in turn, each rejoining (as in rejoin-control)
  before the next; meanwhile a thread asks the API through the VIP for /healthz from the operator
  address (curl --max-time 2 each, every 0.5 s): the longest run of non-200 answers (from the
  first failing request's start to the next 200) stays within the failover limit. The gaps go
  into the timeline (rolling_reboot_gaps). When rejoin-control, rejoin-control-fast and
  rejoin-expired run too, their three reboots (a different control node each, in turn; the first
  one's power cut is vip-failover's, checked there) are the rolling reboot, watched from the first
  to the last (six reboots cost make check too much time under TCG); it then also fails if any of
  the three did not rejoin.
- share-lost: the NFS server on the manager stops (rpc.nfsd 0, exports withdrawn) for
  SHARE_DOWN_S and starts again (its NFSv4 state is lost: a server reboot for the clients): the
  API through the VIP answers 200 to every request during the outage and after; every node reads
  and writes /share again within SHARE_RECOVER_S; every control node's phylactery writes its
  registry heartbeat (time= in /share/phylactery/nodes/NAME, every 10 s) again after the restart.
- cluster-reset: `ekcluster-reset --purge --yes` on the manager (installed there as the
  operations guide says): every node reboots by itself (its QEMU exits: -no-reboot) and the share's
  cluster state is cleared (no leader file, no snapshots); booted again, the nodes form a new
  cluster: a new leader (its leader file differs from the old one), leader_ready, 3 healthy etcd
  members, every Node Ready through the VIP, no snapshot restored (--purge removed them), and a
  ConfigMap created before the reset is gone."""

import json
import re
import threading
import time

import formation as fm
import heal
from cluster import node_info

SHARE_DOWN_S = 20            # the NFS outage, paced by the API requests made during it
SHARE_RECOVER_S = 240        # NFSv4 reclaim after a server restart (grace 10 s) under TCG
RESET_EXIT_S = 300           # every node rebooted after ekcluster-reset (workers poll every 5 s)
POLL_EVERY_S = 0.5           # the rolling reboot's requests through the VIP (the limit is 20 s)
NFSD_START = "rpc.nfsd -p 2049 -N 3 --no-udp --grace-time 10 --lease-time 10 4"  # as the manager's init


def pick_control(vms, controls, avoid=()):
    """The first running control node not in avoid (the previous subtests' nodes)."""
    live = [n for n in controls if vms[n].running()]
    return next((n for n in live if n not in avoid), live[0] if live else controls[0])


def rejoin_control_fast(t, net, op, vms, controls, name, timeline):
    """Reboot name while its Node is still Ready: the same assertions as rejoin-control."""
    objs = heal.node_objects(op, name)
    t.check(objs and len(objs) == 1 and objs[0][1],
            "before the fast reboot: Node %s is %s (it must still be Ready)" % (name, objs))
    sub = {}
    heal.rejoin_control(t, net, op, vms, controls, name, sub)
    timeline.setdefault("rejoin_fast_seconds", {}).update(sub.get("rejoin_seconds", {}))


def _kube_system_secrets(t, op):
    rc, out = op.kubectl("-n", "kube-system", "get", "secrets", "-o", "json")
    t.check(rc == 0, "kubectl get secrets -n kube-system: %s" % out)
    try:
        return [(i.get("metadata") or {}).get("name") for i in json.loads(out).get("items") or []]
    except ValueError:
        t.check(False, "kubectl get secrets -n kube-system: not JSON: %s" % out[:400])


def rejoin_expired(t, net, op, vms, controls, name, timeline):
    """Delete the bootstrap tokens and the uploaded certificates, then reboot control node name."""
    before = _kube_system_secrets(t, op)
    expired = [n for n in before if n.startswith("bootstrap-token-")]
    gone = expired + (["kubeadm-certs"] if "kubeadm-certs" in before else [])
    for vm in vms.values():
        if vm.running():
            vm.note("test: deleting %s (the join credentials expire)" % gone)
    if gone:
        rc, out = op.kubectl("-n", "kube-system", "delete", "secret", *gone)
        t.check(rc == 0, "deleting %s: %s" % (gone, out))
    t_expired = time.monotonic()
    left = [n for n in _kube_system_secrets(t, op)
            if n.startswith("bootstrap-token-") or n == "kubeadm-certs"]
    t.check(not left, "after the deletion kube-system still has %s" % left)

    sub = {}
    heal.rejoin_control(t, net, op, vms, controls, name, sub)
    timeline.setdefault("rejoin_expired_seconds", {}).update(sub.get("rejoin_seconds", {}))

    after = _kube_system_secrets(t, op)
    fresh = [n for n in after if n.startswith("bootstrap-token-") and n not in expired]
    t.check(fresh, "no fresh bootstrap token after %s rejoined (kube-system Secrets: %s)" % (name, after))
    t.check("kubeadm-certs" in after, "the certificates were not uploaded again for %s's join "
            "(kube-system Secrets: %s)" % (name, after))
    handed = [n for n in controls if vms[n].running() and
              fm.first_time(vms[n], r"phylactery: join credentials handed out", after=t_expired)]
    t.check(handed, "no phylactery logged 'join credentials handed out' after the expiry")


def _gaps(polls):
    """[(start, seconds)] of each run of failed polls, from the first failed request's start to
    the end of the next answered one (or of the last poll when none answered after)."""
    out, start = [], None
    for t0, t1, ok in polls:
        if not ok and start is None:
            start = t0
        elif ok and start is not None:
            out.append((start, t1 - start))
            start = None
    if start is not None:
        out.append((start, polls[-1][1] - start))
    return out


class VipWatch:
    """A thread asking the API through the VIP for /healthz from the operator address while control
    nodes reboot (curl --max-time 2 each, a new one every POLL_EVERY_S at most: without a pace the
    curls would take CPU from the VMs for the whole of three reboots); mark(node) notes when a
    node's reboot began, so that each gap is put down to the node rebooting then."""

    def __init__(self, op):
        self.op, self.polls, self.during = op, [], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self.t_start = time.monotonic()

    def _poll(self):
        url = "https://%s:%d/healthz" % (fm.VIP, fm.API_PORT)
        while not self._stop.is_set():
            t0 = time.monotonic()
            try:
                _, out = self.op.curl("-k", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", url)
                ok = out.strip() == "200"
            except Exception:           # noqa: BLE001 - a poll that could not run is a failed one
                ok = False
            self.polls.append((t0, time.monotonic(), ok))
            self._stop.wait(max(0.0, t0 + POLL_EVERY_S - time.monotonic()))

    def start(self):
        self.t_start = time.monotonic()
        self._thread.start()
        return self

    def mark(self, node):
        self.during.append((time.monotonic(), node))

    def stop(self):
        self._stop.set()
        self._thread.join(30)

    def check(self, t, vms, controls, limit, timeline):
        """The gaps into the timeline (rolling_reboot_gaps), then: enough polls, and the longest
        gap within limit."""
        def node_at(when):
            return next((n for s, n in reversed(self.during) if s <= when), None)
        polls = list(self.polls)
        gaps = _gaps(polls)
        timeline["rolling_reboot_gaps"] = [
            {"start_s": round(s - self.t_start, 2), "seconds": round(d, 2), "rebooting": node_at(s)}
            for s, d in gaps]
        timeline["rolling_reboot_polls"] = len(polls)
        longest = max((d for _, d in gaps), default=0.0)
        timeline["rolling_reboot_longest_gap_s"] = round(longest, 2)
        for vm in vms.values():
            if vm.running():
                vm.note("test: rolling reboot: %d polls through the VIP, gaps %s"
                        % (len(polls), timeline["rolling_reboot_gaps"]))
        t.check(len(polls) >= 10 * len(controls), "only %d polls through the VIP during the rolling "
                "reboot" % len(polls))
        t.check(longest <= limit, "the API through the VIP was down %.1f s in a row during the rolling "
                "reboot (limit %d s); gaps: %s" % (longest, limit, timeline["rolling_reboot_gaps"]))


def rolling_reboot(t, net, op, vms, controls, limit, timeline):
    """Every control node rebooted in turn (as in rejoin-control) while a VipWatch polls."""
    watch = VipWatch(op).start()
    sub = {}
    try:
        for n in controls:
            watch.mark(n)
            heal.rejoin_control(t, net, op, vms, controls, n, sub)
    finally:
        watch.stop()
    timeline["rolling_reboot_rejoin_seconds"] = sub.get("rejoin_seconds", {})
    watch.check(t, vms, controls, limit, timeline)


def rolling_reboot_watched(t, watch, vms, controls, rejoined, limit, timeline):
    """The rolling reboot made of the three control-node subtests before it (rejoin-control,
    rejoin-control-fast, rejoin-expired: each control node in turn, each rejoined before the next):
    rejoined maps each rebooted node to whether its subtest passed; watch polled throughout."""
    watch.check(t, vms, controls, limit, timeline)
    t.check(sorted(rejoined) == sorted(controls), "the rolling reboot rebooted %s, not every control "
            "node %s" % (sorted(rejoined), sorted(controls)))
    failed = sorted(n for n, ok in rejoined.items() if not ok)
    t.check(not failed, "the rolling reboot: %s did not rejoin (their subtests failed)" % failed)


def share_lost(t, op, mgr, vms, controls):
    """The manager's NFS server stops and starts again while the cluster runs."""
    url = "https://%s:%d/healthz" % (fm.VIP, fm.API_PORT)
    for vm in vms.values():
        vm.note("test: the NFS server on the manager stops for %d s" % SHARE_DOWN_S)
    mgr.note("test: stopping the NFS server (rpc.nfsd 0; exportfs -ua)")
    mgr.run("rpc.nfsd 0 && exportfs -ua", 60)
    t_down = time.monotonic()
    codes = {}
    while time.monotonic() - t_down < SHARE_DOWN_S:
        rc, out = op.curl("-k", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", url)
        key = out.strip() or "curl rc %d" % rc
        codes[key] = codes.get(key, 0) + 1
    mgr.note("test: starting the NFS server again")
    mgr.run("exportfs -ra && " + NFSD_START, 60)
    restarted = int(mgr.run("date +%s").strip())
    t.check(set(codes) == {"200"}, "the API through the VIP while the share was down: %s" % codes)

    # every node reads and writes the share again (a hard mount blocks until the server is back;
    # busybox timeout -s KILL ends a try that blocks: SIGKILL interrupts an NFS wait)
    deadline = time.monotonic() + SHARE_RECOVER_S
    for name, vm in vms.items():
        if not vm.running():
            continue
        path = "/share/ektest-share-lost-%s" % name
        word = "back-%d" % restarted
        rc, out = 1, ""
        while time.monotonic() < deadline:
            rc, out = vm.run_rc("timeout -s KILL 20 sh -c 'echo %s >%s && cat %s'" % (word, path, path), 60)
            if rc == 0 and out.strip() == word:
                break
            fm.poll_pause()
        t.check(rc == 0 and out.strip() == word, "%s cannot read and write /share %d s after the "
                "NFS server restarted: rc %d, %r" % (name, SHARE_RECOVER_S, rc, out))
        vm.note("test: /share readable and writable again")
    rc, out = op.curl("-k", "-o", "/dev/null", "-w", "%{http_code}", url)
    t.check(out.strip() == "200", "the API through the VIP after the share came back: %r" % out)

    # phylactery's registry heartbeat works again: each live control node's entry is rewritten
    # with a time after the restart (the nodes' clocks are stepped from the manager's NTP)
    stale = {}
    while time.monotonic() < deadline:
        stale = {}
        for n in controls:
            if vms[n].running():
                rc, text = mgr.run_rc("cat /share/phylactery/nodes/%s 2>/dev/null" % n, 30)
                when = fm.kv(text).get("time", "")
                if not (when.isdigit() and int(when) >= restarted):
                    stale[n] = when or "missing"
        if not stale:
            break
        fm.poll_pause()
    t.check(not stale, "registry entries not refreshed after the NFS restart (time= %s, restart "
            "at %d)" % (stale, restarted))


def cluster_reset(t, net, op, mgr, vms, controls, workers, timeline):
    """ekcluster-reset --purge on the manager: every node reboots, a new empty cluster forms.
    --purge: the snapshots go too, so restore_on_cold_start has nothing to restore and the
    ConfigMap created before must be gone."""
    marker = "before-cluster-reset"
    rc, out = op.kubectl("create", "configmap", marker, "--from-literal=a=b")
    t.check(rc == 0, "creating ConfigMap %s: %s" % (marker, out))
    old_leader = mgr.run("cat /share/leader")
    for vm in vms.values():
        if vm.running():
            vm.note("test: ekcluster-reset --purge --yes on the manager")
    # the control nodes up before the reset: they answer its POST /reboot and then reboot (their
    # QEMU exits, -no-reboot), some before ekcluster-reset returns
    live = sorted(node_info(n)[1] for n in controls if vms[n].running())
    t_reset = time.monotonic()
    rc, out = mgr.run_rc("ekcluster-reset --purge --wait 180 --yes", 300)
    mgr.note("test: ekcluster-reset exited %d" % rc)
    t.check(rc == 0 and "cluster state cleared" in out, "ekcluster-reset: exit %d:\n%s" % (rc, out))
    told = re.findall(r"ekcluster-reset: (\S+): POST /reboot: (\S+)", out)
    t.check(sorted(ip for ip, code in told if code == "202") == live,
            "POST /reboot answers: %s; control nodes up before the reset: %s" % (told, live))
    rc, left = mgr.run_rc("ls -a /share/leader /share/leader_ready /share/kube.config /share/etcd "
                          "2>/dev/null", 30)
    t.check(not left.strip(), "the share's cluster state after the reset: %s" % left)

    # every node reboots by itself; with -no-reboot its QEMU exits
    deadline = time.monotonic() + RESET_EXIT_S
    for n in controls + workers:
        vm = vms[n]
        try:
            status = vm.wait_exit(max(1, deadline - time.monotonic()))
        except AssertionError as e:
            t.check(False, "%s did not reboot after ekcluster-reset: %s" % (n, e))
        t.check(status == 0, "%s: QEMU exit status %s after the reset" % (n, status))
        vm.kill()                         # closes its log
    t_boot = time.monotonic()
    for n in controls + workers:
        heal.power_cycle(t, net, vms, n)
    for n in controls + workers:
        heal.wait_join_done(t, vms[n], n)

    ready = fm.wait_share_file(t, mgr, vms, "/share/leader_ready", time.monotonic() + heal.REJOIN_TIMEOUT)
    new_leader = mgr.run("cat /share/leader")
    leader = fm.kv(new_leader).get("name")
    t.check(leader in controls and ready.get("name") == leader,
            "after the reset: leader %r, leader_ready by %r" % (leader, ready.get("name")))
    t.check(new_leader != old_leader, "the leader file is the one from before the reset:\n%s" % new_leader)
    claimed = [n for n in controls if fm.said(vms[n], r"ek-join: election: leader claimed")]
    t.check(claimed == [leader], "leader claimed by %s after the reset; /share/leader names %s"
            % (claimed, leader))
    restored = [n for n in controls if fm.said(vms[n], r"ek-join: leader: cold start: restoring ")]
    t.check(not restored, "a snapshot was restored after ekcluster-reset --purge on %s" % restored)
    want = sorted("https://%s:2379" % node_info(n)[1] for n in controls)
    healthy = []
    end = time.monotonic() + heal.REJOIN_TIMEOUT
    while time.monotonic() < end and healthy != want:
        healthy = heal.etcd_healthy(vms[leader])
        if healthy != want:
            fm.poll_pause()
    t.check(healthy == want, "etcd healthy endpoints after the reset %s, expected %s" % (healthy, want))

    op.reload(mgr.run("cat /share/kube.config"))   # a new cluster: new CA, new admin credentials
    fm.wait_ready(t, op, controls + workers, time.monotonic() + heal.REJOIN_TIMEOUT)
    rc, out = op.kubectl("get", "configmap", marker)
    t.check(rc != 0 and re.search(r"(?i)not ?found", out),
            "ConfigMap %s after ekcluster-reset --purge: rc %d: %s" % (marker, rc, out))
    timeline["cluster_reset_seconds"] = round(time.monotonic() - t_reset, 2)
    timeline["cluster_reset_boot_to_ready_seconds"] = round(time.monotonic() - t_boot, 2)
