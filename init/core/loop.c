/* The steady state (loop.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"

#include "boot_json.h"
#include "boot_run.h"
#include "log.h"
#include "requests.h"
#include "shell.h"
#include "shutdown.h"
#include "sys.h"
#include "timeline.h"

static void read_boot_id(struct ekinit *ek)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, ek->boot_id, sizeof ek->boot_id - 1) : -1;
	ek->boot_id[n > 0 ? n : 0] = '\0';
	ek->boot_id[strcspn(ek->boot_id, "\n")] = '\0';
	if (fd >= 0)
		close(fd);
	gethostname(ek->boot.hostname, sizeof ek->boot.hostname - 1);
}

/* Loads the units; they start from the loop. */
static void start_services(struct ekinit *ek)
{
	const char *role = ek->boot.cmd.role[0] ? ek->boot.cmd.role : ek->boot.have_node && ek->boot.node.role != EK_ROLE_NONE ? nodeconf_role_name(ek->boot.node.role) : "";
	ek->svc.role = !strcmp(role, "control") ? UNIT_ROLE_CONTROL : !strcmp(role, "worker") ? UNIT_ROLE_WORKER : 0;
	ek->svc.console_echo = ek->boot.cmd.debug;
	int n = svcmgr_load(&ek->svc);
	ek_info("services: %d units loaded%s%s", n, role[0] ? ", role " : "", role);
}

static void on_signal(struct ekinit *ek, const struct signalfd_siginfo *si)
{
	switch (si->ssi_signo) {
	case SIGCHLD: {
		pid_t pid;
		int status;
		/* Every child, ours or an orphan reparented to us, is reaped here. */
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid == ek->shell_pid)
				shell_exited(ek);
			else if (pid == ek->boot.bg_pid)
				boot_bg_done(ek, status);
			else
				svcmgr_child_exited(&ek->svc, pid, status);
		}
		break;
	}
	case SIGTERM:
	case SIGINT:
		ek->pending_shutdown = EK_REBOOT;
		break;
	case SIGUSR2:
	case SIGPWR:
		ek->pending_shutdown = EK_POWEROFF;
		break;
	case SIGUSR1:
		ek->pending_shutdown = EK_HALT;
		break;
	default:
		break;
	}
}

#define SHUTDOWN_SERVICES_MS 120000 /* all services together; each also has its TimeoutStopSec */

/* Boot is complete: boot.json, the control socket, the console shell, the services. */
static void boot_complete(struct ekinit *ek)
{
	read_boot_id(ek);
	if (mkdir(EK_CONTROL_DIR, 0755) < 0 && errno != EEXIST)
		ek_warn("%s: %s", EK_CONTROL_DIR, strerror(errno));
	int r = control_open(&ek->ctl, EK_CONTROL_PATH, ek->epfd, requests_handle, ek);
	if (r < 0)
		ek_err("control socket %s: %s; ekctl will not reach PID 1 (use -f)", EK_CONTROL_PATH, strerror(-r));
	timeline_complete();
	ek->state = "running";
	boot_json_write(ek);
	ek_info("boot complete in %.0f ms", timeline_complete_ms());
	shell_start(ek);
	start_services(ek);
}

_Noreturn void loop_run(struct ekinit *ek)
{
	boot_complete(ek);
	for (;;) {
		int timeout = svcmgr_dispatch(&ek->svc);
		if (!ek->services_settled && svcmgr_find(&ek->svc, "multi-user.target") &&
		    svcmgr_find(&ek->svc, "multi-user.target")->state == SVC_RUNNING) {
			ek->services_settled = true;
			ek->svc_settled_ms = ek_sys.now_ms();
			ek_info("services settled %.0f ms after kernel start", ek_sys.now_ms());
			boot_json_write(ek);
		}
		if (ek->pending_shutdown >= 0) {
			if (!ek->svc.shutting_down) {
				ek->state = "stopping";
				ek_info("shutdown: stopping services");
				svcmgr_shutdown(&ek->svc);
				ek->stop_deadline_ms = ek_sys.now_ms() + SHUTDOWN_SERVICES_MS;
				continue;
			}
			if (svcmgr_all_stopped(&ek->svc) || ek_sys.now_ms() > ek->stop_deadline_ms)
				shutdown_run((enum ek_shutdown)ek->pending_shutdown, ek->sigfd, ek->shell_pid);
			double left = ek->stop_deadline_ms - ek_sys.now_ms();
			if (timeout < 0 || timeout > left)
				timeout = left > 0 ? (int)left + 1 : 0;
		}
		int ct = control_expire(&ek->ctl);
		if (ct >= 0 && (timeout < 0 || ct < timeout))
			timeout = ct;
		struct epoll_event ev[16];
		int n = epoll_wait(ek->epfd, ev, 16, timeout);
		for (int i = 0; i < n; i++) {
			unsigned long long tag = ev[i].data.u64;
			if (tag >> 32)
				svcmgr_epoll_event(&ek->svc, tag);
			else if ((int)tag == ek->sigfd) {
				struct signalfd_siginfo si;
				while (read(ek->sigfd, &si, sizeof si) == sizeof si)
					on_signal(ek, &si);
			} else {
				control_event(&ek->ctl, (int)tag);
			}
		}
	}
}
