/* ekinit: PID 1 for diskless Kubernetes nodes.
 *
 * main() reads as the boot sequence: a list of named steps, each a timed event in the boot timeline,
 * then the steady-state loop that reaps, serves the control socket and waits for a shutdown request.
 * The invariants (docs/architecture.md): PID 1 never exits; a failing step is reported and boot
 * goes on; nothing in the loop blocks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unistd.h>

#include "cgroups.h"
#include "cmdline.h"
#include "confdirs.h"
#include "console_shell.h"
#include "control.h"
#include "fatal.h"
#include "fstab.h"
#include "hostname.h"
#include "log.h"
#include "loopback.h"
#include "modules.h"
#include "mount_api.h"
#include "network.h"
#include "nodeconf.h"
#include "root_move.h"
#include "shutdown.h"
#include "signals.h"
#include "status.h"
#include "svc.h"
#include "sys.h"
#include "sysctl.h"
#include "timeline.h"
#include "tmpfiles.h"

#define MOUNTINFO "/proc/self/mountinfo"
#define NODE_CONF "/etc/ekinit/node.conf"
#define FSTAB "/etc/fstab"
#define BOOT_JSON EK_CONTROL_DIR "/boot.json"
#define ENV_TIMELINE "EKINIT_TIMELINE"
#define ENV_WARNINGS "EKINIT_WARNINGS"
#define SHELL_FAST_EXIT_MS 2000
#define SHELL_FAST_EXITS_MAX 5

struct ekinit {
	struct ek_cmdline cmd;
	bool container;
	bool break_pending;
	bool reexec;
	char **argv;
	char hostname[65];
	char boot_id[40];
	const char *state;
	int sigfd, epfd;
	struct control ctl;
	pid_t shell_pid;
	double shell_started_ms;
	struct ek_nodeconf node;
	bool have_node;
	pid_t remote_fs_pid;   /* the child mounting network file systems */
	size_t remote_fs_event;
	struct svcmgr svc;
	bool services_settled;
	double svc_settled_ms;
	double stop_deadline_ms;
	int shell_fast_exits;
};

typedef enum ek_result (*step_fn)(struct ekinit *ek, char *detail, size_t cap);

struct step {
	const char *name;
	step_fn run;
};

/* ---- the steps ------------------------------------------------------------------------------ */

static void read_cmdline(struct ekinit *ek, bool report);

static enum ek_result step_cmdline(struct ekinit *ek, char *detail, size_t cap)
{
	read_cmdline(ek, true);
	struct strbuf sb;
	sb_init(&sb, detail, cap);
	if (ek->cmd.shell)
		sb_puts(&sb, " shell");
	if (ek->cmd.debug)
		sb_puts(&sb, " debug");
	if (ek->cmd.brk[0])
		sb_printf(&sb, " break=%s", ek->cmd.brk);
	if (ek->cmd.nproblems)
		sb_printf(&sb, " (%d problems, see above)", ek->cmd.nproblems);
	/* drop the leading space */
	memmove(detail, detail + (sb.len > 0), sb.len + (sb.len == 0));
	return ek->cmd.nproblems ? EK_FAILED : EK_OK;
}

static enum ek_result step_root_move(struct ekinit *ek, char *detail, size_t cap)
{
	char type[64] = "";
	if (ek->container) {
		snprintf(detail, cap, "container mode");
		return EK_SKIPPED;
	}
	int r = root_is_rootfs(MOUNTINFO);
	if (r < 0) {
		snprintf(detail, cap, "cannot tell what / is (%s); staying where we are", strerror(-r));
		return EK_FAILED;
	}
	if (r == 0) {
		mount_fstype(MOUNTINFO, "/", type, sizeof type);
		snprintf(detail, cap, "/ is already %s", type);
		return EK_SKIPPED;
	}
	enum ek_result res = root_move(ek->cmd.rootsize, detail, cap);
	ek->reexec = res == EK_OK;
	return res;
}

static enum ek_result step_mount_api(struct ekinit *ek, char *detail, size_t cap)
{
	struct ek_mount_result m;
	char ctl[256] = "";
	(void)ek;
	mount_api(MOUNTINFO, &m);
	int cg = cgroups_delegate("/sys/fs/cgroup", ctl, sizeof ctl);
	int sh = mount_make_rshared();
	if (sh < 0)
		ek_warn("mount-api: making / shared: %s", strerror(-sh));
	if (cg < 0)
		ek_warn("mount-api: cgroup controllers: %s", strerror(-cg));
	snprintf(detail, cap, "%u mounted, %u already there; cgroup controllers: %s%s", m.mounted, m.present,
		 ctl[0] ? ctl : "none", sh < 0 ? "; / not shared" : "");
	return m.failed || cg != 0 || sh < 0 ? EK_FAILED : EK_OK;
}

static enum ek_result step_hostname(struct ekinit *ek, char *detail, size_t cap)
{
	char name[256];
	int r = hostname_read("/etc/hostname", name, sizeof name);
	if (r == -ENOENT || r == -ENODATA) {
		snprintf(detail, cap, "no /etc/hostname; keeping '%s'", ek->hostname);
		return EK_SKIPPED;
	}
	if (r == -EINVAL) {
		snprintf(detail, cap, "/etc/hostname: '%.64s' is not a valid hostname", name);
		return EK_FAILED;
	}
	if (r < 0 || sethostname(name, strlen(name)) < 0) {
		snprintf(detail, cap, "%s", strerror(r < 0 ? -r : errno));
		return EK_FAILED;
	}
	snprintf(ek->hostname, sizeof ek->hostname, "%s", name);
	snprintf(detail, cap, "%s", name);
	return EK_OK;
}

static enum ek_result step_loopback(struct ekinit *ek, char *detail, size_t cap)
{
	(void)ek;
	int r = loopback_up();
	if (r < 0) {
		snprintf(detail, cap, "lo: %s", strerror(-r));
		return EK_FAILED;
	}
	snprintf(detail, cap, "lo up");
	return EK_OK;
}

static int add_module_file(const char *path, void *list)
{
	int r = modules_read_file(path, list);
	if (r < 0)
		ek_warn("%s: %s", path, strerror(-r));
	return 0;
}

static enum ek_result step_modules(struct ekinit *ek, char *detail, size_t cap)
{
	static struct ek_modlist list;
	size_t loaded = 0;
	if (ek->container) {
		snprintf(detail, cap, "container mode: the host's kernel is not ours to change");
		return EK_SKIPPED;
	}
	list.n = 0;
	for (size_t i = 0; ek_builtin_modules[i]; i++)
		modules_add(&list, ek_builtin_modules[i]);
	int files = confdirs_each(ek_modules_load_dirs, add_module_file, &list);
	int failed = modules_load(&list, &loaded);
	struct strbuf sb;
	sb_init(&sb, detail, cap);
	sb_printf(&sb, "%zu of %zu loaded (%d files):", loaded, list.n, files < 0 ? 0 : files);
	for (size_t i = 0; i < list.n; i++)
		sb_printf(&sb, " %s", list.name[i]);
	return failed ? EK_FAILED : EK_OK;
}

struct sysctl_ctx {
	bool net_only;
	struct ek_sysctl_result res;
};

static int apply_sysctl_file(const char *path, void *p)
{
	struct sysctl_ctx *c = p;
	int r = sysctl_apply_file(path, "/proc/sys", c->net_only, &c->res);
	if (r < 0)
		ek_warn("%s: %s", path, strerror(-r));
	return 0;
}

static enum ek_result step_sysctl(struct ekinit *ek, char *detail, size_t cap)
{
	struct sysctl_ctx c = {.net_only = ek->container};
	int files = confdirs_each(ek_sysctl_dirs, apply_sysctl_file, &c);
	snprintf(detail, cap, "%u set from %d files, %u failed%s", c.res.applied, files < 0 ? 0 : files,
		 c.res.failed, ek->container ? ", non-net keys skipped (container mode)" : "");
	/* Unknown keys are normal across kernel versions: warnings, not a failed step. */
	return EK_OK;
}

static enum ek_result step_network(struct ekinit *ek, char *detail, size_t cap)
{
	char err[300];
	int r = nodeconf_parse(NODE_CONF, &ek->node, err, sizeof err);
	if (r == -ENOENT) {
		snprintf(detail, cap, "no %s: the network stays unconfigured", NODE_CONF);
		return EK_SKIPPED;
	}
	if (r < 0) {
		ek_err("%s", err);
		snprintf(detail, cap, "%s is unusable (see the error above); the console stays available", NODE_CONF);
		return EK_FAILED;
	}
	ek->have_node = true;
	enum ek_result res = network_up(&ek->node, "/etc", detail, cap);
	gethostname(ek->hostname, sizeof ek->hostname - 1);
	return res;
}

static enum ek_result step_fstab(struct ekinit *ek, char *detail, size_t cap)
{
	struct fstab_result res = {0};
	(void)ek;
	int r = fstab_mount_local(FSTAB, MOUNTINFO, &res);
	if (r == -ENOENT) {
		snprintf(detail, cap, "no %s", FSTAB);
		return EK_SKIPPED;
	}
	if (r < 0) {
		snprintf(detail, cap, "%s: %s", FSTAB, strerror(-r));
		return EK_FAILED;
	}
	snprintf(detail, cap, "%u mounted, %u already there, %u failed", res.mounted, res.present, res.failed);
	return res.failed ? EK_FAILED : EK_OK;
}

/* Network file systems: the mounting runs in a child (an NFS mount(2) can block for minutes) and
 * the step ends when the loop reaps it. The NFS client modules are loaded here, on demand. */
static enum ek_result step_remote_fs(struct ekinit *ek, char *detail, size_t cap)
{
	static struct fstab_entry e[FSTAB_MAX];
	int n = fstab_read(FSTAB, e, FSTAB_MAX);
	int remote = 0, nfs = 0;
	for (int i = 0; i < n; i++) {
		remote += e[i].cls == FSTAB_REMOTE;
		nfs += e[i].cls == FSTAB_REMOTE && !strncmp(e[i].fstype, "nfs", 3);
	}
	if (remote == 0) {
		snprintf(detail, cap, "no network file systems in %s", FSTAB);
		return EK_SKIPPED;
	}
	if (nfs && !ek->container) {
		static struct ek_modlist nfsmods;
		size_t loaded;
		nfsmods.n = 0;
		modules_add(&nfsmods, "nfsv4");
		modules_load(&nfsmods, &loaded);
	}
	pid_t pid = fstab_remote_start(FSTAB, MOUNTINFO);
	if (pid < 0) {
		snprintf(detail, cap, "cannot start the mounting: %s", strerror(-pid));
		return EK_FAILED;
	}
	ek->remote_fs_pid = pid;
	snprintf(detail, cap, "%d to mount", remote);
	return EK_PENDING;
}

static void write_boot_json(struct ekinit *ek);

static void remote_fs_done(struct ekinit *ek, int status)
{
	svcmgr_target_reached(&ek->svc, "remote-fs.target");
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	ek->remote_fs_pid = 0;
	timeline_end_at(ek->remote_fs_event, code == 0 ? EK_OK : EK_FAILED,
			code == 0 ? "all mounted" : code == 2 ? "fstab unreadable" : "some network mounts failed (see above)");
	write_boot_json(ek);
}

static int apply_tmpfiles_file(const char *path, void *p)
{
	int r = tmpfiles_apply_file(path, "", p);
	if (r < 0)
		ek_warn("%s: %s", path, strerror(-r));
	return 0;
}

static enum ek_result step_tmpfiles(struct ekinit *ek, char *detail, size_t cap)
{
	struct ek_tmpfiles_result res = {0};
	(void)ek;
	int files = confdirs_each(ek_tmpfiles_dirs, apply_tmpfiles_file, &res);
	snprintf(detail, cap, "%u entries from %d files, %u failed, %u of unsupported types", res.applied,
		 files < 0 ? 0 : files, res.failed, res.unsupported);
	return EK_OK; /* a failed entry is a warning; the daemon that needs it will say more */
}

static const struct step steps[] = {
	{"cmdline", step_cmdline},   {"root-move", step_root_move}, {"mount-api", step_mount_api},
	{"hostname", step_hostname}, {"loopback", step_loopback},   {"modules", step_modules},
	{"sysctl", step_sysctl},     {"tmpfiles", step_tmpfiles},   {"network", step_network},
	{"fstab", step_fstab},       {"remote-fs", step_remote_fs},
};
#define NSTEPS (sizeof steps / sizeof steps[0])

/* ---- helpers -------------------------------------------------------------------------------- */

static void read_cmdline(struct ekinit *ek, bool report)
{
	char text[4096] = "";
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0 && mount_is_mounted(MOUNTINFO, "/proc") != 1) {
		/* The kernel does not mount /proc for us; this is the first thing that needs it. */
		mkdir("/proc", 0555);
		if (ek_sys.mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
			fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	}
	if (fd >= 0) {
		ssize_t n = read(fd, text, sizeof text - 1);
		text[n > 0 ? n : 0] = '\0';
		close(fd);
	} else if (report) {
		ek_warn("cmdline: /proc/cmdline: %s; using defaults", strerror(errno));
	}
	cmdline_parse(text, &ek->cmd);
	ek_debug_enabled = ek->cmd.debug;
	if (report)
		ek_debug("kernel command line: %s", text);
	ek_shell_allowed = ek->cmd.shell || ek->cmd.brk[0];
	bool known = !ek->cmd.brk[0];
	for (size_t i = 1; i < NSTEPS; i++)
		if (!strcmp(ek->cmd.brk, steps[i].name))
			known = true;
	if (!known && ek->cmd.nproblems < EK_CMDLINE_PROBLEMS_MAX)
		snprintf(ek->cmd.problems[ek->cmd.nproblems++], sizeof ek->cmd.problems[0],
			 "ekinit.break=%.40s: no such step (root-move mount-api hostname loopback modules sysctl tmpfiles network fstab remote-fs)",
			 ek->cmd.brk);
	ek->break_pending = known && ek->cmd.brk[0];
	if (report)
		for (int i = 0; i < ek->cmd.nproblems; i++)
			ek_warn("cmdline: %s", ek->cmd.problems[i]);
}

static void wait_for(pid_t pid)
{
	pid_t p;
	while ((p = waitpid(-1, NULL, 0)) != pid)
		if (p < 0 && errno != EINTR)
			return;
}

static void break_shell(struct ekinit *ek, const char *step)
{
	char tty[64];
	ek->break_pending = false;
	console_tty(tty, sizeof tty);
	ek_info("break before %s: shell started, exit it to resume boot", step);
	pid_t pid = console_shell_spawn(tty);
	if (pid < 0)
		ek_err("break: cannot start a shell: %s", strerror(-pid));
	else
		wait_for(pid);
	ek_info("resuming boot");
}

static void start_console_shell(struct ekinit *ek)
{
	char tty[64];
	if (!ek->cmd.shell || ek->break_pending || ek->shell_pid > 0 || strcmp(ek->state, "stopping") == 0)
		return;
	console_tty(tty, sizeof tty);
	pid_t pid = console_shell_spawn(tty);
	if (pid < 0) {
		ek_err("console shell: %s", strerror(-pid));
		return;
	}
	if (ek->shell_fast_exits == 0)
		ek_info("console shell on %s", tty);
	ek->shell_pid = pid;
	ek_console_sid = pid; /* the shell is its own session leader */
	ek->shell_started_ms = ek_sys.now_ms();
}

static void shell_exited(struct ekinit *ek)
{
	ek->shell_pid = 0;
	ek_console_sid = 0;
	if (ek_sys.now_ms() - ek->shell_started_ms < SHELL_FAST_EXIT_MS) {
		if (++ek->shell_fast_exits >= SHELL_FAST_EXITS_MAX) {
			ek_err("console shell exits at once, %d times in a row; not restarting it", SHELL_FAST_EXITS_MAX);
			return;
		}
	} else {
		ek->shell_fast_exits = 0;
	}
	start_console_shell(ek);
}

static void read_boot_id(struct ekinit *ek)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, ek->boot_id, sizeof ek->boot_id - 1) : -1;
	ek->boot_id[n > 0 ? n : 0] = '\0';
	ek->boot_id[strcspn(ek->boot_id, "\n")] = '\0';
	if (fd >= 0)
		close(fd);
	gethostname(ek->hostname, sizeof ek->hostname - 1);
}

/* The kernel starts init with the console on fds 0-2 when /dev/console exists; if it did not,
 * give ourselves one so messages are not lost. */
static void ensure_console_fds(void)
{
	if (fcntl(2, F_GETFD) >= 0)
		return;
	int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

/* The new root has its own copy of this binary: exec it so the old one's pages are freed, carrying
 * the timeline along. If that fails we simply go on in this process. */
static void reexec(struct ekinit *ek)
{
	static char tl[EK_EVENTS_MAX * (EK_DETAIL_MAX * 2 + 80)];
	static char warnings[EK_WARN_KEEP * EK_LINE_MAX * 2 + EK_WARN_KEEP];
	const char *self = ek->argv[0] && ek->argv[0][0] == '/' ? ek->argv[0] : "/sbin/ekinit";
	if (timeline_serialize(tl, sizeof tl) < 0 || setenv(ENV_TIMELINE, tl, 1) < 0 ||
	    ek_log_serialize(warnings, sizeof warnings) < 0 || setenv(ENV_WARNINGS, warnings, 1) < 0) {
		ek_warn("root-move: cannot carry the timeline over; not re-executing");
		unsetenv(ENV_TIMELINE);
		return;
	}
	execv(self, ek->argv);
	ek_warn("root-move: re-executing %s: %s; continuing in the old image", self, strerror(errno));
	unsetenv(ENV_TIMELINE);
	unsetenv(ENV_WARNINGS);
}

/* ---- control requests ----------------------------------------------------------------------- */

static int pending_shutdown = -1;

static int unit_reply(int r, const char *err, struct strbuf *out, const char *name, const char *what)
{
	if (r < 0) {
		sb_puts(out, err[0] ? err : "failed: ");
		return -1;
	}
	sb_printf(out, "%s: %s\n", name, what);
	return 0;
}

static int handle_request(const struct ek_request *req, struct strbuf *out, void *p)
{
	struct ekinit *ek = p;
	struct svcmgr *m = &ek->svc;
	bool json = req->argc >= 1 && !strcmp(req->argv[req->argc - 1], "--json");
	int words = req->argc - json; /* arguments other than --json */
	const char *name = words >= 1 ? req->argv[0] : NULL;
	char err[300] = "";

	switch (req->verb) {
	case EK_VERB_STATUS: {
		if (words > 1) {
			sb_puts(out, EK_ERR_INVALID ": usage: status [NAME] [--json]");
			return -1;
		}
		if (name) {
			struct svc *s = svcmgr_get(m, name, err, sizeof err);
			if (!s) {
				sb_puts(out, err);
				return -1;
			}
			svcmgr_render_one(m, s, out, json);
			return 0;
		}
		struct ek_status st = {.state = ek->state, .boot_id = ek->boot_id, .hostname = ek->hostname,
				       .container = ek->container, .now_ms = ek_sys.now_ms(),
				       .rss_kib = status_self_rss_kib()};
		if (json) {
			status_render_json(out, &st);
			/* splice the services in before the closing brace */
			while (out->len && (out->buf[out->len - 1] == '\n' || out->buf[out->len - 1] == '}'))
				out->buf[--out->len] = '\0';
			sb_puts(out, ",\"services\":");
			svcmgr_render_list(m, out, true);
			sb_puts(out, "}\n");
		} else {
			status_render_text(out, &st);
			sb_puts(out, "\nservices:\n");
			svcmgr_render_list(m, out, false);
		}
		return 0;
	}
	case EK_VERB_REBOOT:
	case EK_VERB_POWEROFF:
	case EK_VERB_HALT:
		if (req->argc) {
			sb_printf(out, EK_ERR_INVALID ": %s takes no arguments", proto_verb_name(req->verb));
			return -1;
		}
		pending_shutdown = req->verb == EK_VERB_REBOOT ? EK_REBOOT : req->verb == EK_VERB_POWEROFF ? EK_POWEROFF : EK_HALT;
		sb_printf(out, "%s started", proto_verb_name(req->verb));
		return 0;
	case EK_VERB_START:
	case EK_VERB_STOP:
	case EK_VERB_RESTART:
	case EK_VERB_RELOAD:
	case EK_VERB_ENABLE:
	case EK_VERB_DISABLE:
	case EK_VERB_STATE:
		if (words != 1 || json) {
			sb_printf(out, EK_ERR_INVALID ": usage: %s NAME", proto_verb_name(req->verb));
			return -1;
		}
		break;
	case EK_VERB_LIST:
		svcmgr_render_list(m, out, json);
		return 0;
	case EK_VERB_ANALYZE:
		svcmgr_render_analyze(m, out, json);
		return 0;
	case EK_VERB_RELOAD_UNITS:
		svcmgr_reload_units(m, err, sizeof err);
		sb_puts(out, "units reloaded\n");
		return 0;
	case EK_VERB_LOGS: {
		unsigned n = 20;
		if (words < 1 || words > 2 || json) {
			sb_puts(out, EK_ERR_INVALID ": usage: logs NAME [LINES]");
			return -1;
		}
		if (words == 2) {
			char *end;
			unsigned long v = strtoul(req->argv[1], &end, 10);
			if (*end || v == 0 || v > 10000) {
				sb_puts(out, EK_ERR_INVALID ": LINES must be a number from 1 to 10000");
				return -1;
			}
			n = (unsigned)v;
		}
		if (svcmgr_log_tail(m, name, n, out) < 0) {
			sb_printf(out, EK_ERR_NOT_FOUND ": no such unit %s", name);
			return -1;
		}
		return 0;
	}
	}
	switch (req->verb) {
	case EK_VERB_START:
		return unit_reply(svcmgr_start(m, name, err, sizeof err), err, out, name, "start queued");
	case EK_VERB_STOP:
		return unit_reply(svcmgr_stop(m, name, err, sizeof err), err, out, name, "stop queued");
	case EK_VERB_RESTART:
		return unit_reply(svcmgr_restart(m, name, err, sizeof err), err, out, name, "restart queued");
	case EK_VERB_RELOAD:
		return unit_reply(svcmgr_reload(m, name, err, sizeof err), err, out, name, "reload queued");
	case EK_VERB_ENABLE:
	case EK_VERB_DISABLE:
		return unit_reply(svcmgr_enable(m, name, req->verb == EK_VERB_ENABLE, err, sizeof err), err, out, name,
				  req->verb == EK_VERB_ENABLE ? "enabled for this boot" : "disabled for this boot");
	case EK_VERB_STATE: {
		struct svc *s = svcmgr_get(m, name, err, sizeof err);
		if (!s) {
			sb_puts(out, err);
			return -1;
		}
		sb_printf(out, "%s %s\n", svc_active_word(s), s->enabled ? "enabled" : "disabled");
		return 0;
	}
	default:
		break;
	}
	sb_puts(out, EK_ERR_INVALID ": unknown request");
	return -1;
}

/* Loads the units and tells the manager which boot steps are done; they start from the loop. */
static void start_services(struct ekinit *ek)
{
	const char *role = ek->cmd.role[0] ? ek->cmd.role : ek->have_node && ek->node.role != EK_ROLE_NONE ? nodeconf_role_name(ek->node.role) : "";
	ek->svc.role = !strcmp(role, "control") ? UNIT_ROLE_CONTROL : !strcmp(role, "worker") ? UNIT_ROLE_WORKER : 0;
	ek->svc.console_echo = ek->cmd.debug;
	int n = svcmgr_load(&ek->svc);
	svcmgr_target_reached(&ek->svc, "network.target");
	svcmgr_target_reached(&ek->svc, "network-online.target");
	if (!ek->remote_fs_pid)
		svcmgr_target_reached(&ek->svc, "remote-fs.target");
	ek_info("services: %d units loaded%s%s", n, role[0] ? ", role " : "", role);
}

/* ---- steady state --------------------------------------------------------------------------- */

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
			else if (pid == ek->remote_fs_pid)
				remote_fs_done(ek, status);
			else
				svcmgr_child_exited(&ek->svc, pid, status);
		}
		break;
	}
	case SIGTERM:
	case SIGINT:
		pending_shutdown = EK_REBOOT;
		break;
	case SIGUSR2:
	case SIGPWR:
		pending_shutdown = EK_POWEROFF;
		break;
	case SIGUSR1:
		pending_shutdown = EK_HALT;
		break;
	default:
		break;
	}
}

/* boot.json: the steps, plus each service's start and ready times once services settled. */
static void write_boot_json(struct ekinit *ek)
{
	static char extra[48 * 1024];
	struct strbuf sb;
	sb_init(&sb, extra, sizeof extra);
	sb_printf(&sb, ",\"services_settled_ms\":");
	if (ek->services_settled)
		sb_printf(&sb, "%.3f", ek->svc_settled_ms);
	else
		sb_puts(&sb, "null");
	sb_puts(&sb, ",\"services\":[");
	for (size_t i = 0, k = 0; i < ek->svc.n; i++) {
		struct svc *s = &ek->svc.v[i];
		if (s->is_target)
			continue;
		sb_puts(&sb, k++ ? ",{\"name\":" : "{\"name\":");
		sb_json_str(&sb, s->name);
		sb_printf(&sb, ",\"state\":\"%s\",\"start_ms\":%.3f,\"ready_ms\":%.3f}", svc_state_name(s->state),
			  s->start_ms, s->ready_ms);
	}
	sb_putc(&sb, ']');
	int r = sb.truncated ? -E2BIG : timeline_write_json_with(BOOT_JSON, ek->boot_id, extra);
	if (r < 0)
		ek_warn("%s: %s", BOOT_JSON, strerror(-r));
}

#define SHUTDOWN_SERVICES_MS 120000 /* all services together; each also has its TimeoutStopSec */

static _Noreturn void steady_loop(struct ekinit *ek)
{
	for (;;) {
		int timeout = svcmgr_dispatch(&ek->svc);
		if (!ek->services_settled && svcmgr_find(&ek->svc, "multi-user.target") &&
		    svcmgr_find(&ek->svc, "multi-user.target")->state == SVC_RUNNING) {
			ek->services_settled = true;
			ek->svc_settled_ms = ek_sys.now_ms();
			ek_info("services settled %.0f ms after kernel start", ek_sys.now_ms());
			write_boot_json(ek);
		}
		if (pending_shutdown >= 0) {
			if (!ek->svc.shutting_down) {
				ek->state = "stopping";
				ek_info("shutdown: stopping services");
				svcmgr_shutdown(&ek->svc);
				ek->stop_deadline_ms = ek_sys.now_ms() + SHUTDOWN_SERVICES_MS;
				continue;
			}
			if (svcmgr_all_stopped(&ek->svc) || ek_sys.now_ms() > ek->stop_deadline_ms)
				shutdown_run((enum ek_shutdown)pending_shutdown, ek->sigfd, ek->shell_pid);
			double left = ek->stop_deadline_ms - ek_sys.now_ms();
			if (timeout < 0 || timeout > left)
				timeout = left > 0 ? (int)left + 1 : 0;
		}
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

int main(int argc, char **argv)
{
	static struct ekinit ek;
	(void)argc;

	if (getpid() != 1) {
		fprintf(stderr, "ekinit: must run as PID 1; to talk to the running one use ekctl\n");
		return 100;
	}
	ensure_console_fds();
	fatal_install_crash_handlers();
	umask(022);
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0);
	ek.argv = argv;
	ek.state = "booting";
	const char *container = getenv("container");
	ek.container = container && *container;
	ek.sigfd = signals_setup();
	if (ek.sigfd < 0)
		ek_fatal("cannot set up signal handling");

	size_t first = 0;
	const char *carried = getenv(ENV_TIMELINE);
	ek.epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event sev = {.events = EPOLLIN, .data.u64 = (unsigned)ek.sigfd};
	if (ek.epfd < 0 || epoll_ctl(ek.epfd, EPOLL_CTL_ADD, ek.sigfd, &sev) < 0)
		ek_fatal("cannot set up the event loop");
	svcmgr_init(&ek.svc, ek.epfd);
	if (carried) {
		/* Re-executed after the root move: the earlier steps are done. */
		if (timeline_restore(carried) < 0)
			ek_warn("the boot timeline carried across the root move was damaged; it starts afresh");
		unsetenv(ENV_TIMELINE);
		const char *warnings = getenv(ENV_WARNINGS);
		if (warnings && ek_log_restore(warnings) < 0)
			ek_warn("the warnings carried across the root move were damaged; some are lost");
		unsetenv(ENV_WARNINGS);
		read_cmdline(&ek, false);
		for (first = 0; first < NSTEPS && strcmp(steps[first].name, "root-move"); first++)
			;
		first++;
	}
	for (size_t i = first; i < NSTEPS; i++) {
		char detail[EK_DETAIL_MAX] = "";
		if (ek.break_pending && !strcmp(ek.cmd.brk, steps[i].name)) {
			break_shell(&ek, steps[i].name);
			start_console_shell(&ek);
		}
		size_t ev = timeline_begin(steps[i].name);
		enum ek_result r = steps[i].run(&ek, detail, sizeof detail);
		if (r == EK_PENDING) {
			ek_info("%s: %s, continuing in the background", steps[i].name, detail);
			ek.remote_fs_event = ev;
			continue;
		}
		timeline_end(r, detail);
		if (!strcmp(steps[i].name, "remote-fs"))
			svcmgr_target_reached(&ek.svc, "remote-fs.target");
		if (ek.reexec) {
			ek.reexec = false;
			reexec(&ek);
		}
		/* The persistent shell starts once the final root and /dev are in place. */
		if (!strcmp(steps[i].name, "mount-api"))
			start_console_shell(&ek);
	}

	read_boot_id(&ek);
	if (mkdir(EK_CONTROL_DIR, 0755) < 0 && errno != EEXIST)
		ek_warn("%s: %s", EK_CONTROL_DIR, strerror(errno));
	int r = control_open(&ek.ctl, EK_CONTROL_PATH, ek.epfd, handle_request, &ek);
	if (r < 0)
		ek_err("control socket %s: %s; ekctl will not reach PID 1 (use -f)", EK_CONTROL_PATH, strerror(-r));
	timeline_complete();
	ek.state = "running";
	write_boot_json(&ek);
	ek_info("boot complete in %.0f ms", timeline_complete_ms());
	start_console_shell(&ek);
	start_services(&ek);
	steady_loop(&ek);
}
