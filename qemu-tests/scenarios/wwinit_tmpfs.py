"""/ already a tmpfs (Warewulf's wwinit copied it): root-move is skipped, the rest boots as usual."""

from checks import wait_boot, mounts


def run(t):
    vm = t.boot("rdinit=/usr/lib/ektest/wwinit-standin ekinit.shell=1")
    vm.expect(r"wwinit-standin: root copied into tmpfs", 120)
    steps = wait_boot(t, vm)
    result, detail = steps["root-move"]
    t.check(result == "skipped" and "already tmpfs" in detail,
            "root-move was not skipped as already tmpfs: %s%s" % (result, detail))
    t.check(mounts(vm).get("/") == "tmpfs", "/ is not a tmpfs")
    out = vm.run("ekctl status")
    t.check("state: running" in out, "ekctl status does not say running:\n" + out)
