"""Scenario discovery, accelerator choice, and the runner behind
qemu-tests/run and qemu-tests/demo."""

import argparse
import concurrent.futures
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
import traceback

import ekvm
import netns
import nodeimage

REPO = nodeimage.REPO
QT = nodeimage.QT
SCENARIOS = os.path.join(QT, "scenarios")
LOGS = os.environ.get("EKINIT_QEMU_LOGS") or os.path.join(REPO, "build", "qemu-logs")


class Failure(AssertionError):
    pass


# ---------------------------------------------------------------- accelerator

def choose_accel(kernel, log=print):
    """EKINIT_ACCEL=tcg|kvm wins; otherwise a cached verdict of a KVM probe
    (boot with KVM, first serial output within 15 s, hard deadline)."""
    env = os.environ.get("EKINIT_ACCEL")
    if env:
        return env
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg"
    verdict_file = os.path.join(nodeimage.mk.cache_dir(), "accel")
    if os.path.exists(verdict_file):
        with open(verdict_file) as f:
            v = f.read().strip()
        if v in ("tcg", "kvm"):
            return v
    log("probing KVM (hard deadline 15 s)...")
    # Guest output only: QEMU's own warnings (stderr) also land in vm.lines.
    vm = ekvm.VM("kvm-probe", kernel, None, accel="kvm", cmdline="loglevel=7",
                 shell_channel=False)
    verdict = "tcg"
    try:
        vm.start()
        vm.expect(r"Linux version|^\[\s*\d+\.\d+\] ", 15)
        verdict = "kvm"
    except ekvm.VMError:
        pass
    finally:
        vm.kill()
    log("KVM %s; using %s (cached in %s)" % ("works" if verdict == "kvm" else "does not work",
                                           verdict, verdict_file))
    with open(verdict_file, "w") as f:
        f.write(verdict + "\n")
    return verdict


# ------------------------------------------------------------------ scenarios

class Scenario:
    def __init__(self, name, path):
        self.name = name
        self.path = path
        spec = importlib.util.spec_from_file_location("scenario_" + name.replace("-", "_"), path)
        self.module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.module)
        doc = (self.module.__doc__ or "").strip()
        # first paragraph of the docstring, on one line
        self.description = " ".join(doc.split("\n\n")[0].split())


# Scenarios that run only when named (qemu-tests/run NAME), not in make check. None today: the
# whole-cluster scenarios joined make check once they passed repeatedly (cluster runs its
# CHECK_SUBTESTS there; `make cluster-check` runs every fault).
OPT_IN = set()


def discover():
    out = {}
    for fn in sorted(os.listdir(SCENARIOS)):
        if fn.endswith(".py") and not fn.startswith("_"):
            name = fn[:-3].replace("_", "-")
            out[name] = Scenario(name, os.path.join(SCENARIOS, fn))
    return out


class Context:
    """What a scenario's run(t) gets: boot VMs, check things. Every VM it
    boots is killed in teardown, whatever happens."""

    def __init__(self, name, image, accel, keep_logs):
        self.name = name
        self.image = image
        self.accel = accel
        self.vms = []
        self.log_paths = []
        self.networks = []
        self.subtests = []  # (name, reason or None, seconds)

    def network(self):
        """A new test network: namespace ekt-NAME-pPID-N with bridge br0
        (lib/netns.py); deleted in teardown, whatever happened."""
        net = netns.Netns(self.name)
        self.networks.append(net)
        return net.create()

    def boot(self, cmdline="", memory=256, initrd=None, net=None, mac=None, label=None,
             base_cmdline=ekvm.DEFAULT_CMDLINE, netboot_rom=None, qemu_args=()):
        """Start a VM. initrd: another image (default: the node image);
        net + mac: one virtio NIC on a new tap on the network's bridge;
        label: log name suffix (NAME-label.log) instead of the VM's number;
        netboot_rom: boot from the NIC with this option ROM (iPXE) instead
        of QEMU's -kernel (cmdline and initrd then come from the network);
        qemu_args: more QEMU arguments (e.g. a QMP monitor, lib/qmp.py)."""
        n = len(self.vms) + 1
        suffix = "-" + label if label else ("" if n == 1 else "-%d" % n)
        log = os.path.join(LOGS, self.name + suffix + ".log")
        extra, wrap = [], []
        if net is not None:
            tap = net.tap()
            extra = ["-netdev", "tap,id=n0,ifname=%s,script=no,downscript=no" % tap,
                     "-device", "virtio-net-pci,netdev=n0,mac=%s" % mac]
            wrap = net.wrap()
        kernel = self.image.kernel
        if netboot_rom:
            kernel = None
            # Debian's iPXE ROM is for the modern virtio-net device (1af4:1041):
            # SeaBIOS skips it on the transitional one that -M pc makes.
            extra[-1] += ",disable-legacy=on,romfile=%s,bootindex=1" % netboot_rom
            # SeaBIOS copies the option ROM's screen output to the serial port
            # in this file (0x3f8: ttyS0, a 16-bit binary integer); without it
            # iPXE prints only to a display that -display none does not have.
            sercon = os.path.join(os.path.dirname(self.image.initrd), "sercon-port")
            if not os.path.exists(sercon):
                tmp = nodeimage.mk.tmp_path(sercon)
                with open(tmp, "wb") as f:
                    f.write((0x3f8).to_bytes(2, "little"))
                os.replace(tmp, sercon)
            extra += ["-fw_cfg", "name=etc/sercon-port,file=" + sercon]
        extra += list(qemu_args)
        vm = ekvm.VM(self.name + suffix, kernel, initrd or self.image.initrd,
                     cmdline=cmdline, accel=self.accel, memory=memory, log_path=log,
                     extra_args=extra, wrap=wrap, base_cmdline=base_cmdline)
        self.vms.append(vm)
        self.log_paths.append(log)
        return vm.start()

    @staticmethod
    def check(cond, msg):
        if not cond:
            raise Failure(msg)

    def subtest(self, name, fn, *args):
        """Runs fn(*args) as a test of its own on this scenario's setup (a fault after the
        scenario's own checks, so that several faults share one formed cluster). Its outcome
        is reported as SCENARIO/NAME and counted apart; a failure is recorded, not raised.
        Returns True when it passed."""
        t0 = time.monotonic()
        reason = None
        try:
            fn(*args)
        except AssertionError as e:
            reason = str(e).strip() or "assertion failed"
        except Exception as e:  # a bug in the scenario: still a FAIL of this subtest
            reason = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc())
        self.subtests.append((name, reason, time.monotonic() - t0))
        for vm in self.vms:
            if vm.running():
                vm.note("subtest %s: %s" % (name, "PASS" if reason is None else "FAIL: " + reason))
        return reason is None

    def teardown(self):
        for vm in self.vms:
            vm.kill()
        for net in self.networks:
            net.destroy()


class VMBudget:
    """At most `limit` VMs at once across parallel scenarios (TCG on a few
    cores): a scenario declaring VMS = n (module attribute, default 1) waits
    for n slots. First come, first served: while one waits, those after it wait
    behind it, or a scenario wanting every slot (the cluster's) would wait for
    as long as smaller ones kept taking the slots that came free."""

    def __init__(self, limit):
        self.limit = max(1, limit)
        self.used = 0
        self.tickets = 0         # handed out
        self.serving = 0         # the ticket whose turn it is
        self.cond = threading.Condition()

    def acquire(self, n):
        n = min(max(1, n), self.limit)
        with self.cond:
            ticket = self.tickets
            self.tickets += 1
            while ticket != self.serving or self.used + n > self.limit:
                self.cond.wait()
            self.serving += 1
            self.used += n
            self.cond.notify_all()   # the next in line may fit beside it
        return n

    def release(self, n):
        with self.cond:
            self.used -= n
            self.cond.notify_all()


def prepare(sc, image):
    """A scenario's prepare(image), if it has one: work that needs a core but no VM (building its
    images), done before the scenario takes its VMs from the budget, so that other scenarios'
    VMs run meanwhile and the scenario's own timings start at its first VM. Returns an error
    text, or None."""
    fn = getattr(sc.module, "prepare", None)
    if fn is None:
        return None
    try:
        fn(image)
        return None
    except Exception as e:  # reported as the scenario's failure by run_one
        return "prepare: %s: %s\n%s" % (type(e).__name__, e, traceback.format_exc())


class ReadyQueue:
    """The scenarios to run, in order; those named in `unprepared` may be taken only once
    mark_ready() said so. take() returns the first one that is ready, waiting while none is, and
    None when all have been taken."""

    def __init__(self, names, unprepared):
        self.pending = list(names)
        self.waiting = [n for n in names if n in unprepared]
        self.ready = set(n for n in names if n not in unprepared)
        self.cond = threading.Condition()

    def unprepared(self):
        return list(self.waiting)

    def mark_ready(self, name):
        with self.cond:
            self.ready.add(name)
            self.cond.notify_all()

    def take(self):
        with self.cond:
            while self.pending:
                for n in self.pending:
                    if n in self.ready:
                        self.pending.remove(n)
                        return n
                self.cond.wait()
            return None


def run_one(sc, image, accel, keep_logs, prepare_error=None):
    t = Context(sc.name, image, accel, keep_logs)
    t0 = time.monotonic()
    reason = None
    try:
        if prepare_error:
            raise RuntimeError(prepare_error)
        sc.module.run(t)
        for vm in t.vms:
            vm.check_panic()
    except AssertionError as e:
        reason = str(e).strip() or "assertion failed"
        tb = traceback.extract_tb(e.__traceback__)
        where = [f for f in tb if f.filename == sc.path]
        if where:
            reason += " [%s:%d]" % (os.path.basename(sc.path), where[-1].lineno)
    except Exception as e:  # a bug in the scenario or harness: still a FAIL
        reason = "%s: %s" % (type(e).__name__, e)
        reason += "\n" + traceback.format_exc()
    finally:
        t.teardown()
    dt = time.monotonic() - t0
    # A declared subtest (module SUBTESTS) that never ran failed with its setup.
    ran = {n for n, _, _ in t.subtests}
    for n in getattr(sc.module, "SUBTESTS", []):
        if n not in ran:
            t.subtests.append((n, "not run: %s failed first" % sc.name, 0.0))
    sub_failed = any(r is not None for _, r, _ in t.subtests)
    if reason is not None:
        for vm in t.vms:
            vm.note("FAIL: " + reason)
    if reason is None and not sub_failed and not keep_logs:
        for p in t.log_paths:
            if os.path.exists(p):
                os.unlink(p)
    return reason, dt, t.log_paths, t.subtests


# --------------------------------------------------------------------- build

def make_all(log=print):
    """Build build/ekinit and build/ekctl with the project's Makefile."""
    if not os.path.exists(os.path.join(REPO, "Makefile")):
        log("make: no Makefile yet, skipping the build")
        return
    p = subprocess.run(["make", "-s", "-C", REPO, "all"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        if "No rule to make target 'all'" in p.stdout:
            log("make: no 'all' target yet, skipping the build")
            return
        sys.stdout.write(p.stdout)
        raise SystemExit("make -s -C %s all failed (exit %d)" % (REPO, p.returncode))
    if p.stdout.strip():
        sys.stdout.write(p.stdout)


def binaries(args):
    ekinit = args.ekinit or os.path.join(REPO, "build", "ekinit")
    ekctl = args.ekctl or os.path.join(REPO, "build", "ekctl")
    for p in (ekinit, ekctl):
        if not os.path.exists(p):
            raise SystemExit("missing %s (build it with make, or pass --ekinit/--ekctl)" % p)
    return ekinit, ekctl


def build_image(args):
    ekinit, ekctl = binaries(args)
    out = nodeimage.OUT
    if args.ekinit or args.ekctl:      # keep build/qemu for build/ekinit
        out += "-custom"
    return nodeimage.build(ekinit, ekctl, out=out)


def common_args(ap):
    ap.add_argument("--ekinit", help="ekinit binary to install (default build/ekinit)")
    ap.add_argument("--ekctl", help="ekctl binary to install (default build/ekctl)")
    ap.add_argument("--no-make", action="store_true", help="do not run make first")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="qemu-tests/run",
                                 description="Run ekinit's QEMU scenarios.")
    ap.add_argument("scenarios", nargs="*", metavar="SCENARIO")
    ap.add_argument("--list", action="store_true", help="list scenarios and exit")
    ap.add_argument("--skip", default=os.environ.get("QEMU_SKIP", ""), metavar="NAME,NAME",
                    help="leave these scenarios out (default: $QEMU_SKIP; make check-quick skips the cluster ones)")
    # Three scenarios at once: the short ones idle a core while they wait on a guest's timeout
    # (stop timeouts, a crash's restart); EKINIT_MAX_VMS (4) still caps the VMs they boot.
    ap.add_argument("-j", "--jobs", type=int, default=3,
                    help="scenarios at once (default 3; their VMs are capped by $EKINIT_MAX_VMS, default 4)")
    ap.add_argument("--keep-logs", action="store_true",
                    help="keep console logs of passing scenarios too")
    common_args(ap)
    args = ap.parse_args(argv)

    scenarios = discover()
    if args.list:
        w = max(len(n) for n in scenarios)
        for n, sc in scenarios.items():
            print("%-*s  %s%s" % (w, n, sc.description, " (opt-in: run when named)" if n in OPT_IN else ""))
        return 0
    # With no names: every scenario but the opt-in ones (OPT_IN), which run when named.
    names = args.scenarios or [n for n in scenarios if n not in OPT_IN]
    skip = [n.strip() for n in args.skip.split(",") if n.strip()]
    names = [n for n in names if n not in skip]
    # Longest first (a scenario's COST: its host seconds under TCG, a scheduling hint only), so
    # that the long ones do not start last beside an idle job.
    names = sorted(names, key=lambda n: -getattr(scenarios[n].module, "COST", 5)
                   if n in scenarios else 0)
    unknown = [n for n in names + skip if n not in scenarios]
    if unknown:
        print("unknown scenario(s): %s (see --list)" % " ".join(unknown), file=sys.stderr)
        return 2

    if not args.no_make:
        make_all()
    image = build_image(args)
    accel = choose_accel(image.kernel)
    os.makedirs(LOGS, exist_ok=True)
    netns.clean_stale()

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_sigterm)

    passed = failed = 0
    lock = threading.Lock()
    t0 = time.monotonic()

    budget = VMBudget(int(os.environ.get("EKINIT_MAX_VMS", "4")))

    # Scenarios with a prepare() (image builds: a core, no VM) are prepared one at a time by their
    # own thread; meanwhile the jobs take the scenarios that are ready, longest first.
    queue = ReadyQueue(names, [n for n in names if hasattr(scenarios[n].module, "prepare")])
    prepare_errors = {}

    def preparer():
        for name in queue.unprepared():
            prepare_errors[name] = prepare(scenarios[name], image)
            queue.mark_ready(name)
    threading.Thread(target=preparer, daemon=True).start()

    def worker():
        while True:
            name = queue.take()
            if name is None:
                return
            job(name)

    def job(name):
        nonlocal passed, failed
        prepare_error = prepare_errors.get(name)
        n = budget.acquire(getattr(scenarios[name].module, "VMS", 1))
        started = time.monotonic() - t0     # when it got its VMs, from the run's start
        try:
            reason, dt, logs, subtests = run_one(scenarios[name], image, accel, args.keep_logs,
                                                 prepare_error)
        finally:
            budget.release(n)
        logs = [os.path.relpath(p, os.getcwd()) for p in logs if os.path.exists(p)]
        with lock:
            for label, why, secs in [(name, reason, dt)] + [(name + "/" + s, r, d)
                                                            for s, r, d in subtests]:
                if why is None:
                    passed += 1
                    # the scenario's own line says when it started: where a run's time went
                    print("PASS %s (%.1f s%s)" % (label, secs, ", from +%.0f s" % started
                                                  if label == name else ""), flush=True)
                    continue
                failed += 1
                short = " | ".join(l.strip() for l in why.splitlines() if l.strip())
                if len(short) > 400:
                    short = short[:400] + " ..."
                print("FAIL %s: %s (log: %s)" % (label, short, ", ".join(logs) or "none"),
                      flush=True)

    ex = concurrent.futures.ThreadPoolExecutor(max(1, args.jobs))
    try:
        for f in [ex.submit(worker) for _ in range(max(1, args.jobs))]:
            f.result()
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        ex.shutdown(wait=False, cancel_futures=True)
        ekvm.kill_all()
        netns.delete_all()
        print("interrupted; %d passed, %d failed" % (passed, failed))
        os._exit(130)
    ex.shutdown()
    print("# %d scenario(s) in %.1f s, accel %s" % (len(names), time.monotonic() - t0, accel))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def demo(argv=None):
    ap = argparse.ArgumentParser(prog="qemu-tests/demo",
                                 description="Boot the test node image interactively.")
    ap.add_argument("--append", default="", help="extra kernel command line")
    ap.add_argument("-m", "--memory", type=int, default=256)
    common_args(ap)
    args = ap.parse_args(argv)
    if not args.no_make:
        make_all()
    image = build_image(args)
    accel = choose_accel(image.kernel)
    vm = ekvm.VM("demo", image.kernel, image.initrd,
                 cmdline=("ekinit.shell=1 " + args.append).strip(),
                 accel=accel, memory=args.memory, shell_channel=False)
    argv = vm.argv()
    i = argv.index("-chardev")
    argv[i:i + 4] = ["-serial", "mon:stdio"]
    print("Booting node image (%s). Quit QEMU: Ctrl-A then X.  "
          "QEMU monitor: Ctrl-A then C.  Inside: poweroff." % accel)
    print("$ " + " ".join(a if " " not in a else "'%s'" % a for a in argv))
    sys.stdout.flush()
    os.execvp(argv[0], argv)
