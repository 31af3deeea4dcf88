/* Starting a service's process: fork, then in the child join the service's cgroup, set up its
 * environment, limits, working directory and output, and exec. Everything that can go wrong in
 * the child is written to the service's log and the child exits with systemd's codes (203: exec
 * failed, 200: set-up failed), which PID 1 turns into a reason. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "envfile.h"
#include "log.h"
#include "signals.h"
#include "svc_internal.h"
#include "unit_exec.h"

#define EXIT_SETUP 200
#define EXIT_EXEC 203
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void child_fail(const char *what, const char *name)
{
	fprintf(stderr, "ekinit: %s: %s\n", what, strerror(errno));
	(void)name;
	_exit(EXIT_SETUP);
}

/* The kernel refuses RLIMIT_NOFILE above fs.nr_open, so "infinity" means nr_open there (as in
 * systemd); everywhere else infinity is RLIM_INFINITY. */
static rlim_t limit_value(int res, uint64_t v)
{
	if (v != UNIT_INFINITY)
		return (rlim_t)v;
	if (res != RLIMIT_NOFILE)
		return RLIM_INFINITY;
	unsigned long nr_open = 1048576;
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");
	if (f) {
		if (fscanf(f, "%lu", &nr_open) != 1)
			nr_open = 1048576;
		fclose(f);
	}
	return (rlim_t)nr_open;
}

static void set_limit(int res, const char *key, const struct unit_rlimit *l)
{
	if (!l->set)
		return;
	struct rlimit r = {.rlim_cur = limit_value(res, l->soft), .rlim_max = limit_value(res, l->hard)};
	/* Messages from the child go to the service's log, where "ekinit:" says who speaks. */
	if (setrlimit(res, &r) < 0)
		fprintf(stderr, "ekinit: %s: %s (continuing with the default)\n", key, strerror(errno));
}

static void join_cgroup(struct svcmgr *m, struct svc *s)
{
	char path[600];
	if (svc_cgroup_path(m, s, path, sizeof path - 16) < 0)
		return;
	strcat(path, "/cgroup.procs");
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) < 0)
		fprintf(stderr, "ekinit: joining %s: %s (continuing outside it)\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void build_env(struct svcmgr *m, struct svc *s, bool main_process, struct unit_strv *env)
{
	char buf[256];
	unit_strv_add(env, "PATH=" DEFAULT_PATH);
	unit_strv_add(env, "LANG=C.UTF-8");
	snprintf(buf, sizeof buf, "INVOCATION_UNIT=%s", s->name);
	unit_strv_add(env, buf);
	if (s->u.runtime_directory.n) {
		snprintf(buf, sizeof buf, "RUNTIME_DIRECTORY=/run/%s", s->u.runtime_directory.v[0]);
		unit_strv_add(env, buf);
	}
	if (s->u.state_directory.n) {
		snprintf(buf, sizeof buf, "STATE_DIRECTORY=/var/lib/%s", s->u.state_directory.v[0]);
		unit_strv_add(env, buf);
	}
	if (s->main_pid > 0) {
		snprintf(buf, sizeof buf, "MAINPID=%d", (int)s->main_pid);
		unit_strv_add(env, buf);
	}
	if (main_process && s->u.type == UNIT_TYPE_NOTIFY && m->notify_fd >= 0) {
		snprintf(buf, sizeof buf, "NOTIFY_SOCKET=%s", m->notify_path);
		unit_strv_add(env, buf);
	}
	/* HOME and USER follow User= as systemd sets them. */
	struct passwd *pw = s->u.user ? getpwnam(s->u.user) : NULL;
	snprintf(buf, sizeof buf, "HOME=%s", pw ? pw->pw_dir : "/root");
	unit_strv_add(env, buf);
	snprintf(buf, sizeof buf, "USER=%s", pw ? pw->pw_name : "root");
	unit_strv_add(env, buf);
	for (size_t i = 0; i < s->u.environment.n; i++)
		unit_strv_add(env, s->u.environment.v[i]);
	for (size_t i = 0; i < s->u.environment_files.n; i++) {
		const struct unit_envfile *ef = &s->u.environment_files.v[i];
		int r = envfile_read(ef->path, env, stderr);
		if (r < 0 && !(ef->optional && r == -ENOENT)) {
			fprintf(stderr, "ekinit: EnvironmentFile=%s: %s\n", ef->path, strerror(-r));
			_exit(EXIT_SETUP);
		}
	}
}

static void become_user(struct svc *s, bool privileged)
{
	if (privileged || (!s->u.user && !s->u.group))
		return;
	struct passwd *pw = s->u.user ? getpwnam(s->u.user) : NULL;
	struct group *gr = s->u.group ? getgrnam(s->u.group) : NULL;
	if (s->u.user && !pw) {
		errno = ENOENT;
		child_fail("User= does not exist", s->name);
	}
	if (s->u.group && !gr) {
		errno = ENOENT;
		child_fail("Group= does not exist", s->name);
	}
	gid_t gid = gr ? gr->gr_gid : pw->pw_gid;
	if ((pw && initgroups(pw->pw_name, gid) < 0) || setgid(gid) < 0)
		child_fail("setting the group", s->name);
	if (pw && setuid(pw->pw_uid) < 0)
		child_fail("setting the user", s->name);
}

pid_t svc_spawn(struct svcmgr *m, struct svc *s, const struct unit_exec *cmd, bool main_process, char *err,
		size_t cap)
{
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, cap, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid > 0) {
		/* Into the service's cgroup from this side too, before anyone can ask for a stop: the
		 * child's own join below may not have happened yet when svc_spawn returns. */
		char path[600];
		if (svc_cgroup_path(m, s, path, sizeof path - 16) == 0) {
			strcat(path, "/cgroup.procs");
			int fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0) {
				dprintf(fd, "%d", (int)pid);
				close(fd);
			}
		}
		return pid;
	}

	signals_reset_for_child();
	setsid();
	join_cgroup(m, s);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0)
		dup2(null, 0);
	if (s->log_wr >= 0) {
		dup2(s->log_wr, 1);
		dup2(s->log_wr, 2);
	}
	set_limit(RLIMIT_NOFILE, "LimitNOFILE", &s->u.limit_nofile);
	set_limit(RLIMIT_NPROC, "LimitNPROC", &s->u.limit_nproc);
	set_limit(RLIMIT_CORE, "LimitCORE", &s->u.limit_core);
	if (s->u.oom_score_adjust_set) {
		FILE *f = fopen("/proc/self/oom_score_adj", "we");
		if (!f || fprintf(f, "%d\n", s->u.oom_score_adjust) < 0)
			fprintf(stderr, "ekinit: OOMScoreAdjust: %s (continuing)\n", strerror(errno));
		if (f)
			fclose(f);
	}
	struct unit_strv env = {0}, argv = {0};
	build_env(m, s, main_process, &env);
	const char *wd = s->u.working_directory ? s->u.working_directory : "/";
	if (!strcmp(wd, "~"))
		wd = getenv("HOME") ? getenv("HOME") : "/root";
	if (chdir(wd) < 0 && !s->u.working_directory_optional)
		child_fail("WorkingDirectory", s->name);
	become_user(s, cmd->flags & (UNIT_EXEC_FULL_PRIVILEGES | UNIT_EXEC_NO_SETUID | UNIT_EXEC_AMBIENT));
	if (unit_expand_exec(cmd, (const char *const *)env.v, &argv) < 0 || argv.n == 0)
		child_fail("expanding the command line", s->name);
	/* The child's own environ for execvpe's PATH search. */
	environ = env.v;
	execvpe(cmd->path, argv.v, env.v);
	fprintf(stderr, "ekinit: cannot execute %s: %s\n", cmd->path, strerror(errno));
	_exit(EXIT_EXEC);
}

/* ---- readiness probes: one attempt per child, so PID 1 never blocks on a socket ------------- */

static int probe_connect(int family, const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, sa, len) < 0)
		return -1;
	return fd;
}

static int probe_tcp(const char *host, unsigned port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res, *ai;
	char portstr[16];
	snprintf(portstr, sizeof portstr, "%u", port);
	if (getaddrinfo(host, portstr, &hints, &res) != 0)
		return -1;
	int fd = -1;
	for (ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = probe_connect(ai->ai_family, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(res);
	return fd;
}

/* A minimal HTTP/1.0 GET: ready when the status line says 2xx. */
static int probe_http(const struct unit_probe *p)
{
	int fd = probe_tcp(p->host, p->port ? p->port : 80);
	if (fd < 0)
		return 1;
	char req[1024], resp[64];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: ekinit-probe\r\n\r\n",
			 p->path && *p->path ? p->path : "/", p->host);
	if (n < 0 || (size_t)n >= sizeof req || write(fd, req, (size_t)n) != n)
		return 1;
	ssize_t got = 0, r;
	while (got < (ssize_t)sizeof resp - 1 && (r = read(fd, resp + got, sizeof resp - 1 - (size_t)got)) > 0)
		got += r;
	resp[got > 0 ? got : 0] = '\0';
	return !(got >= 12 && !strncmp(resp, "HTTP/1.", 7) && resp[9] == '2');
}

pid_t svc_spawn_probe(struct svcmgr *m, struct svc *s)
{
	const struct unit_probe *p = &s->u.ready_probe;
	if (p->kind == UNIT_PROBE_EXEC) {
		char err[160];
		return svc_spawn(m, s, &p->exec, false, err, sizeof err);
	}
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	signals_reset_for_child();
	alarm(5); /* one attempt never takes long: a hung peer counts as not ready */
	int ok = 1;
	switch (p->kind) {
	case UNIT_PROBE_TCP: {
		int fd = probe_tcp(p->host, p->port);
		ok = fd < 0;
		break;
	}
	case UNIT_PROBE_HTTP:
		ok = probe_http(p);
		break;
	case UNIT_PROBE_UNIX: {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", p->path);
		ok = probe_connect(AF_UNIX, (struct sockaddr *)&sa, sizeof sa) < 0;
		break;
	}
	case UNIT_PROBE_FILE:
		ok = access(p->path, F_OK) < 0;
		break;
	default:
		ok = 0;
	}
	_exit(ok);
}
