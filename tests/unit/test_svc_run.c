/* The service state machine without a single real process: ek_sys's spawn, kill, pidfd, waitid
 * and open are fakes that record calls and hand out made-up pids, the clock is a variable, and
 * each test feeds the manager child exits, notify messages and time passing, then checks what it
 * started, signalled and decided (dinit's proctests idea). */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "t.h"
#include "log.h"
#include "svc_check.h"
#include "svc_conditions.h"
#include "svc_run.h"
#include "svc_targets.h"
#include "svc_spawn.h"
#include "sys.h"

static char dir[64], logs[32768];
static int logpipe[2], ep = -1;
static struct svcmgr m;

/* ---- the fakes --------------------------------------------------------------------------- */

static double now;
static pid_t next_pid;
static int spawn_errno; /* non-zero: the next spawns fail with it */
static struct spawned {
	pid_t pid;
	char what[64]; /* the command's path, or "probe" for a built-in probe */
	char svc[64];
	bool main_process;
	int progress; /* a check's progress pipe (a copy of its write end), -1 for others */
} spawns[128];
static int nspawns;
static struct signalled {
	pid_t pid;
	int sig;
	bool by_pidfd;
} kills[256];
static int nkills;
static struct pidfd {
	int fd;
	pid_t pid;
} pidfds[16];
static int npidfds;
static siginfo_t waitid_info; /* what the next waitid(P_PIDFD) reports */
static int waitid_errno;

static double fake_now(void)
{
	return now;
}

static pid_t fake_spawn(void (*child)(void *), void *arg)
{
	(void)child;
	const struct svc_child *c = arg;
	if (spawn_errno) {
		errno = spawn_errno;
		return -1;
	}
	struct spawned *sp = &spawns[nspawns++ % 128];
	sp->pid = next_pid++;
	snprintf(sp->what, sizeof sp->what, "%s", c->check ? "check" : c->cmd ? c->cmd->path : "probe");
	snprintf(sp->svc, sizeof sp->svc, "%s", c->s->name);
	sp->main_process = c->main_process;
	sp->progress = c->check ? dup(c->progress_fd) : -1;
	return sp->pid;
}

static int record_kill(pid_t pid, int sig, bool by_pidfd)
{
	kills[nkills % 256] = (struct signalled){pid, sig, by_pidfd};
	nkills++;
	return 0;
}

static int fake_kill(pid_t pid, int sig)
{
	return record_kill(pid, sig, false);
}

/* A real descriptor (epoll and close accept it) standing for the process. */
static int fake_pidfd_open(pid_t pid)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	pidfds[npidfds++ % 16] = (struct pidfd){fd, pid};
	return fd;
}

static int fake_pidfd_send_signal(int fd, int sig)
{
	for (int i = npidfds - 1; i >= 0; i--)
		if (pidfds[i % 16].fd == fd)
			return record_kill(pidfds[i % 16].pid, sig, true);
	errno = EBADF;
	return -1;
}

static int fake_waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
	(void)type, (void)id, (void)options;
	if (waitid_errno) {
		errno = waitid_errno;
		return -1;
	}
	*info = waitid_info;
	return 0;
}

/* /proc/PID/... is read from the test's directory instead. */
static int fake_open(const char *path, int flags, mode_t mode)
{
	char p[512];
	if (!strncmp(path, "/proc/", 6)) {
		snprintf(p, sizeof p, "%s%s", dir, path);
		path = p;
	}
	return open(path, flags, mode);
}

/* ---- helpers that read like the scenario ---------------------------------------------------- */

static void unit(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void unit(const char *name, const char *fmt, ...)
{
	char path[256], text[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	snprintf(path, sizeof path, "%s/units/%s", dir, name);
	t_write(path, text);
}

/* Loads the units named in `enabled` (space-separated) and lets the manager start what it can. */
static void boot(const char *enabled)
{
	static const char *dirs[2];
	static char units[128], enabled_file[128], cg[128], logdir[128];
	snprintf(units, sizeof units, "%s/units", dir);
	snprintf(enabled_file, sizeof enabled_file, "%s/enabled", dir);
	snprintf(cg, sizeof cg, "%s/cg", dir);
	snprintf(logdir, sizeof logdir, "%s/log", dir);
	char list[512];
	snprintf(list, sizeof list, "%s", enabled);
	for (char *p = list; *p; p++)
		if (*p == ' ')
			*p = '\n';
	strcat(list, "\n");
	t_write(enabled_file, list);
	dirs[0] = units;
	svcmgr_init(&m, ep);
	m.dirs = dirs;
	m.enabled_file = enabled_file;
	m.cgroup_root = cg;
	m.log_dir = logdir;
	snprintf(m.notify_path, sizeof m.notify_path, "%s/notify", dir);
	svcmgr_load(&m);
	svcmgr_dispatch(&m);
}

static struct svc *S(const char *name)
{
	static struct svc none;
	struct svc *s = svcmgr_find(&m, name);
	return s ? s : &none;
}

static const char *state(const char *name)
{
	return svc_state_name(S(name)->state);
}

/* The pid of the last spawn of `what`, 0 when it never ran. */
static pid_t pid_of(const char *what)
{
	for (int i = nspawns - 1; i >= 0; i--)
		if (!strcmp(spawns[i % 128].what, what))
			return spawns[i % 128].pid;
	return 0;
}

static int times_started(const char *what)
{
	int n = 0;
	for (int i = 0; i < nspawns && i < 128; i++)
		n += !strcmp(spawns[i].what, what);
	return n;
}

static bool got(pid_t pid, int sig)
{
	for (int i = 0; i < nkills && i < 256; i++)
		if (kills[i].pid == pid && kills[i].sig == sig)
			return true;
	return false;
}

static void exits(pid_t pid, int code)
{
	svcmgr_child_exited(&m, pid, W_EXITCODE(code, 0));
	svcmgr_dispatch(&m);
}

static void dies(pid_t pid, int sig)
{
	svcmgr_child_exited(&m, pid, W_EXITCODE(0, sig));
	svcmgr_dispatch(&m);
}

static void notify(const char *name, const char *msg)
{
	svc_on_notify(&m, S(name), msg, S(name)->main_pid);
	svcmgr_dispatch(&m);
}

static void advance(double ms)
{
	now += ms;
	svcmgr_dispatch(&m);
}

static int stop(const char *name)
{
	char err[200];
	int r = svcmgr_stop(&m, name, err, sizeof err);
	svcmgr_dispatch(&m);
	return r;
}

static int start(const char *name)
{
	char err[200];
	int r = svcmgr_start(&m, name, err, sizeof err);
	svcmgr_dispatch(&m);
	return r;
}

static int restart(const char *name)
{
	char err[200];
	int r = svcmgr_restart(&m, name, err, sizeof err);
	svcmgr_dispatch(&m);
	return r;
}

/* Says that pid is a process of the service (its /proc/PID/cgroup). */
static void in_cgroup(pid_t pid, const char *svc)
{
	char path[256], text[128];
	snprintf(path, sizeof path, "%s/proc/%d", dir, (int)pid);
	mkdir(path, 0755);
	strcat(path, "/cgroup");
	snprintf(text, sizeof text, "0::/system.slice/%s\n", svc);
	t_write(path, text);
}

/* What the service's cgroup lists ("" = empty). */
static void cgroup_procs(const char *svc, const char *pids)
{
	char path[256];
	snprintf(path, sizeof path, "%s/cg/system.slice/%s/cgroup.procs", dir, svc);
	t_write(path, pids);
}

static const char *console(void)
{
	size_t n = strlen(logs);
	t_drain(logpipe[0], logs + n, sizeof logs - n);
	return logs;
}

static void setup(void)
{
	char p[128];
	t_tmpdir(dir, sizeof dir);
	const char *sub[] = {"units", "cg", "log", "proc"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, sub[i]);
		mkdir(p, 0755);
	}
	now = 1000;
	next_pid = 1000;
	spawn_errno = waitid_errno = 0;
	nspawns = nkills = npidfds = 0;
	memset(&waitid_info, 0, sizeof waitid_info);
	ep = epoll_create1(EPOLL_CLOEXEC);
	t_drain(logpipe[0], logs, sizeof logs);
	logs[0] = '\0';
}

static void teardown(void)
{
	svcmgr_free(&m);
	close(ep);
	for (int i = 0; i < npidfds && i < 16; i++)
		close(pidfds[i].fd);
	for (int i = 0; i < nspawns && i < 128; i++)
		if (spawns[i].progress >= 0)
			close(spawns[i].progress);
	t_rmtree(dir);
}

#define RUN(fn)                                                                                    \
	do {                                                                                       \
		setup();                                                                           \
		T_RUN(fn);                                                                         \
		teardown();                                                                        \
	} while (0)

#define SIMPLE "[Service]\nExecStart=/bin/%s\n"
#define NOTIFY "[Service]\nType=notify\nExecStart=/bin/%s\n"

/* ---- start and readiness ------------------------------------------------------------------ */

TEST(simple_is_running_once_spawned)
{
	unit("a.service", SIMPLE, "a");
	boot("a.service");
	T_EQ_STR(state("a.service"), "running");
	T_ASSERT(pid_of("/bin/a") > 0);
	T_EQ_INT(S("a.service")->main_pid, pid_of("/bin/a"));
	T_ASSERT(spawns[0].main_process);
}

TEST(notify_waits_for_ready)
{
	unit("a.service", NOTIFY, "a");
	boot("a.service");
	T_EQ_STR(state("a.service"), "starting");
	T_CONTAINS(S("a.service")->why, "waiting for READY=1");
	notify("a.service", "READY=1");
	T_EQ_STR(state("a.service"), "running");
}

TEST(notify_status_is_kept_and_sanitised)
{
	unit("a.service", NOTIFY, "a");
	boot("a.service");
	notify("a.service", "STATUS=loading\x01 data");
	T_EQ_STR(state("a.service"), "starting"); /* STATUS= is not readiness */
	T_EQ_STR(S("a.service")->status_text, "loading? data");
}

TEST(notify_several_lines_in_one_datagram)
{
	unit("a.service", NOTIFY, "a");
	boot("a.service");
	notify("a.service", "STATUS=up\nREADY=1");
	T_EQ_STR(state("a.service"), "running");
	T_EQ_STR(S("a.service")->status_text, "up");
}

TEST(ready_from_a_forking_service_is_ignored)
{
	unit("a.service", "[Service]\nType=forking\nExecStart=/bin/a\n");
	boot("a.service");
	notify("a.service", "READY=1");
	T_EQ_STR(state("a.service"), "starting");
}

TEST(oneshot_runs_its_commands_one_after_another)
{
	unit("a.service", "[Service]\nType=oneshot\nExecStart=/bin/one\nExecStart=/bin/two\n");
	boot("a.service");
	T_ASSERT(pid_of("/bin/one") > 0);
	T_EQ_INT(pid_of("/bin/two"), 0);
	exits(pid_of("/bin/one"), 0);
	T_ASSERT(pid_of("/bin/two") > 0);
	T_EQ_STR(state("a.service"), "starting");
	exits(pid_of("/bin/two"), 0);
	T_EQ_STR(state("a.service"), "exited");
	T_EQ_STR(svc_active_word(S("a.service")), "inactive"); /* no RemainAfterExit= */
}

TEST(oneshot_remain_after_exit_is_active)
{
	unit("a.service", "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/one\n");
	boot("a.service");
	exits(pid_of("/bin/one"), 0);
	T_EQ_STR(svc_active_word(S("a.service")), "active");
}

TEST(oneshot_failure_stops_the_list)
{
	unit("a.service", "[Service]\nType=oneshot\nExecStart=/bin/one\nExecStart=/bin/two\n");
	boot("a.service");
	exits(pid_of("/bin/one"), 1);
	T_EQ_STR(state("a.service"), "failed");
	T_CONTAINS(S("a.service")->why, "ExecStart failed: exit status 1");
	T_EQ_INT(pid_of("/bin/two"), 0);
}

TEST(oneshot_dash_prefix_ignores_failure)
{
	unit("a.service", "[Service]\nType=oneshot\nExecStart=-/bin/one\nExecStart=/bin/two\n");
	boot("a.service");
	exits(pid_of("/bin/one"), 1);
	T_ASSERT(pid_of("/bin/two") > 0);
}

TEST(start_pre_runs_before_start)
{
	unit("a.service", "[Service]\nExecStartPre=/bin/pre\nExecStart=/bin/a\n");
	boot("a.service");
	T_ASSERT(pid_of("/bin/pre") > 0);
	T_ASSERT(!spawns[0].main_process);
	T_EQ_INT(pid_of("/bin/a"), 0);
	exits(pid_of("/bin/pre"), 0);
	T_EQ_STR(state("a.service"), "running");
	T_EQ_INT(S("a.service")->main_pid, pid_of("/bin/a"));
}

TEST(start_pre_failure_fails_the_start)
{
	unit("a.service", "[Service]\nExecStartPre=/bin/pre\nExecStart=/bin/a\n");
	boot("a.service");
	exits(pid_of("/bin/pre"), 2);
	T_EQ_STR(state("a.service"), "failed");
	T_CONTAINS(S("a.service")->why, "ExecStartPre failed: exit status 2");
	T_EQ_INT(pid_of("/bin/a"), 0);
}

TEST(start_post_runs_after_ready)
{
	unit("a.service", "[Service]\nType=notify\nExecStart=/bin/a\nExecStartPost=/bin/post\n");
	boot("a.service");
	T_EQ_INT(pid_of("/bin/post"), 0);
	notify("a.service", "READY=1");
	T_ASSERT(pid_of("/bin/post") > 0);
	T_EQ_STR(state("a.service"), "starting");
	exits(pid_of("/bin/post"), 0);
	T_EQ_STR(state("a.service"), "running");
}

TEST(start_timeout_stops_and_fails)
{
	unit("a.service", "[Service]\nType=notify\nTimeoutStartSec=5\nExecStart=/bin/a\n");
	boot("a.service");
	pid_t a = pid_of("/bin/a");
	advance(4999);
	T_EQ_STR(state("a.service"), "starting");
	advance(1);
	T_EQ_STR(state("a.service"), "stopping");
	T_ASSERT(got(a, SIGTERM));
	dies(a, SIGTERM);
	T_EQ_STR(state("a.service"), "failed");
	T_CONTAINS(S("a.service")->why, "did not become ready within 5 s");
}

TEST(extend_timeout_moves_the_deadline)
{
	unit("a.service", "[Service]\nType=notify\nTimeoutStartSec=5\nExecStart=/bin/a\n");
	boot("a.service");
	advance(4000);
	notify("a.service", "EXTEND_TIMEOUT_USEC=10000000"); /* 10 s from now */
	advance(9000);
	T_EQ_STR(state("a.service"), "starting");
	advance(1000);
	T_EQ_STR(state("a.service"), "stopping");
}

TEST(exit_before_ready_fails)
{
	unit("a.service", NOTIFY, "a");
	boot("a.service");
	exits(pid_of("/bin/a"), 0);
	T_EQ_STR(state("a.service"), "failed");
	T_CONTAINS(S("a.service")->why, "exited before it was ready");
}

TEST(spawn_failure_fails_the_start)
{
	unit("a.service", SIMPLE, "a");
	spawn_errno = EAGAIN;
	boot("a.service");
	T_EQ_STR(state("a.service"), "failed");
	T_CONTAINS(S("a.service")->why, "cannot start /bin/a: fork:");
}

TEST(probe_retries_until_it_passes)
{
	unit("a.service", SIMPLE "[X-Ekinit]\nReadyProbe=exec:/bin/probe\n", "a");
	boot("a.service");
	T_EQ_STR(state("a.service"), "starting");
	T_CONTAINS(S("a.service")->why, "ReadyProbe");
	T_EQ_INT(times_started("/bin/probe"), 1);
	exits(pid_of("/bin/probe"), 1);
	advance(249);
	T_EQ_INT(times_started("/bin/probe"), 1); /* the next attempt waits its interval */
	advance(1);
	T_EQ_INT(times_started("/bin/probe"), 2);
	exits(pid_of("/bin/probe"), 0);
	T_EQ_STR(state("a.service"), "running");
}

TEST(forking_without_pidfile_lives_in_its_cgroup)
{
	unit("a.service", "[Service]\nType=forking\nExecStart=/bin/a\n");
	boot("a.service");
	cgroup_procs("a.service", "4242\n"); /* the daemon the command left behind */
	exits(pid_of("/bin/a"), 0);
	T_EQ_STR(state("a.service"), "running");
	T_EQ_INT(S("a.service")->main_pid, 0);
	cgroup_procs("a.service", "");
	advance(1);
	T_EQ_STR(state("a.service"), "failed");
	T_CONTAINS(S("a.service")->why, "its processes are gone");
}

TEST(forking_pidfile_names_the_main_process)
{
	char pidfile[128];
	snprintf(pidfile, sizeof pidfile, "%s/a.pid", dir);
	unit("a.service", "[Service]\nType=forking\nPIDFile=%s\nExecStart=/bin/a\n", pidfile);
	boot("a.service");
	t_write(pidfile, "4242\n");
	in_cgroup(4242, "a.service");
	exits(pid_of("/bin/a"), 0);
	T_EQ_STR(state("a.service"), "running");
	T_EQ_INT(S("a.service")->main_pid, 4242);
	T_ASSERT(S("a.service")->main_pidfd >= 0);
	stop("a.service");
	T_ASSERT(got(4242, SIGTERM));
	T_ASSERT(kills[0].by_pidfd); /* never by a pid that may have been reused */
}

TEST(pidfile_naming_a_foreign_process_is_refused)
{
	char pidfile[128];
	snprintf(pidfile, sizeof pidfile, "%s/a.pid", dir);
	unit("a.service", "[Service]\nType=forking\nPIDFile=%s\nExecStart=/bin/a\n", pidfile);
	boot("a.service");
	t_write(pidfile, "4242\n");
	in_cgroup(4242, "other.service");
	exits(pid_of("/bin/a"), 0);
	T_EQ_STR(state("a.service"), "failed");
	T_CONTAINS(console(), "names a process outside the service");
}

TEST(mainpid_of_the_service_is_adopted)
{
	unit("a.service", NOTIFY, "a");
	boot("a.service");
	in_cgroup(4242, "a.service");
	notify("a.service", "MAINPID=4242\nREADY=1");
	T_EQ_INT(S("a.service")->main_pid, 4242);
	T_EQ_STR(state("a.service"), "running");
}

TEST(mainpid_of_another_service_is_refused)
{
	unit("a.service", NOTIFY, "a");
	boot("a.service");
	in_cgroup(4242, "b.service");
	notify("a.service", "MAINPID=4242");
	T_EQ_INT(S("a.service")->main_pid, pid_of("/bin/a"));
	T_CONTAINS(console(), "MAINPID=4242 refused");
}

TEST(adopted_main_exit_is_seen_through_its_pidfd)
{
	unit("a.service", NOTIFY, "a");
	boot("a.service");
	in_cgroup(4242, "a.service");
	notify("a.service", "MAINPID=4242\nREADY=1");
	waitid_info.si_pid = 4242;
	waitid_info.si_code = CLD_EXITED;
	waitid_info.si_status = 7;
	svcmgr_epoll_event(&m, SVC_EPOLL_TAG_PIDFD | (unsigned long long)(S("a.service") - m.v));
	svcmgr_dispatch(&m);
	T_EQ_STR(state("a.service"), "failed");
	T_CONTAINS(S("a.service")->why, "exit status 7");
}

/* ---- exits and restarts ------------------------------------------------------------------- */

/* Exits after which the service stays down: the state and reason it ends in at once, and no
 * restart in the minute after (the unit is SIMPLE plus `service`). */
TEST(exits_that_are_not_restarted)
{
	static const struct {
		const char *name, *service;
		int status;
		const char *state, *why; /* why: NULL when the case does not check it */
	} cases[] = {
		{"clean exit, no Restart=", "", 0, "inactive", "exit status 0"},
		{"crash, no Restart=", "", 3, "failed", "main process failed: exit status 3"},
		{"SuccessExitStatus= counts as clean", "Restart=on-failure\nSuccessExitStatus=42\n", 42, "inactive", NULL},
		{"on-failure leaves a clean exit alone", "Restart=on-failure\n", 0, "inactive", NULL},
		{"RestartPreventExitStatus= wins over always", "Restart=always\nRestartPreventExitStatus=3\n", 3,
		 "failed", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (i) { /* a fresh manager for each case */
			teardown();
			setup();
		}
		unit("a.service", SIMPLE "%s", "a", cases[i].service);
		boot("a.service");
		exits(pid_of("/bin/a"), cases[i].status);
		if (strcmp(state("a.service"), cases[i].state))
			T_FAIL("%s: state %s, expected %s", cases[i].name, state("a.service"), cases[i].state);
		if (cases[i].why && !strstr(S("a.service")->why, cases[i].why))
			T_FAIL("%s: why '%s' lacks '%s'", cases[i].name, S("a.service")->why, cases[i].why);
		advance(60000);
		if (times_started("/bin/a") != 1)
			T_FAIL("%s: started %d times, expected once", cases[i].name, times_started("/bin/a"));
	}
}

TEST(on_failure_restarts_after_restart_sec)
{
	unit("a.service", SIMPLE "Restart=on-failure\nRestartSec=2\n", "a");
	boot("a.service");
	pid_t first = pid_of("/bin/a");
	dies(first, SIGSEGV);
	T_EQ_STR(state("a.service"), "restarting");
	advance(1999);
	T_EQ_INT(times_started("/bin/a"), 1);
	advance(1);
	T_EQ_INT(times_started("/bin/a"), 2);
	T_EQ_STR(state("a.service"), "running");
	T_ASSERT(S("a.service")->main_pid != first);
	T_EQ_INT(S("a.service")->restarts, 1);
}

TEST(always_restarts_a_clean_exit)
{
	unit("a.service", SIMPLE "Restart=always\n", "a");
	boot("a.service");
	exits(pid_of("/bin/a"), 0);
	T_EQ_STR(state("a.service"), "restarting");
	advance(100); /* RestartSec= defaults to 100 ms */
	T_EQ_INT(times_started("/bin/a"), 2);
}

TEST(backoff_doubles_per_crash)
{
	unit("a.service", SIMPLE "Restart=always\nRestartSec=1\nStartLimitBurst=0\n", "a");
	boot("a.service");
	double expect[] = {1000, 2000, 4000, 8000};
	for (int i = 0; i < 4; i++) {
		exits(pid_of("/bin/a"), 1);
		T_EQ_INT(S("a.service")->deadline_ms - now, expect[i]);
		advance(expect[i]);
		T_EQ_STR(state("a.service"), "running");
	}
}

TEST(backoff_is_capped_at_30_s)
{
	unit("a.service", SIMPLE "Restart=always\nRestartSec=20\nStartLimitBurst=0\n", "a");
	boot("a.service");
	exits(pid_of("/bin/a"), 1);
	advance(20000);
	exits(pid_of("/bin/a"), 1);
	T_EQ_INT(S("a.service")->deadline_ms - now, 30000);
}

TEST(backoff_resets_after_a_long_run)
{
	unit("a.service", SIMPLE "Restart=always\nRestartSec=1\nStartLimitBurst=0\n", "a");
	boot("a.service");
	exits(pid_of("/bin/a"), 1);
	advance(1000);
	advance(10001); /* a run longer than 10 s is not a crash loop */
	exits(pid_of("/bin/a"), 1);
	T_EQ_INT(S("a.service")->deadline_ms - now, 1000);
}

TEST(operator_start_skips_the_backoff)
{
	unit("a.service", SIMPLE "Restart=always\nRestartSec=20\n", "a");
	boot("a.service");
	exits(pid_of("/bin/a"), 1);
	T_EQ_INT(start("a.service"), 0);
	advance(0);
	T_EQ_INT(times_started("/bin/a"), 2);
	T_EQ_STR(state("a.service"), "running");
}

TEST(start_limit_fails_the_burst_plus_one_start)
{
	unit("a.service", SIMPLE "Restart=always\nStartLimitBurst=3\nStartLimitIntervalSec=60\n", "a");
	boot("a.service");
	for (int i = 0; i < 3; i++) {
		exits(pid_of("/bin/a"), 1);
		advance(1000); /* past the backoff, well within the window */
	}
	T_EQ_INT(times_started("/bin/a"), 3);
	T_EQ_STR(state("a.service"), "failed");
	T_CONTAINS(S("a.service")->why, "start limit hit: 3 starts within 60 s");
}

TEST(start_limit_window_runs_out)
{
	unit("a.service", SIMPLE "Restart=always\nRestartSec=6\nStartLimitBurst=2\nStartLimitIntervalSec=10\n", "a");
	boot("a.service");
	for (int i = 0; i < 4; i++) {
		exits(pid_of("/bin/a"), 1);
		advance(30000);
	}
	T_EQ_INT(times_started("/bin/a"), 5);
	T_EQ_STR(state("a.service"), "running");
}

TEST(operator_start_clears_the_start_limit)
{
	unit("a.service", SIMPLE "Restart=always\nStartLimitBurst=1\nStartLimitIntervalSec=60\n", "a");
	boot("a.service");
	exits(pid_of("/bin/a"), 1);
	advance(100);
	T_EQ_STR(state("a.service"), "failed");
	T_EQ_INT(start("a.service"), 0);
	T_EQ_STR(state("a.service"), "running");
	T_EQ_INT(times_started("/bin/a"), 2);
}

/* ---- stopping ------------------------------------------------------------------------------- */

TEST(stop_sends_kill_signal_then_waits_for_the_exit)
{
	unit("a.service", SIMPLE, "a");
	boot("a.service");
	pid_t a = pid_of("/bin/a");
	stop("a.service");
	T_EQ_STR(state("a.service"), "stopping");
	T_ASSERT(got(a, SIGTERM));
	T_ASSERT(got(a, SIGCONT));
	dies(a, SIGTERM);
	T_EQ_STR(state("a.service"), "inactive");
	T_EQ_STR(S("a.service")->why, "stopped");
}

TEST(kill_signal_is_used)
{
	unit("a.service", SIMPLE "KillSignal=SIGINT\n", "a");
	boot("a.service");
	stop("a.service");
	T_ASSERT(got(pid_of("/bin/a"), SIGINT));
	T_ASSERT(!got(pid_of("/bin/a"), SIGTERM));
}

TEST(stop_timeout_escalates_to_sigkill)
{
	unit("a.service", SIMPLE "TimeoutStopSec=3\n", "a");
	boot("a.service");
	pid_t a = pid_of("/bin/a");
	stop("a.service");
	advance(2999);
	T_ASSERT(!got(a, SIGKILL));
	advance(1);
	T_ASSERT(got(a, SIGKILL));
	T_EQ_STR(state("a.service"), "stopping");
	dies(a, SIGKILL);
	T_EQ_STR(state("a.service"), "inactive");
}

TEST(processes_surviving_sigkill_are_given_up)
{
	unit("a.service", SIMPLE "TimeoutStopSec=1\nKillMode=process\n", "a");
	boot("a.service");
	stop("a.service");
	advance(1000);
	advance(5000);
	T_EQ_STR(state("a.service"), "inactive");
	T_CONTAINS(console(), "processes survived SIGKILL");
}

TEST(exec_stop_runs_before_the_signal)
{
	unit("a.service", SIMPLE "ExecStop=/bin/stop\n", "a");
	boot("a.service");
	pid_t a = pid_of("/bin/a");
	stop("a.service");
	T_ASSERT(pid_of("/bin/stop") > 0);
	T_ASSERT(!got(a, SIGTERM));
	exits(pid_of("/bin/stop"), 0);
	T_ASSERT(got(a, SIGTERM));
}

TEST(exec_stop_post_runs_after_the_main_process)
{
	unit("a.service", SIMPLE "ExecStopPost=/bin/post\n", "a");
	boot("a.service");
	stop("a.service");
	T_EQ_INT(pid_of("/bin/post"), 0);
	dies(pid_of("/bin/a"), SIGTERM);
	T_ASSERT(pid_of("/bin/post") > 0);
	T_EQ_STR(state("a.service"), "stopping");
	exits(pid_of("/bin/post"), 0);
	T_EQ_STR(state("a.service"), "inactive");
}

TEST(stop_waits_for_the_cgroup_to_empty)
{
	unit("a.service", SIMPLE, "a");
	boot("a.service");
	cgroup_procs("a.service", "777\n"); /* a helper the daemon forked */
	stop("a.service");
	T_ASSERT(got(777, SIGTERM));
	dies(pid_of("/bin/a"), SIGTERM);
	T_EQ_STR(state("a.service"), "stopping");
	cgroup_procs("a.service", "");
	advance(1);
	T_EQ_STR(state("a.service"), "inactive");
}

TEST(stop_during_start_pre_signals_the_control_process)
{
	unit("a.service", "[Service]\nExecStartPre=/bin/pre\nExecStart=/bin/a\n");
	boot("a.service");
	stop("a.service");
	T_ASSERT(got(pid_of("/bin/pre"), SIGTERM));
	dies(pid_of("/bin/pre"), SIGTERM);
	T_EQ_STR(state("a.service"), "inactive");
	T_EQ_INT(pid_of("/bin/a"), 0);
}

TEST(stop_during_backoff_cancels_the_restart)
{
	unit("a.service", SIMPLE "Restart=always\n", "a");
	boot("a.service");
	exits(pid_of("/bin/a"), 1);
	stop("a.service");
	T_EQ_STR(state("a.service"), "inactive");
	advance(60000);
	T_EQ_INT(times_started("/bin/a"), 1);
}

TEST(operator_restart_starts_a_new_process)
{
	unit("a.service", SIMPLE "Restart=no\n", "a");
	boot("a.service");
	pid_t first = pid_of("/bin/a");
	T_EQ_INT(restart("a.service"), 0);
	T_EQ_STR(state("a.service"), "stopping");
	dies(first, SIGTERM);
	T_EQ_STR(state("a.service"), "running");
	T_ASSERT(pid_of("/bin/a") != first);
	T_EQ_INT(S("a.service")->restarts, 0); /* not an automatic restart */
}

/* ---- dependencies --------------------------------------------------------------------------- */

TEST(requires_waits_until_the_requirement_is_up)
{
	unit("a.service", NOTIFY, "a");
	unit("b.service", "[Unit]\nRequires=a.service\n" SIMPLE, "b");
	boot("b.service");
	T_EQ_STR(state("b.service"), "waiting");
	T_CONTAINS(S("b.service")->why, "waiting for a.service (required)");
	T_EQ_INT(pid_of("/bin/b"), 0);
	notify("a.service", "READY=1");
	T_EQ_STR(state("b.service"), "running");
}

TEST(requires_a_failed_unit_keeps_waiting)
{
	unit("a.service", NOTIFY, "a");
	unit("b.service", "[Unit]\nRequires=a.service\n" SIMPLE, "b");
	boot("b.service");
	exits(pid_of("/bin/a"), 1);
	T_EQ_STR(state("b.service"), "waiting");
	T_CONTAINS(S("b.service")->why, "requires a.service, which failed");
	T_EQ_INT(pid_of("/bin/b"), 0);
}

TEST(after_only_orders)
{
	unit("a.service", NOTIFY, "a");
	unit("b.service", "[Unit]\nAfter=a.service\n" SIMPLE, "b");
	boot("a.service b.service");
	T_EQ_INT(pid_of("/bin/b"), 0);
	exits(pid_of("/bin/a"), 1); /* settled, even if failed: After= does not require */
	T_EQ_STR(state("b.service"), "running");
}

TEST(after_a_unit_nobody_wants_does_not_wait)
{
	unit("a.service", NOTIFY, "a");
	unit("b.service", "[Unit]\nAfter=a.service\n" SIMPLE, "b");
	boot("b.service");
	T_EQ_STR(state("b.service"), "running");
	T_EQ_INT(pid_of("/bin/a"), 0);
}

TEST(binds_to_stops_with_the_unit_it_is_bound_to)
{
	unit("a.service", SIMPLE, "a");
	unit("b.service", "[Unit]\nBindsTo=a.service\n" SIMPLE, "b");
	boot("b.service");
	T_EQ_STR(state("b.service"), "running");
	stop("a.service");
	T_EQ_STR(state("b.service"), "running"); /* a is still stopping */
	dies(pid_of("/bin/a"), SIGTERM);
	T_EQ_STR(state("b.service"), "stopping");
	T_ASSERT(got(pid_of("/bin/b"), SIGTERM));
	dies(pid_of("/bin/b"), SIGTERM);
	T_EQ_STR(state("b.service"), "inactive");
	T_CONTAINS(S("b.service")->why, "bound to a.service, which is inactive");
}

TEST(binds_to_a_crashed_unit)
{
	unit("a.service", SIMPLE, "a");
	unit("b.service", "[Unit]\nBindsTo=a.service\n" SIMPLE, "b");
	boot("b.service");
	exits(pid_of("/bin/a"), 1);
	T_EQ_STR(state("b.service"), "stopping");
	dies(pid_of("/bin/b"), SIGTERM);
	T_CONTAINS(S("b.service")->why, "which is failed");
}

TEST(shutdown_stops_dependents_first)
{
	unit("a.service", SIMPLE, "a");
	unit("b.service", "[Unit]\nAfter=a.service\n" SIMPLE, "b");
	boot("a.service b.service");
	svcmgr_shutdown(&m);
	svcmgr_dispatch(&m);
	T_ASSERT(got(pid_of("/bin/b"), SIGTERM));
	T_ASSERT(!got(pid_of("/bin/a"), SIGTERM));
	dies(pid_of("/bin/b"), SIGTERM);
	T_ASSERT(got(pid_of("/bin/a"), SIGTERM));
	T_ASSERT(!svcmgr_all_stopped(&m));
	dies(pid_of("/bin/a"), SIGTERM);
	T_ASSERT(svcmgr_all_stopped(&m));
}

TEST(multi_user_target_waits_for_everything_wanted)
{
	unit("a.service", NOTIFY, "a");
	boot("a.service");
	T_ASSERT(S("multi-user.target")->state != SVC_RUNNING);
	notify("a.service", "READY=1");
	T_EQ_STR(state("multi-user.target"), "running");
}

/* default.target is the end of boot too; a wanted unit ordered after either target starts once both
 * are reached and does not hold them back (it used to: neither was ever reached). */
TEST(default_target_and_units_ordered_after_the_end_of_boot)
{
	unit("a.service", NOTIFY, "a");
	unit("late.service", "[Unit]\nAfter=multi-user.target\n" SIMPLE, "late");
	unit("later.service", "[Unit]\nWants=default.target\nAfter=default.target\n" SIMPLE, "later");
	boot("a.service late.service later.service");
	T_ASSERT(pid_of("/bin/late") <= 0);
	T_ASSERT(S("default.target")->state != SVC_RUNNING);
	T_ASSERT(svc_target_awaited(&m, "default.target"));
	notify("a.service", "READY=1");
	T_EQ_STR(state("multi-user.target"), "running");
	T_EQ_STR(state("default.target"), "running");
	T_ASSERT(!svc_target_awaited(&m, "default.target"));
	svcmgr_dispatch(&m);
	T_ASSERT(pid_of("/bin/late") > 0);
	T_ASSERT(pid_of("/bin/later") > 0);
	T_EQ_STR(state("late.service"), "running");
}

/* ---- conditions: looked at in a check child, never by PID 1 --------------------------------- */

/* The check child of name answers as the real check would on this file system now (the fake
 * spawn runs no child: the check's own function gives the exit code). */
static void check_answers(const char *name)
{
	pid_t pid = S(name)->check_pid;
	T_ASSERT(pid > 0);
	exits(pid, svc_conditions_check(S(name), -1, 0));
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int open_fds(void)
{
	int n = 0;
	char p[64];
	for (int fd = 0; fd < 1024; fd++) {
		snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
		n += access(p, F_OK) == 0;
	}
	return n;
}

TEST(false_condition_skips)
{
	unit("a.service", "[Unit]\nConditionPathExists=%s/absent\n" SIMPLE, dir, "a");
	boot("a.service");
	T_EQ_STR(state("a.service"), "waiting");
	T_EQ_INT(times_started("check"), 1);
	check_answers("a.service");
	T_EQ_STR(state("a.service"), "skipped");
	T_CONTAINS(S("a.service")->why, "condition failed for");
	T_EQ_INT(times_started("/bin/a"), 0);
}

TEST(true_condition_starts)
{
	unit("a.service", "[Unit]\nConditionPathIsDirectory=%s/units\n" SIMPLE, dir, "a");
	boot("a.service");
	T_EQ_INT(times_started("/bin/a"), 0);
	check_answers("a.service");
	T_EQ_STR(state("a.service"), "running");
	T_EQ_INT(times_started("/bin/a"), 1);
	T_EQ_INT(S("a.service")->check_fd, -1);
}

TEST(failed_assertion_fails)
{
	unit("a.service", "[Unit]\nAssertPathExists=%s/absent\n" SIMPLE, dir, "a");
	boot("a.service");
	check_answers("a.service");
	T_EQ_STR(state("a.service"), "failed");
	T_CONTAINS(S("a.service")->why, "assertion failed");
	T_EQ_INT(times_started("/bin/a"), 0);
}

/* A path on a hung file system: the check child never answers. PID 1 goes on with the other
 * units, and at the deadline kills the child, closes its pipe and skips the unit, naming the path. */
TEST(condition_check_that_never_answers_times_out)
{
	unit("hung.service", "[Unit]\nConditionPathExists=/share/x\n" SIMPLE, "hung");
	unit("b.service", SIMPLE, "b");
	boot("hung.service b.service");
	T_EQ_STR(state("b.service"), "running");
	T_EQ_STR(state("hung.service"), "waiting");
	pid_t check = pid_of("check");
	T_ASSERT(check > 0);
	int fds = open_fds(), progress = S("hung.service")->check_fd;
	T_ASSERT(progress >= 0 && fcntl(progress, F_GETFD) >= 0); /* the progress pipe's read end */
	advance(SVC_CHECK_ANSWER_MS - 1);
	T_EQ_STR(state("hung.service"), "waiting");
	T_ASSERT(!got(check, SIGKILL));
	advance(1);
	T_EQ_STR(state("hung.service"), "skipped");
	T_CONTAINS(S("hung.service")->why, "ConditionPathExists=/share/x: no answer within 5 s (path on a hung filesystem?)");
	T_CONTAINS(console(), "skipped hung.service: ConditionPathExists=/share/x: no answer within 5 s");
	T_ASSERT(got(check, SIGKILL));
	T_EQ_INT(S("hung.service")->check_pid, 0);
	T_EQ_INT(open_fds(), fds - 1);
	T_ASSERT(fcntl(progress, F_GETFD) < 0);
	/* When the killed child dies at last, it is no answer: the unit only forgets it. */
	T_ASSERT(svcmgr_child_exited(&m, check, W_EXITCODE(0, SIGKILL)));
	T_EQ_INT(S("hung.service")->check_stuck_pid, 0);
	T_EQ_STR(state("hung.service"), "skipped");
	T_EQ_INT(times_started("/bin/hung"), 0);
	T_EQ_STR(state("multi-user.target"), "running");
}

/* The dispatch's answer says when the deadline is: PID 1's loop sleeps no longer than that. */
/* The child says which path it looks at: the message names the one it was stuck on. */
TEST(the_timeout_names_the_path_the_child_was_at)
{
	unit("hung.service", "[Unit]\nConditionPathIsDirectory=/\nConditionFileNotEmpty=!/share/y\n" SIMPLE, "hung");
	boot("hung.service");
	int progress = spawns[nspawns - 1].progress;
	svc_check_progress(progress, 0);
	svc_check_progress(progress, 1);
	advance(SVC_CHECK_ANSWER_MS);
	T_CONTAINS(S("hung.service")->why, "ConditionFileNotEmpty=!/share/y: no answer within 5 s");
}

/* What the child itself does: each path announced before it is looked at, and a
 * StartWhenExists= path that is not there watched for the time it is given. */
TEST(the_child_announces_each_path_and_watches)
{
	char flag[128];
	snprintf(flag, sizeof flag, "%s/flag", dir);
	unit("a.service", "[Unit]\nConditionPathIsDirectory=%s\nConditionPathExists=%s\n" SIMPLE
		"[X-Ekinit]\nStartWhenExists=%s\n", dir, dir, "a", flag);
	boot("a.service");
	int p[2];
	T_ASSERT(pipe(p) == 0);
	double t0 = mono_ms();
	T_EQ_INT(svc_conditions_check(S("a.service"), p[1], 100), SVC_COND_ABSENT);
	T_ASSERT(mono_ms() - t0 >= 100);
	unsigned char b[8];
	T_EQ_INT((int)read(p[0], b, sizeof b), 3);
	T_ASSERT(b[0] == 0 && b[1] == 1 && b[2] == 2);
	t_write(flag, "");
	T_EQ_INT(svc_conditions_check(S("a.service"), -1, 100), SVC_COND_START);
	close(p[0]);
	close(p[1]);
}

TEST(the_check_deadline_wakes_the_loop)
{
	unit("hung.service", "[Unit]\nConditionPathExists=/share/x\n" SIMPLE, "hung");
	boot("hung.service");
	int wait = svcmgr_dispatch(&m);
	T_ASSERT(wait > 0 && wait <= SVC_CHECK_ANSWER_MS + 1);
}

TEST(stop_while_checking_kills_the_check)
{
	unit("hung.service", "[Unit]\nConditionPathExists=/share/x\n" SIMPLE, "hung");
	boot("hung.service");
	pid_t check = pid_of("check");
	stop("hung.service");
	T_EQ_STR(state("hung.service"), "inactive");
	T_ASSERT(got(check, SIGKILL));
	T_EQ_INT(S("hung.service")->check_fd, -1);
}

TEST(start_when_exists_waits_for_the_file)
{
	char flag[128];
	snprintf(flag, sizeof flag, "%s/flag", dir);
	unit("a.service", SIMPLE "[X-Ekinit]\nStartWhenExists=%s\n", "a", flag);
	boot("a.service");
	check_answers("a.service");
	T_EQ_STR(state("a.service"), "waiting");
	T_CONTAINS(S("a.service")->why, "to exist");
	T_EQ_INT(times_started("/bin/a"), 0);
	/* The next look is a new child, a moment later. */
	T_EQ_INT(S("a.service")->check_pid, 0);
	advance(SVC_CHECK_AGAIN_MS);
	T_EQ_INT(times_started("check"), 2);
	t_write(flag, "");
	check_answers("a.service");
	T_EQ_STR(state("a.service"), "running");
}

/* The watch of a StartWhenExists= path on a hung mount: the child gets its watch time plus the
 * answer time, then the unit is skipped with the path named. */
TEST(start_when_exists_on_a_hung_path_times_out)
{
	unit("a.service", SIMPLE "[X-Ekinit]\nStartWhenExists=/share/flag\n", "a");
	unit("b.service", SIMPLE, "b");
	boot("a.service b.service");
	T_EQ_STR(state("b.service"), "running");
	pid_t check = pid_of("check");
	advance(SVC_CHECK_WATCH_MS + SVC_CHECK_ANSWER_MS - 1);
	T_EQ_STR(state("a.service"), "waiting");
	advance(1);
	T_EQ_STR(state("a.service"), "skipped");
	T_CONTAINS(S("a.service")->why, "StartWhenExists=/share/flag: no answer within 10 s");
	T_ASSERT(got(check, SIGKILL));
}

/* RuntimeDirectory= is made in a child too; ExecStartPre= waits for it, and a child that never
 * answers fails the start. */
TEST(runtime_directory_is_made_before_the_first_command)
{
	unit("a.service", "[Service]\nRuntimeDirectory=rt-a\nExecStartPre=/bin/pre\nExecStart=/bin/a\n");
	boot("a.service");
	T_EQ_STR(state("a.service"), "starting");
	T_EQ_INT(times_started("check"), 1);
	T_EQ_INT(times_started("/bin/pre"), 0);
	exits(pid_of("check"), 0);
	T_EQ_INT(times_started("/bin/pre"), 1);
}

TEST(runtime_directory_that_never_answers_fails_the_start)
{
	unit("a.service", "[Service]\nRuntimeDirectory=rt-a\nExecStart=/bin/a\n");
	unit("b.service", SIMPLE, "b");
	boot("a.service b.service");
	T_EQ_STR(state("b.service"), "running");
	pid_t check = pid_of("check");
	advance(SVC_CHECK_ANSWER_MS);
	T_ASSERT(got(check, SIGKILL));
	T_EQ_STR(state("a.service"), "failed");
	T_CONTAINS(S("a.service")->why, "RuntimeDirectory=rt-a: no answer within 5 s (path on a hung filesystem?)");
	T_CONTAINS(console(), "a.service failed: RuntimeDirectory=rt-a: no answer");
	T_EQ_INT(times_started("/bin/a"), 0);
}

/* A killed check child stuck in a hung file system may never die. A unit that keeps restarting
 * must not fork one more such child per attempt: while the killed one lives, each attempt fails
 * at once, naming it; when it is reaped at last, the next attempt looks at the paths again. */
TEST(a_stuck_directory_check_is_not_forked_again)
{
	unit("a.service", "[Service]\nRuntimeDirectory=rt-a\nExecStart=/bin/a\nRestart=always\nRestartSec=1\n"
		"StartLimitBurst=0\n");
	boot("a.service");
	pid_t check = pid_of("check");
	advance(SVC_CHECK_ANSWER_MS);
	T_ASSERT(got(check, SIGKILL));
	T_EQ_STR(state("a.service"), "restarting");
	for (int i = 0; i < 10; i++)
		advance(30000); /* past any restart delay: ten more attempts */
	T_EQ_INT(times_started("check"), 1);
	T_ASSERT(S("a.service")->restarts >= 10);
	T_CONTAINS(S("a.service")->why, "still stuck");
	T_EQ_INT(times_started("/bin/a"), 0);
	/* The hung file system came back: the killed child ends, the next attempt checks afresh. */
	T_ASSERT(svcmgr_child_exited(&m, check, W_EXITCODE(0, SIGKILL)));
	svcmgr_dispatch(&m);
	advance(30000);
	T_EQ_INT(times_started("check"), 2);
	exits(pid_of("check"), 0);
	T_EQ_STR(state("a.service"), "running");
}

TEST(a_stuck_condition_check_is_not_forked_again)
{
	unit("hung.service", "[Unit]\nConditionPathExists=/share/x\n" SIMPLE, "hung");
	boot("hung.service");
	pid_t check = pid_of("check");
	advance(SVC_CHECK_ANSWER_MS);
	T_EQ_STR(state("hung.service"), "skipped");
	T_EQ_INT(start("hung.service"), 0);
	advance(0);
	T_EQ_INT(times_started("check"), 1);
	T_EQ_STR(state("hung.service"), "skipped");
	T_CONTAINS(S("hung.service")->why, "still stuck");
	T_ASSERT(svcmgr_child_exited(&m, check, W_EXITCODE(0, SIGKILL)));
	T_EQ_INT(start("hung.service"), 0);
	advance(0);
	T_EQ_INT(times_started("check"), 2);
}

/* ---- daemon-reload -------------------------------------------------------------------------- */

TEST(reload_while_running_applies_at_the_next_start)
{
	unit("a.service", SIMPLE, "old");
	boot("a.service");
	unit("a.service", SIMPLE, "new");
	char err[200];
	T_EQ_INT(svcmgr_reload_units(&m, err, sizeof err), 0);
	T_EQ_STR(S("a.service")->u.exec[UNIT_EXEC_START].v[0].path, "/bin/old");
	restart("a.service");
	dies(pid_of("/bin/old"), SIGTERM);
	T_ASSERT(pid_of("/bin/new") > 0);
	T_EQ_STR(state("a.service"), "running");
}

TEST(reload_of_an_idle_unit_applies_at_once)
{
	unit("a.service", SIMPLE, "old");
	boot("a.service");
	exits(pid_of("/bin/old"), 1);
	unit("a.service", SIMPLE, "new");
	char err[200];
	svcmgr_reload_units(&m, err, sizeof err);
	T_EQ_STR(S("a.service")->u.exec[UNIT_EXEC_START].v[0].path, "/bin/new");
}

TEST(reload_mid_oneshot_keeps_the_running_list)
{
	unit("a.service", "[Service]\nType=oneshot\nExecStart=/bin/one\nExecStart=/bin/two\n");
	boot("a.service");
	unit("a.service", "[Service]\nType=oneshot\nExecStart=/bin/x\n");
	char err[200];
	svcmgr_reload_units(&m, err, sizeof err);
	exits(pid_of("/bin/one"), 0);
	T_ASSERT(pid_of("/bin/two") > 0); /* the old list, not read past the new one's end */
	exits(pid_of("/bin/two"), 0);
	T_EQ_STR(state("a.service"), "exited");
	T_EQ_STR(S("a.service")->u.exec[UNIT_EXEC_START].v[0].path, "/bin/x");
}

/* ---- operator requests and logs -------------------------------------------------------------- */

TEST(exec_reload_runs_beside_the_main_process)
{
	unit("a.service", SIMPLE "ExecReload=/bin/reload\n", "a");
	boot("a.service");
	char err[200];
	T_EQ_INT(svcmgr_reload(&m, "a.service", err, sizeof err), 0);
	T_ASSERT(pid_of("/bin/reload") > 0);
	exits(pid_of("/bin/reload"), 0);
	T_EQ_STR(state("a.service"), "running");
	T_EQ_STR(S("a.service")->why, "reloaded");
}

/* haproxy's unit: a check, then `kill -USR2 $MAINPID`. Only the first ran once, so haproxy never
 * re-read its configuration (the cluster scenario's VIP reached one control node). */
TEST(every_exec_reload_runs_in_order)
{
	unit("a.service", SIMPLE "ExecReload=/bin/check\nExecReload=/bin/kill -USR2 $MAINPID\n", "a");
	boot("a.service");
	char err[200];
	T_EQ_INT(svcmgr_reload(&m, "a.service", err, sizeof err), 0);
	T_EQ_INT(svcmgr_reload(&m, "a.service", err, sizeof err), -EBUSY);
	T_CONTAINS(err, "reloading already");
	T_EQ_INT(pid_of("/bin/kill"), 0);
	exits(pid_of("/bin/check"), 0);
	T_ASSERT(pid_of("/bin/kill") > 0);
	T_ASSERT(S("a.service")->reload_pending);
	exits(pid_of("/bin/kill"), 0);
	T_EQ_STR(S("a.service")->why, "reloaded");
	T_EQ_INT(svcmgr_reload(&m, "a.service", err, sizeof err), 0);
}

TEST(a_failed_exec_reload_ends_the_reload)
{
	unit("a.service", SIMPLE "ExecReload=/bin/check\nExecReload=/bin/kill -USR2 $MAINPID\n", "a");
	boot("a.service");
	char err[200];
	T_EQ_INT(svcmgr_reload(&m, "a.service", err, sizeof err), 0);
	exits(pid_of("/bin/check"), 1);
	T_EQ_INT(pid_of("/bin/kill"), 0);
	T_EQ_STR(state("a.service"), "running");
	T_CONTAINS(S("a.service")->why, "reload failed");
}

TEST(reload_of_a_unit_that_is_not_running_is_refused)
{
	unit("a.service", SIMPLE "ExecReload=/bin/reload\n", "a");
	boot("");
	char err[200];
	T_EQ_INT(svcmgr_reload(&m, "a.service", err, sizeof err), -EINVAL);
	T_CONTAINS(err, "not running");
	T_EQ_INT(nspawns, 0);
}

TEST(start_of_an_unknown_unit_is_not_found)
{
	boot("");
	char err[200];
	T_EQ_INT(svcmgr_start(&m, "nope.service", err, sizeof err), -ENOENT);
	T_CONTAINS(err, "not-found");
}

TEST(log_records_each_process)
{
	unit("a.service", SIMPLE, "a");
	boot("a.service");
	exits(pid_of("/bin/a"), 0);
	char out[2048];
	struct strbuf sb;
	sb_init(&sb, out, sizeof out);
	T_EQ_INT(svcmgr_log_tail(&m, "a.service", 10, &sb), 0);
	T_CONTAINS(out, "ekinit: started /bin/a (pid 1000)");
	T_CONTAINS(out, "ekinit: main process 1000: exit status 0");
}

int main(void)
{
	if (pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	ek_log_set_fd(logpipe[1]);
	ek_sys.now_ms = fake_now;
	ek_sys.spawn = fake_spawn;
	ek_sys.kill = fake_kill;
	ek_sys.pidfd_open = fake_pidfd_open;
	ek_sys.pidfd_send_signal = fake_pidfd_send_signal;
	ek_sys.waitid = fake_waitid;
	ek_sys.open = fake_open;
	RUN(simple_is_running_once_spawned);
	RUN(notify_waits_for_ready);
	RUN(notify_status_is_kept_and_sanitised);
	RUN(notify_several_lines_in_one_datagram);
	RUN(ready_from_a_forking_service_is_ignored);
	RUN(oneshot_runs_its_commands_one_after_another);
	RUN(oneshot_remain_after_exit_is_active);
	RUN(oneshot_failure_stops_the_list);
	RUN(oneshot_dash_prefix_ignores_failure);
	RUN(start_pre_runs_before_start);
	RUN(start_pre_failure_fails_the_start);
	RUN(start_post_runs_after_ready);
	RUN(start_timeout_stops_and_fails);
	RUN(extend_timeout_moves_the_deadline);
	RUN(exit_before_ready_fails);
	RUN(spawn_failure_fails_the_start);
	RUN(probe_retries_until_it_passes);
	RUN(forking_without_pidfile_lives_in_its_cgroup);
	RUN(forking_pidfile_names_the_main_process);
	RUN(pidfile_naming_a_foreign_process_is_refused);
	RUN(mainpid_of_the_service_is_adopted);
	RUN(mainpid_of_another_service_is_refused);
	RUN(adopted_main_exit_is_seen_through_its_pidfd);
	RUN(exits_that_are_not_restarted);
	RUN(on_failure_restarts_after_restart_sec);
	RUN(always_restarts_a_clean_exit);
	RUN(backoff_doubles_per_crash);
	RUN(backoff_is_capped_at_30_s);
	RUN(backoff_resets_after_a_long_run);
	RUN(operator_start_skips_the_backoff);
	RUN(start_limit_fails_the_burst_plus_one_start);
	RUN(start_limit_window_runs_out);
	RUN(operator_start_clears_the_start_limit);
	RUN(stop_sends_kill_signal_then_waits_for_the_exit);
	RUN(kill_signal_is_used);
	RUN(stop_timeout_escalates_to_sigkill);
	RUN(processes_surviving_sigkill_are_given_up);
	RUN(exec_stop_runs_before_the_signal);
	RUN(exec_stop_post_runs_after_the_main_process);
	RUN(stop_waits_for_the_cgroup_to_empty);
	RUN(stop_during_start_pre_signals_the_control_process);
	RUN(stop_during_backoff_cancels_the_restart);
	RUN(operator_restart_starts_a_new_process);
	RUN(requires_waits_until_the_requirement_is_up);
	RUN(requires_a_failed_unit_keeps_waiting);
	RUN(after_only_orders);
	RUN(after_a_unit_nobody_wants_does_not_wait);
	RUN(binds_to_stops_with_the_unit_it_is_bound_to);
	RUN(binds_to_a_crashed_unit);
	RUN(shutdown_stops_dependents_first);
	RUN(multi_user_target_waits_for_everything_wanted);
	RUN(default_target_and_units_ordered_after_the_end_of_boot);
	RUN(false_condition_skips);
	RUN(true_condition_starts);
	RUN(failed_assertion_fails);
	RUN(condition_check_that_never_answers_times_out);
	RUN(the_timeout_names_the_path_the_child_was_at);
	RUN(the_child_announces_each_path_and_watches);
	RUN(the_check_deadline_wakes_the_loop);
	RUN(stop_while_checking_kills_the_check);
	RUN(start_when_exists_waits_for_the_file);
	RUN(start_when_exists_on_a_hung_path_times_out);
	RUN(runtime_directory_is_made_before_the_first_command);
	RUN(runtime_directory_that_never_answers_fails_the_start);
	RUN(a_stuck_directory_check_is_not_forked_again);
	RUN(a_stuck_condition_check_is_not_forked_again);
	RUN(reload_while_running_applies_at_the_next_start);
	RUN(reload_of_an_idle_unit_applies_at_once);
	RUN(reload_mid_oneshot_keeps_the_running_list);
	RUN(exec_reload_runs_beside_the_main_process);
	RUN(every_exec_reload_runs_in_order);
	RUN(a_failed_exec_reload_ends_the_reload);
	RUN(reload_of_a_unit_that_is_not_running_is_refused);
	RUN(start_of_an_unknown_unit_is_not_found);
	RUN(log_records_each_process);
	return T_END();
}
