"""Soak: at once, services restarted 1,000 times, a log flood, 100 clients asking for status, the
console stopped (tcflow TCOOFF) for a while, and a daemon-reload every 3 s. PID 1 must answer
every request, keep its RSS (within 256 KiB) and fd count, and leave no zombie; the figures go
to docs/reliability.md (under make check: build/ns/reliability.md).

Bounded by EKINIT_SOAK_SECONDS (default 240) for the whole scenario. ekinit's restart backoff
(100 ms floor, doubling up to 30 s, reset by a clean exit or a run of over 10 s) lets a crashing
service restart only a few dozen times in minutes, so the 1,000 restarts come from four services
that exit cleanly with Restart=always, beside one that really crashes (SIGSEGV)."""
import ast
import json
import os
import platform
import re
import select
import subprocess
import time

import nsinit  # noqa: E402  (tests/ns/lib is on the path: tests/ns/run put it there)
import sysroot  # noqa: E402

BUDGET = float(os.environ.get("EKINIT_SOAK_SECONDS", "240"))
RESTARTS = 1000
CLIENTS = 100
RELOAD_MS = 3000
TIMEOUT_MS = 10000            # a request without a reply by then is unanswered (as ekctl's)
STOP_SECONDS = 15             # the console stays stopped this long: longer than TIMEOUT_MS
RSS_SLACK_KB = 256
RESERVE = 45                  # seconds kept for stopping, measuring and the report

CHURN = ["soak-churn-%d" % i for i in range(1, 5)]
CRASH = "soak-crash"
FLOOD = "soak-flood"
UNITS = CHURN + [CRASH, FLOOD]
RESTART_RE = re.compile(r"ekinit: warning: (soak-churn-\d|soak-crash)\.service: .*; restarting in ")

UNIT_FILES = {"/etc/ekinit/system/%s.service" % n: (
    "[Unit]\nDescription=soak: exits at once and is restarted at once\nStartLimitIntervalSec=0\n"
    "[Service]\nExecStart=/bin/true\nRestart=always\nRestartSec=0\n") for n in CHURN}
UNIT_FILES["/etc/ekinit/system/%s.service" % CRASH] = (
    "[Unit]\nDescription=soak: crashes (SIGSEGV) at once, every time\nStartLimitIntervalSec=0\n"
    "[Service]\nExecStart=/bin/sh -c 'kill -SEGV $$$$'\nRestart=always\nRestartSec=0\n")
UNIT_FILES["/etc/ekinit/system/%s.service" % FLOOD] = (
    "[Unit]\nDescription=soak: log lines at full speed\n"
    "[Service]\nExecStart=/bin/sh -c 'exec yes soak-flood: a log line written as fast as PID 1 takes it'\n")

# A run by hand (tests/ns/run soak) regenerates docs/reliability.md; under make check
# (EKINIT_SOAK_DOC unset by tests/run-all) the report goes to build/, so a test run leaves the
# tree clean. EKINIT_SOAK_DOC=PATH names another file.
DOC = os.environ.get("EKINIT_SOAK_DOC") or os.path.join(sysroot.REPO, "docs", "reliability.md")
FIGURES = os.path.join(sysroot.BUILD, "soak.json")


class Load:
    """soak-load inside the namespace: its stdin is our stop signal, its stdout and stderr lines
    (stamped) are read as they come."""

    def __init__(self, ns, clients):
        ns.sh("mkdir -p /run/soak", check=True)
        cmd = ["nsenter", "--target", str(ns.hostpid)] + nsinit.NSENTER_NS + \
              ["/usr/bin/soak-load", str(clients), str(RELOAD_MS), str(TIMEOUT_MS), "/run/soak"]
        self.ns = ns
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, env={"PATH": nsinit.PATH, "LANG": "C"})
        self.lines = []
        self.buf = b""
        self.eof = False

    def read(self, timeout):
        """Waits up to timeout for output; returns the new complete lines as soon as there are any
        (or [] at the deadline or at EOF)."""
        new = []
        deadline = time.monotonic() + timeout
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if not r:
                break
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                self.eof = True
                break
            self.buf += chunk
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                text = line.decode("utf-8", "replace")
                self.ns.note("soak-load: " + text)
                new.append(text)
            if new:
                break
        self.lines += new
        return new

    def wait_line(self, regex, timeout):
        rx = re.compile(regex)
        for line in self.lines:
            if rx.search(line):
                return line
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.eof:
            for line in self.read(deadline - time.monotonic()):
                if rx.search(line):
                    return line
        raise AssertionError("soak-load printed no line matching %r within %.0f s: %s"
                             % (regex, timeout, self.lines[-5:]))

    def finish(self, timeout):
        """Closes stdin (stop) and returns soak-load's summary as a dict of ints."""
        self.p.stdin.close()
        line = self.wait_line(r"^soak-load: requests=", timeout)
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise AssertionError("soak-load did not exit within %.0f s of its summary" % timeout)
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def pid1_rss_kb(ns):
    with open("/proc/%d/status" % ns.hostpid) as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))


def pid1_fds(ns):
    """/proc/1/fd counted inside the namespace."""
    out = ns.sh("ls /proc/1/fd | wc -l", check=True).stdout.strip()
    return int(out)


def zombies(ns):
    out = ns.sh("for s in /proc/[0-9]*/status; do grep -q '^State:.*Z' $s 2>/dev/null && "
                "echo ${s%/status}; done; true", check=True).stdout.split()
    return out


def pid1_where(ns):
    """What PID 1 is doing right now, from the host: its system call (write(2) and its target named)
    and wait channel."""
    base = "/proc/%d/" % ns.hostpid
    try:
        with open(base + "syscall") as f:
            sc = f.read().split()
        with open(base + "wchan") as f:
            wchan = f.read().strip()
    except OSError as e:
        return "(cannot tell: %s)" % e.strerror
    names = {"0": "read", "1": "write", "20": "writev", "7": "poll", "232": "epoll_wait", "281": "epoll_pwait"}
    what = names.get(sc[0], "system call %s" % sc[0]) if sc and sc[0] != "running" else "running"
    if what in ("write", "writev") and len(sc) > 1:
        fd = int(sc[1], 16)
        try:
            target = os.readlink(base + "fd/%d" % fd)
        except OSError:
            target = "?"
        what += "(fd %d = %s)" % (fd, target)
    return "%s, wait channel %s" % (what, wchan or "-")


def start_units(ns):
    # --no-block: a unit that ends at once never settles as "started" for ekctl to wait for
    for u in UNITS:
        ns.ekctl("start", "--no-block", u, check=True, timeout=30)


def stop_units(ns):
    for u in UNITS:
        ns.ekctl("stop", u, timeout=40)
    return ns.wait_services(lambda s: all(s.get(u + ".service", {}).get("active") in ("inactive", "failed")
                                          for u in UNITS), 30, "every soak unit stopped")


class Restarts:
    """Counts PID 1's 'NAME: ...; restarting in S s' console lines as they arrive."""

    def __init__(self, ns):
        self.ns, self.i, self.n = ns, len(ns.lines), 0

    def count(self):
        lines = self.ns.lines
        while self.i < len(lines):
            if RESTART_RE.search(lines[self.i][1]):
                self.n += 1
            self.i += 1
        return self.n

    def wait(self, n, deadline, what):
        """Waits (for console lines) until n restart lines were seen or the deadline passed."""
        left = deadline - time.monotonic()
        if left <= 0:
            return self.count() >= n
        try:
            self.ns.wait_until(lambda: self.count() >= n, left, what)
            return True
        except AssertionError:
            return False


def run(t):
    t0 = time.monotonic()
    deadline = t0 + BUDGET
    ns = t.boot(files=UNIT_FILES, enabled=[], console="pty")
    fig = {"budget_s": BUDGET}

    # Warm-up: one short round of everything, so that what PID 1 allocates on first use (log rings,
    # reply buffers, cgroups) is in the "before" figures.
    start_units(ns)
    warm = Load(ns, 10)
    warm.wait_line(r"clients running", 30)
    Restarts(ns).wait(20, time.monotonic() + 30, "20 restarts in the warm-up")
    ns.ekctl("daemon-reload", check=True)
    warm.finish(30)
    s = stop_units(ns)
    base = {u: s.get(u + ".service", {}).get("restarts", 0) for u in CHURN + [CRASH]}
    rss0, fds0 = pid1_rss_kb(ns), pid1_fds(ns)
    fig.update(rss_before_kb=rss0, fds_before=fds0)

    # The soak.
    restarts = Restarts(ns)
    t_soak = time.monotonic()
    start_units(ns)
    load = Load(ns, CLIENTS)
    failures = []
    stall = None
    try:
        load.wait_line(r"%d clients running" % CLIENTS, 30)
        main_end = deadline - RESERVE
        # 1. everything with the console flowing, up to a third of the restarts
        restarts.wait(RESTARTS // 3, t_soak + (main_end - t_soak) / 3, "a third of the restarts")
        fig["restarts_before_stop"] = restarts.count()
        # 2. the console stopped: PID 1 must go on answering (soak-load reports a request that got
        #    no reply within TIMEOUT_MS on its stderr, which we read here as it comes)
        ns.stop_console()
        t_stop = time.monotonic()
        complaints = []
        while time.monotonic() < t_stop + STOP_SECONDS:
            complaints += [l for l in load.read(t_stop + STOP_SECONDS - time.monotonic())
                           if "no reply" in l or "connect:" in l]
        if complaints:
            stall = "%d request(s) got no reply within %d ms while the console was stopped; PID 1 was in %s" % (
                len(complaints), TIMEOUT_MS, pid1_where(ns))
        fig["console_stopped_s"] = round(time.monotonic() - t_stop, 1)
        ns.resume_console()
        # Every kind of load has now run at full size (100 clients, the flood, reloads, the stopped
        # console): what PID 1 holds from here on can only grow with the restarts still to come.
        fig.update(rss_mid_kb=pid1_rss_kb(ns), restarts_at_mid=restarts.count())
        # 3. flowing again, until the restarts are done or the time is up
        restarts.wait(RESTARTS, main_end, "%d restarts" % RESTARTS)
        fig["soak_s"] = round(time.monotonic() - t_soak, 1)
        summary = load.finish(TIMEOUT_MS / 1000 + 30)
    finally:
        load.kill()
        ns.resume_console()
    fig.update(summary)
    s = ns.services()
    # the status counts are since boot: the warm-up's restarts are not the soak's
    fig["restarts_status"] = sum(s.get(u + ".service", {}).get("restarts", 0) - base[u] for u in CHURN + [CRASH])
    fig["restarts_crash"] = s.get(CRASH + ".service", {}).get("restarts", 0) - base[CRASH]
    fig["restarts_console"] = restarts.count()
    fig["flood_log_bytes"] = flood_bytes(ns)
    stop_units(ns)
    rss1, fds1 = pid1_rss_kb(ns), pid1_fds(ns)
    z = zombies(ns)
    fig.update(rss_after_kb=rss1, fds_after=fds1, zombies=len(z), total_s=round(time.monotonic() - t0, 1))

    if stall:
        failures.append("PID 1 stalled on its stopped console (issue 13, item 1): " + stall)
    if fig.get("unanswered") or fig.get("errors") or fig.get("lost_clients"):
        failures.append("PID 1 left requests unanswered: %d of %d status requests got no reply within %d ms, "
                        "%d failed otherwise" % (fig.get("unanswered", 0), fig.get("requests", 0), TIMEOUT_MS,
                                                 fig.get("errors", 0)))
    if fig.get("reloads", 0) != fig.get("reloads_answered", -1) or not fig.get("reloads"):
        failures.append("daemon-reload: %d of %d answered" % (fig.get("reloads_answered", 0), fig.get("reloads", 0)))
    if not fig.get("answered"):
        failures.append("no status request was answered at all")
    done = max(fig["restarts_status"], fig["restarts_console"])
    if done < RESTARTS:
        failures.append("only %d restarts within the %.0f s budget (wanted %d)" % (done, BUDGET, RESTARTS))
    if abs(rss1 - rss0) > RSS_SLACK_KB:
        failures.append("PID 1's RSS went from %d to %d KiB (more than %d KiB apart)" % (rss0, rss1, RSS_SLACK_KB))
    if fds1 > fds0:
        failures.append("PID 1's fds grew from %d to %d" % (fds0, fds1))
    if z:
        failures.append("zombies left: %s" % " ".join(z))
    write_doc(fig, failures)
    t.check(not failures, "; ".join(failures))


def flood_bytes(ns):
    p = ns.sh("cat /run/log/ekinit/%s.service* 2>/dev/null | wc -c" % FLOOD)
    try:
        return int(p.stdout.strip())
    except ValueError:
        return -1


# ------------------------------------------------------------------------------- the report

def first_sentence(text):
    text = " ".join(text.split())
    m = re.match(r"(.+?[.:])(\s|$)", text)
    return (m.group(1) if m and len(m.group(1)) > 30 else text).rstrip(":.") + "."


def c_comment(path):
    with open(path) as f:
        m = re.match(r"\s*/\*(.*?)\*/", f.read(), re.S)
    return first_sentence(re.sub(r"\n\s*\*", " ", m.group(1))) if m else ""


def docstring(path):
    with open(path) as f:
        m = re.match(r'\s*(?:#.*\n)*\s*"""(.*?)"""', f.read(), re.S)
    return first_sentence(m.group(1).split("\n\n")[0]) if m else ""


def coverage():
    repo = sysroot.REPO
    out = []

    def section(title, folder, pick, describe):
        d = os.path.join(repo, folder)
        if not os.path.isdir(d):
            return
        out.append("\n### %s (`%s`)\n" % (title, folder))
        for fn in sorted(os.listdir(d)):
            if pick(fn):
                out.append("- `%s`: %s" % (fn, describe(os.path.join(d, fn))))

    section("Unit tests, under ASan and UBSan", "tests/unit",
            lambda f: f.startswith("test_") and f.endswith(".c"), c_comment)
    section("Fuzz targets (libFuzzer, bounded runs)", "tests/fuzz",
            lambda f: f.endswith(".c"), c_comment)
    section("Namespace scenarios: ekinit as PID 1 under unshare", "tests/ns/scenarios",
            lambda f: f.endswith(".py") and not f.startswith("_"), docstring)
    opt_in = CLUSTER_FILES
    section("QEMU scenarios: Debian's kernel, TCG", "qemu-tests/scenarios",
            lambda f: f.endswith(".py") and not f.startswith("_") and f not in opt_in, docstring)
    out.append(cluster_faults(opt_in))
    return "\n".join(out)


# The whole-cluster scenarios: described in their own section with the subtests cluster runs.
CLUSTER_FILES = ["cluster.py", "leader_dies.py"]


def subtest_text(path, func, name):
    """What a subtest checks: the `- NAME: ...` item of its module's docstring, else its function's
    docstring, else the first paragraph of its module's docstring."""
    with open(path) as f:
        tree = ast.parse(f.read())
    mdoc = ast.get_docstring(tree) or ""
    m = re.search(r"(?m)^- %s: (.*(?:\n  .*)*)" % re.escape(name), mdoc)
    if m:
        return " ".join(m.group(1).split())
    fn = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == func), None)
    doc = (fn and ast.get_docstring(fn)) or mdoc.split("\n\n")[0]
    return " ".join(doc.split())


def cluster_faults(opt_in):
    """The whole-cluster scenarios, and the subtests `cluster` runs on the cluster it formed (its
    sub(...) or t.subtest(...) calls, in order), each described by its own docstring."""
    repo = sysroot.REPO
    scen, lib = os.path.join(repo, "qemu-tests", "scenarios"), os.path.join(repo, "qemu-tests", "lib")
    with open(os.path.join(repo, "Makefile")) as f:
        m = re.search(r"(?m)^cluster-check:.*\n\t@?(.+)$", f.read())
    out = ["\n### Cluster scenarios: five VMs, TCG\n",
           "`make check` runs both, `cluster` with the subtests of its CHECK_SUBTESTS; "
           "`make cluster-check` runs `%s` (every subtest; `EKINIT_CLUSTER_SUBTESTS=a,b` picks some, "
           "`EKINIT_CLUSTER_FAULTS=0` forms the cluster without them). `cluster`'s subtests run in this "
           "order on the cluster its formation built, each reported as its own line "
           "(`PASS cluster/NAME`). Each line says what the test checks; no result is recorded here."
           % (m.group(1) if m else "qemu-tests/run cluster leader-dies"), ""]
    for fn in opt_in:
        path = os.path.join(scen, fn)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            tree = ast.parse(f.read())
        # Its first whole sentence: these name what they check after a colon.
        para = " ".join((ast.get_docstring(tree) or "").split("\n\n")[0].split())
        m = re.match(r"(.+?\.)(\s|$)", para)
        out.append("- `%s`: %s" % (fn, m.group(1) if m else para))
        for call in ast.walk(tree):
            named = (isinstance(call, ast.Call) and (
                (isinstance(call.func, ast.Attribute) and call.func.attr == "subtest")
                or (isinstance(call.func, ast.Name) and call.func.id == "sub")))
            if not (named and len(call.args) >= 2 and isinstance(call.args[0], ast.Constant)):
                continue
            name, target = call.args[0].value, call.args[1]
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                where, func = os.path.join(lib, target.value.id + ".py"), target.attr
            elif isinstance(target, ast.Name):
                where, func = path, target.id
            else:
                continue
            out.append("  - `%s/%s`: %s" % (fn[:-3].replace("_", "-"), name, subtest_text(where, func, name)))
    return "\n".join(out)


def git_rev():
    p = subprocess.run(["git", "-C", sysroot.REPO, "describe", "--always", "--dirty"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return p.stdout.strip() or "unknown"


def write_doc(fig, failures):
    g = fig.get
    ms = lambda us: "%.1f ms" % (us / 1000.0) if us is not None else "n/a"  # noqa: E731
    rows = [
        ("Verdict", "**PASS**" if not failures else "**FAIL**: " + "; ".join(failures)),
        ("Duration", "%s s of soak, %s s in all (budget %.0f s)" % (g("soak_s"), g("total_s"), BUDGET)),
        ("Status requests (%d clients)" % CLIENTS, "%s sent, %s answered, %s answered busy, %s unanswered, %s errors"
         % (g("requests"), g("answered"), g("busy"), g("unanswered"), g("errors"))),
        ("Status latency", "p50 %s, p99 %s, max %s" % (ms(g("p50_us")), ms(g("p99_us")), ms(g("max_us")))),
        ("daemon-reload (every %d s)" % (RELOAD_MS // 1000), "%s sent, %s answered, slowest %s"
         % (g("reloads"), g("reloads_answered"), ms(g("reload_max_us")))),
        ("Restarts", "%s by status (%s of them the SIGSEGV crasher), %s restart lines on the console"
         % (g("restarts_status"), g("restarts_crash"), g("restarts_console"))),
        ("Console stopped", "%s s (tcflow TCOOFF on PID 1's pty) after %s restarts"
         % (g("console_stopped_s"), g("restarts_before_stop"))),
        ("Log flood", "%s bytes in the flood unit's log ring at the end" % g("flood_log_bytes")),
        ("PID 1 RSS", "%s KiB before, %s KiB once every kind of load had run (after the console stop, "
         "%s restarts in), %s KiB after (allowed: %d KiB apart from before)"
         % (g("rss_before_kb"), g("rss_mid_kb"), g("restarts_at_mid"), g("rss_after_kb"), RSS_SLACK_KB)),
        ("PID 1 fds (/proc/1/fd)", "%s before, %s after" % (g("fds_before"), g("fds_after"))),
        ("Zombies left", str(g("zombies"))),
    ]
    text = """# Reliability

Generated by the namespace soak (`tests/ns/run soak`, tests/ns/scenarios/soak.py) on every run;
do not edit by hand. Last run: ekinit %s, %s, %d CPUs, Linux %s.

## The soak

ekinit runs as PID 1 of a fresh set of namespaces (container mode) with a pseudo-terminal as its
console. After a short warm-up round (so that first-use allocations count as "before"), at once:
four services that exit at once are restarted as soon as they end (Restart=always, RestartSec=0,
no start limit) and a fifth crashes with SIGSEGV every time (its restarts back off, as ekinit's
do); a sixth writes log lines as fast as PID 1 reads them; %d clients (`soak-load`) ask PID 1 for
`status` back to back, one connection per request as ekctl does; `daemon-reload` is sent every
%d s; and for %d s in the middle the console's output is stopped (tcflow TCOOFF), as Ctrl-S or a
stalled UART would. A request with no reply within %d s is unanswered. "Before" is measured after
the warm-up with the soak units stopped, "after" with them stopped again.

| What | Figures |
|---|---|
%s

## What each test covers

`make check` runs these tiers (tests/run-all: the unit tests, then the namespace tier, with the
fuzz tier beside them; then the QEMU tier), then `bench/run --smoke`. Each line is the test's own
description (its first comment or docstring).
%s
""" % (git_rev(), time.strftime("%Y-%m-%d"), os.cpu_count() or 0, platform.release(), CLIENTS,
       RELOAD_MS // 1000, STOP_SECONDS, TIMEOUT_MS // 1000,
       "\n".join("| %s | %s |" % (a, b.replace("|", "/")) for a, b in rows), coverage())
    os.makedirs(os.path.dirname(DOC), exist_ok=True)
    with open(DOC + ".tmp", "w") as f:
        f.write(text)
    os.rename(DOC + ".tmp", DOC)
    # The figures for programs (make bench reports PID 1's RSS after the restarts), in build/ only.
    os.makedirs(sysroot.BUILD, exist_ok=True)
    with open(FIGURES + ".tmp", "w") as f:
        json.dump(dict(fig, passed=not failures, restarts_wanted=RESTARTS), f, indent=1, default=str)
    os.rename(FIGURES + ".tmp", FIGURES)
