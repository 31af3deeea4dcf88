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

/* Why this order: root-move comes before mount-api so /proc moves along and the API file systems
 * are mounted once, in the final root (docs/architecture.md); sysctl after modules, which create
 * keys such as net.bridge.*; remote-fs goes on in a child while the boot ends. */
static const struct step steps[] = {
	{"cmdline", step_cmdline},
	{"root-move", step_root_move},
	/* The persistent console shell starts once the final root and /dev are in place. */
	{"mount-api", step_mount_api, .shell_after = true},
	{"hostname", step_hostname},
	{"loopback", step_loopback},
	{"modules", step_modules},
	{"sysctl", step_sysctl},
	{"tmpfiles", step_tmpfiles},
	{"network", step_network, .reaches = {"network.target", "network-online.target"}},
	{"fstab", step_fstab},
	{"remote-fs", step_remote_fs, step_remote_fs_done, .reaches = {"remote-fs.target"}},
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
