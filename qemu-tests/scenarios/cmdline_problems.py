"""Bad ekinit.* options are reported (console and ekctl status) and boot goes on; debug prints more;
ekctl refuses non-root callers."""

import json

from checks import BOOT_COMPLETE, BOOT_TIMEOUT, step_re


def run(t):
    vm = t.boot("ekinit.shell=1 ekinit.debug=1 ekinit.bogus=1 ekinit.break=nosuchstep "
                "ekinit.role=admiral")
    vm.expect(BOOT_COMPLETE, BOOT_TIMEOUT)
    for what in (r"unknown option ekinit\.bogus", r"ekinit\.break=nosuchstep: no such step",
                 r"ekinit\.role=admiral: expected control or worker"):
        t.check(vm.seen(r"ekinit: warning: cmdline: .*" + what), "no warning for " + what)
    m = vm.seen(step_re("cmdline"))
    t.check(m and m[0].group(2) == "failed", "the cmdline step did not report its problems")
    t.check(vm.seen(r"ekinit: debug: "), "ekinit.debug=1 printed no debug line")
    st = json.loads(vm.run("ekctl status --json"))
    t.check(st["state"] == "running", "not running: %s" % st["state"])
    t.check(any("ekinit.bogus" in w for w in st["warnings"]),
            "ekctl status does not list the cmdline warning: %s" % st["warnings"])
    rc, out = vm.run_rc("su -s /bin/sh nobody -c 'ekctl status' 2>&1")
    t.check(rc != 0 and "ermission denied" in out, "a non-root ekctl got through: %d %s" % (rc, out))
