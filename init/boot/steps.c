/* The boot steps (steps.h): thin glue from the step table to the modules that do the work, and
 * the one place that turns their results into a step's detail line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "steps.h"

#include "cgroups.h"
#include "confdirs.h"
#include "fstab.h"
#include "hostname.h"
#include "log.h"
#include "loopback.h"
#include "modules.h"
#include "mount_api.h"
#include "network.h"
#include "root_move.h"
#include "strbuf.h"
#include "sys.h"
#include "sysctl.h"
#include "tmpfiles.h"

#define MOUNTINFO "/proc/self/mountinfo"
#define NODE_CONF "/etc/ekinit/node.conf"
#define FSTAB "/etc/fstab"

/* Whether word is one of the space-separated words of list. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, " ");
		if (len == n && !strncmp(p, word, n))
			return true;
		p += len + (p[len] == ' ');
	}
	return false;
}

void boot_read_cmdline(struct boot_state *b, bool report)
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
	cmdline_parse(text, &b->cmd);
	ek_debug_enabled = b->cmd.debug;
	if (report)
		ek_debug("kernel command line: %s", text);
	bool known = !b->cmd.brk[0] || has_word(b->step_names, b->cmd.brk);
	if (!known && b->cmd.nproblems < EK_CMDLINE_PROBLEMS_MAX)
		snprintf(b->cmd.problems[b->cmd.nproblems++], sizeof b->cmd.problems[0],
			 "ekinit.break=%.40s: no such step (%s)", b->cmd.brk, b->step_names ? b->step_names : "");
	b->break_pending = known && b->cmd.brk[0];
	if (report)
		for (int i = 0; i < b->cmd.nproblems; i++)
			ek_warn("cmdline: %s", b->cmd.problems[i]);
}

enum ek_result step_cmdline(struct boot_state *b, char *detail, size_t cap)
{
	boot_read_cmdline(b, true);
	struct strbuf sb;
	sb_init(&sb, detail, cap);
	if (b->cmd.shell)
		sb_puts(&sb, " shell");
	if (b->cmd.debug)
		sb_puts(&sb, " debug");
	if (b->cmd.brk[0])
		sb_printf(&sb, " break=%s", b->cmd.brk);
	if (b->cmd.nproblems)
		sb_printf(&sb, " (%d problems, see above)", b->cmd.nproblems);
	/* drop the leading space */
	memmove(detail, detail + (sb.len > 0), sb.len + (sb.len == 0));
	return b->cmd.nproblems ? EK_FAILED : EK_OK;
}

enum ek_result step_root_move(struct boot_state *b, char *detail, size_t cap)
{
	char type[64] = "";
	if (b->container) {
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
	if (b->cmd.rootmove_bind)
		return root_move_bind(detail, cap); /* the same files: no re-exec needed */
	enum ek_result res = root_move(b->cmd.rootsize, detail, cap);
	b->reexec = res == EK_OK;
	return res;
}

enum ek_result step_mount_api(struct boot_state *b, char *detail, size_t cap)
{
	struct ek_mount_result m;
	char ctl[256] = "";
	(void)b;
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

enum ek_result step_hostname(struct boot_state *b, char *detail, size_t cap)
{
	char name[256];
	int r = hostname_read("/etc/hostname", name, sizeof name);
	if (r == -ENOENT || r == -ENODATA) {
		snprintf(detail, cap, "no /etc/hostname; keeping '%s'", b->hostname);
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
	snprintf(b->hostname, sizeof b->hostname, "%s", name);
	snprintf(detail, cap, "%s", name);
	return EK_OK;
}

enum ek_result step_loopback(struct boot_state *b, char *detail, size_t cap)
{
	(void)b;
	int r = loopback_up();
	if (r < 0) {
		snprintf(detail, cap, "lo: %s", strerror(-r));
		return EK_FAILED;
	}
	snprintf(detail, cap, "lo up");
	return EK_OK;
}

/* A configuration file (modules-load.d, sysctl.d, tmpfiles.d) that cannot be read. One whose name
 * leads nowhere is skipped quietly, as systemd does: Debian's /etc/modules-load.d/modules.conf is a
 * symlink to /etc/modules, which an image may well not have. */
static void conf_file_unreadable(const char *path, int r)
{
	if (r == -ENOENT)
		ek_debug("%s: %s (skipped)", path, strerror(-r));
	else
		ek_warn("%s: %s", path, strerror(-r));
}

static int add_module_file(const char *path, void *list)
{
	int r = modules_read_file(path, list);
	if (r < 0)
		conf_file_unreadable(path, r);
	return 0;
}

enum ek_result step_modules(struct boot_state *b, char *detail, size_t cap)
{
	static struct ek_modlist list;
	size_t loaded = 0;
	if (b->container) {
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
		conf_file_unreadable(path, r);
	return 0;
}

enum ek_result step_sysctl(struct boot_state *b, char *detail, size_t cap)
{
	struct sysctl_ctx c = {.net_only = b->container};
	int files = confdirs_each(ek_sysctl_dirs, apply_sysctl_file, &c);
	snprintf(detail, cap, "%u set from %d files, %u failed%s", c.res.applied, files < 0 ? 0 : files,
		 c.res.failed, b->container ? ", non-net keys skipped (container mode)" : "");
	/* Unknown keys are normal across kernel versions: warnings, not a failed step. */
	return EK_OK;
}

enum ek_result step_network_prepare(struct boot_state *b, char *detail, size_t cap)
{
	char err[300];
	int r = nodeconf_parse(NODE_CONF, &b->node, err, sizeof err);
	if (r == -ENOENT) {
		snprintf(detail, cap, "no %s: the network stays unconfigured", NODE_CONF);
		return EK_SKIPPED;
	}
	if (r < 0) {
		ek_err("%s", err);
		snprintf(detail, cap, "%s is unusable (see the error above); the console stays available", NODE_CONF);
		return EK_FAILED;
	}
	b->have_node = true;
	return EK_OK;
}

enum ek_result step_network(struct boot_state *b, char *detail, size_t cap)
{
	/* step_network_prepare has read node.conf (the step ends there without one). */
	if (b->cmd.carrier_timeout_s)
		network_carrier_timeout_ms = b->cmd.carrier_timeout_s * 1000.0;
	return network_up(&b->node, "/etc", detail, cap);
}

enum ek_result step_fstab(struct boot_state *b, char *detail, size_t cap)
{
	struct fstab_result res = {0};
	(void)b;
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
 * the step ends when the loop reaps it. The NFS client modules are loaded on demand, in that child
 * (libkmod never enters PID 1). */
enum ek_result step_remote_fs(struct boot_state *b, char *detail, size_t cap)
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
	static struct ek_modlist nfsmods;
	nfsmods.n = 0;
	if (nfs && !b->container)
		modules_add(&nfsmods, "nfsv4");
	pid_t pid = fstab_remote_start(FSTAB, MOUNTINFO, &nfsmods);
	if (pid < 0) {
		snprintf(detail, cap, "cannot start the mounting: %s", strerror(-pid));
		return EK_FAILED;
	}
	b->bg_pid = pid;
	snprintf(detail, cap, "%d to mount", remote);
	return EK_PENDING;
}

enum ek_result step_remote_fs_done(struct boot_state *b, int status, char *detail, size_t cap)
{
	(void)b;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	snprintf(detail, cap, "%s", code == 0 ? "all mounted" : code == 2 ? "fstab unreadable" : "some network mounts failed (see above)");
	return code == 0 ? EK_OK : EK_FAILED;
}

static int apply_tmpfiles_file(const char *path, void *p)
{
	int r = tmpfiles_apply_file(path, "", p);
	if (r < 0)
		conf_file_unreadable(path, r);
	return 0;
}

enum ek_result step_tmpfiles(struct boot_state *b, char *detail, size_t cap)
{
	struct ek_tmpfiles_result res = {0};
	(void)b;
	int files = confdirs_each(ek_tmpfiles_dirs, apply_tmpfiles_file, &res);
	char warning[512];
	if (tmpfiles_accounts_warning(&res, warning, sizeof warning) > 0)
		ek_warn("%s", warning);
	snprintf(detail, cap, "%u entries from %d files, %u failed, %u of unsupported types", res.applied,
		 files < 0 ? 0 : files, res.failed, res.unsupported);
	return EK_OK; /* a failed entry is a warning; the daemon that needs it will say more */
}

