#include "shutdown.h"

#include <errno.h>
#include <libmount.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fatal.h"
#include "fstab.h"
#include "log.h"
#include "sys.h"

#define TERM_DEADLINE_MS 5000
#define KILL_DEADLINE_MS 2000
#define UNMOUNT_DEADLINE_MS 10000

const char *shutdown_name(enum ek_shutdown kind)
{
	return kind == EK_REBOOT ? "reboot" : kind == EK_POWEROFF ? "poweroff" : "halt";
}

/* Reaps children until `until` (a pid, or -1 for "all") is gone or the deadline passes. Wakes on
 * SIGCHLD through the signalfd. Returns 1 when done, 0 on timeout. */
static int reap_until(int sigfd, pid_t until, double deadline_ms)
{
	for (;;) {
		pid_t p;
		int status;
		while ((p = waitpid(-1, &status, WNOHANG)) > 0)
			if (p == until)
				return 1;
		if (p < 0 && errno == ECHILD)
			return 1;
		double left = deadline_ms - ek_sys.now_ms();
		if (left <= 0)
			return 0;
		struct pollfd pfd = {.fd = sigfd, .events = POLLIN};
		poll(&pfd, 1, (int)left + 1);
		struct signalfd_siginfo si;
		while (read(sigfd, &si, sizeof si) == sizeof si) {
		}
	}
}

static void unmount_all(void)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
	struct libmnt_fs *fs;
	if (!tb || !it || mnt_table_parse_file(tb, "/proc/self/mountinfo") < 0)
		return;
	/* Last mounted first, so children go before their parents. */
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *t = mnt_fs_get_target(fs);
		if (!t || !strcmp(t, "/") || !strcmp(t, "/proc") || !strcmp(t, "/dev") || !strcmp(t, "/sys"))
			continue;
		if (umount2(t, 0) < 0 && umount2(t, MNT_DETACH) < 0)
			ek_debug("shutdown: umount %s: %s", t, strerror(errno));
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
}

_Noreturn void shutdown_run(enum ek_shutdown kind, int sigfd, pid_t console_sid)
{
	ek_info("shutdown: %s", shutdown_name(kind));
	if (console_sid > 0)
		ek_sys.kill(-console_sid, SIGHUP);
	ek_sys.kill(-1, SIGTERM);
	ek_sys.kill(-1, SIGCONT);
	if (!reap_until(sigfd, -1, ek_sys.now_ms() + TERM_DEADLINE_MS)) {
		ek_info("shutdown: processes still running after %d ms, sending SIGKILL", TERM_DEADLINE_MS);
		ek_sys.kill(-1, SIGKILL);
		if (!reap_until(sigfd, -1, ek_sys.now_ms() + KILL_DEADLINE_MS))
			ek_warn("shutdown: some processes did not die (stuck in the kernel?)");
	}
	/* sync and umount can block forever on a dead NFS server: do them in a child under a deadline. */
	pid_t pid = fork();
	if (pid == 0) {
		/* Network file systems first, before sync() (which would wait on a dead server) and
		 * before the network goes; fstab_unmount_remote never waits past its own deadline. */
		fstab_unmount_remote("/proc/self/mountinfo", ek_sys.now_ms() + UNMOUNT_DEADLINE_MS / 2);
		sync();
		unmount_all();
		sync();
		_exit(0);
	}
	if (pid < 0 || !reap_until(sigfd, pid, ek_sys.now_ms() + UNMOUNT_DEADLINE_MS))
		ek_warn("shutdown: sync/unmount did not finish in %d ms; going down anyway", UNMOUNT_DEADLINE_MS);
	else
		ek_info("shutdown: file systems synced and unmounted");
	int cmd = kind == EK_REBOOT ? RB_AUTOBOOT : kind == EK_POWEROFF ? RB_POWER_OFF : RB_HALT_SYSTEM;
	ek_sys.reboot(cmd);
	ek_err("shutdown: reboot(2): %s", strerror(errno));
	ek_fatal("the kernel refused to shut down");
}
