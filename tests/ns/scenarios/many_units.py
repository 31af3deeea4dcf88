"""200 units: `ekctl status --json` (well over the first 64 KiB reply buffer) is whole, valid JSON
listing every unit, and so is `ekctl list --json`."""
import json

N = 200
# A description of the length real units have (Debian's are 20-80 characters).
UNIT = "[Unit]\nDescription=A oneshot unit among two hundred, for the size of the status reply\n" \
       "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"


def run(t):
    files = {"/etc/ekinit/system/many-%03d.service" % i: UNIT for i in range(N)}
    ns = t.boot(files=files, enabled=["many-%03d.service" % i for i in range(N)])
    s = ns.wait_services(lambda s: sum(1 for k, v in s.items() if k.startswith("many-") and v["state"] == "exited") == N,
                         60, "all %d units exited" % N)
    p = ns.ekctl("status", "--json")
    t.check(len(p.stdout) > 64 * 1024, "status --json is only %d bytes; the test needs more than 64 KiB" % len(p.stdout))
    names = [x["name"] for x in json.loads(p.stdout)["services"]]
    t.check(len([n for n in names if n.startswith("many-")]) == N, "status --json lists %d units" % len(names))
    p = ns.ekctl("list", "--json")
    t.check(p.returncode == 0, "list --json: %s" % p.stderr)
    t.check(len(json.loads(p.stdout)) >= N, "list --json is short")
