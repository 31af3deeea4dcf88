/* ekinit: PID 1 for diskless Kubernetes nodes.
 *
 * main() reads as the boot sequence: the table below lists the steps in order, each a timed event
 * in the boot timeline (init/boot/steps.c does each step's work), with the targets it reaches for
 * the services ordered after it; then the steady-state loop reaps, serves the control socket, runs
 * the services and waits for a shutdown request (init/core/). The invariants
 * (docs/architecture.md): PID 1 never exits; a failing step is reported and boot goes on; nothing
 * in the loop blocks. */
#include <stdio.h>
#include <unistd.h>

#include "boot_run.h"
#include "ekinit.h"
#include "loop.h"
#include "steps.h"

/* The steps form a small dependency graph. Why this order: root-move comes before mount-api so
 * /proc moves along and the API file systems are mounted once, in the final root
 * (docs/architecture.md). After that, modules (slow: each insmod) runs in a child process beside
 * the steps that do not need it. sysctl waits for all of it, not only for the modules that create
 * keys (net.bridge.* with br_netfilter): a glob such as net.ipv4.conf.*.rp_filter must also reach
 * the interfaces that the NIC drivers create, and the last line that sets a key decides its value,
 * so applying the lines whose keys exist early and the rest later could let an earlier glob undo a
 * later line for one interface. network waits for modules too: there is no udev, the NIC drivers
 * come from modules-load.d. fstab waits for modules as well: a local disk's driver (virtio_blk,
 * nvme, ahci) and its file system (ext4, xfs) are modules here, and without udev only the modules
 * step loads a driver; sysctl waits for modules right after it anyway. network runs
 * in a child too (carrier waits): the services start once the steps in PID 1 are done, while the
 * network may still come up. As under systemd, network.target means the network is being set up
 * (reached when the step starts: Debian's sshd and containerd, ordered after it, bind wildcard
 * addresses and start beside the step) and network-online.target that it is up (when the step
 * ends: kubelet, ek-join, haproxy, keepalived wait for it); remote-fs needs the network and goes
 * on in a child of its own. */
static const struct step steps[] = {
	{"cmdline", step_cmdline},
	{"root-move", step_root_move},
	/* The persistent console shell starts once the final root and /dev are in place. */
	{"mount-api", step_mount_api, .shell_after = true},
	{"modules", step_modules, .in_child = true},
	{"hostname", step_hostname},
	{"loopback", step_loopback},
	{"tmpfiles", step_tmpfiles},
	{"network", step_network, .prepare = step_network_prepare, .in_child = true, .after = "modules",
	 .reaches_at_start = {"network.target"}, .reaches = {"network-online.target"}},
	{"fstab", step_fstab, .after = "modules"},
	{"sysctl", step_sysctl, .after = "modules"},
	{"remote-fs", step_remote_fs, step_remote_fs_done, .after = "network", .reaches = {"remote-fs.target"}},
};

int main(int argc, char **argv)
{
	static struct ekinit ek;
	(void)argc;

	if (getpid() != 1) {
		fprintf(stderr, "ekinit: must run as PID 1; to talk to the running one use ekctl\n");
		return 100;
	}
	boot_setup(&ek, argv, steps, sizeof steps / sizeof steps[0]);
	boot_run(&ek);
	loop_run(&ek);
}
