/* ekctl: the operator's client for ekinit's control socket. Also installed as reboot, poweroff and
 * halt (busybox-style: the name picks the verb) and as systemctl (systemctl.c). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "proto.h"
#include "client.h"
#include "follow.h"
#include "jobs.h"
#include "mapping.h"
#include "output.h"
#include "systemctl.h"
#include "verify.h"

#define EXIT_USAGE 2
#define EXIT_NOT_FOUND_STATUS 4 /* as systemctl status */
#define LOG_DIR "/run/log/ekinit"

static void usage(FILE *f)
{
	fprintf(f, "usage: ekctl [-f] COMMAND [ARGS]\n"
		   "  status [NAME] [--json]          PID 1's state, timeline, warnings and services; or one unit\n"
		   "  start|stop|restart|reload NAME...  queue the job and wait for the outcome\n"
		   "        [--no-block] [--timeout S]   (exit 0 done, 1 failed or timed out, 5 no such unit)\n"
		   "  enable|disable NAME... [--now]  for this boot only\n"
		   "  list [--json]                   every unit\n"
		   "  logs [-f] [-n N] NAME           the last N (20) lines of NAME's log; -f follows the file\n"
		   "  analyze [--json]                boot blame and critical chain\n"
		   "  daemon-reload                   reread the unit files\n"
		   "  verify FILE...                  check unit files offline (exit 1 on errors; warnings are fine)\n"
		   "  reboot | poweroff | halt        ask PID 1 for an orderly shutdown\n"
		   "options:\n"
		   "  -f, --force       reboot/poweroff/halt at once with reboot(2), without PID 1\n"
		   "  -h, --help        this text\n"
		   "A NAME without a suffix means NAME.service. Also runs as 'reboot', 'poweroff', 'halt' and\n"
		   "'systemctl' (systemctl's verbs and exit codes; see 'systemctl --help').\n"
		   "Environment: EKCTL_SOCKET overrides the socket path (%s), EKCTL_LOG_DIR the log\n"
		   "directory (%s).\n",
		   EK_CONTROL_PATH, LOG_DIR);
}

/* The words and options after the verb. */
struct args {
	int n;
	const char *w[EKC_JOBS_MAX];
	char names[EKC_JOBS_MAX][EK_ARG_MAX];
	bool json, no_block, now, follow;
	double timeout_s;
	long lines;
};

static int bad(const char *fmt, const char *what)
{
	fprintf(stderr, "ekctl: ");
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static int number(const char *s, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof *a);
	a->timeout_s = EKC_JOB_TIMEOUT_S;
	a->lines = 20;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i], *val = NULL;
		double v;
		if (!strcmp(s, "--json"))
			a->json = true;
		else if (!strcmp(s, "--no-block"))
			a->no_block = true;
		else if (!strcmp(s, "--now"))
			a->now = true;
		else if (!strcmp(s, "-f") || !strcmp(s, "--follow"))
			a->follow = true;
		else if (!strcmp(s, "--timeout") || !strcmp(s, "-n") || !strcmp(s, "--lines")) {
			if (++i == argc)
				return bad("%s needs a value", s);
			val = argv[i];
		} else if (!strncmp(s, "--timeout=", 10) || !strncmp(s, "--lines=", 8))
			val = strchr(s, '=') + 1;
		else if (!strncmp(s, "-n", 2))
			val = s + 2;
		else if (s[0] == '-')
			return bad("unknown option %s", s);
		else if (a->n == EKC_JOBS_MAX)
			return bad("%s: too many names", s);
		else
			a->w[a->n++] = s;
		if (!val)
			continue;
		if (strstr(s, "timeout")) {
			if (number(val, 86400, &v) < 0)
				return bad("--timeout: '%s' is not a number of seconds", val);
			a->timeout_s = v;
		} else {
			if (number(val, 100000, &v) < 0 || v != (double)(long)v)
				return bad("-n: '%s' is not a line count", val);
			a->lines = (long)v;
		}
	}
	return 0;
}

/* Turns the words into unit names (kubelet -> kubelet.service) in place. */
static int normalise(struct args *a)
{
	for (int i = 0; i < a->n; i++) {
		if (ekc_unit_name(a->w[i], a->names[i], sizeof a->names[i]) < 0)
			return bad("'%s' is not a valid unit name", a->w[i]);
		a->w[i] = a->names[i];
	}
	return 0;
}

static int kind_exit(int k)
{
	return k == EKC_OK ? 0 : k == EKC_NOT_FOUND ? EXIT_NOT_FOUND_STATUS : 1;
}

static int shutdown_cmd(const char *verb)
{
	return !strcmp(verb, "reboot") ? RB_AUTOBOOT : !strcmp(verb, "poweroff") ? RB_POWER_OFF : RB_HALT_SYSTEM;
}

static bool is_shutdown_verb(const char *v)
{
	return !strcmp(v, "reboot") || !strcmp(v, "poweroff") || !strcmp(v, "halt");
}

/* When the socket is gone (PID 1 still booting, or /run lost) the signal protocol still works, but
 * only if PID 1 really is ekinit: the same signals mean other things to other inits. */
static int signal_pid1(const char *verb)
{
	char comm[32] = "";
	int fd = open("/proc/1/comm", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, comm, sizeof comm - 1) : -1;
	if (fd >= 0)
		close(fd);
	comm[n > 0 ? n : 0] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	if (strcmp(comm, "ekinit"))
		return -1;
	int sig = !strcmp(verb, "reboot") ? SIGTERM : !strcmp(verb, "poweroff") ? SIGUSR2 : SIGUSR1;
	return kill(1, sig);
}

static int shutdown_verb(const char *verb, bool force, int argc)
{
	static char reply[EK_REPLY_MAX + 1];
	char err[256];
	if (argc)
		return bad("%s takes no arguments", verb);
	if (force) {
		sync();
		reboot(shutdown_cmd(verb));
		fprintf(stderr, "ekctl: %s -f: %s\n", verb, strerror(errno));
		return 1;
	}
	int r = ekc_call(verb, 0, NULL, reply, sizeof reply, err, sizeof err);
	if (r == -EINVAL) {
		fprintf(stderr, "ekctl: %s\n", err);
		return EXIT_USAGE;
	}
	if (r < 0) {
		if (signal_pid1(verb) == 0) {
			printf("%s requested by signal (%s)\n", verb, err);
			return 0;
		}
		fprintf(stderr, "ekctl: %s (use -f to act without it)\n", err);
		return 1;
	}
	return ekc_print_reply("ekctl", verb, reply) == EKC_OK ? 0 : 1;
}

static int logs(struct args *a)
{
	const char *dir = getenv("EKCTL_LOG_DIR");
	char n[24];
	if (a->n != 1)
		return bad("%s", "logs needs exactly one unit name");
	if (!dir || !*dir)
		dir = LOG_DIR;
	if (a->follow)
		return ekc_follow(dir, a->w[0], (unsigned)a->lines);
	snprintf(n, sizeof n, "%ld", a->lines);
	int k = ekc_pass("ekctl", "logs", a->w[0], n);
	if (k >= 0)
		return kind_exit(k);
	/* PID 1 unreachable: the files are still there to read. */
	int r = ekc_tail(dir, a->w[0], (unsigned)a->lines);
	if (r < 0)
		fprintf(stderr, "ekctl: %s/%s.log: %s\n", dir, a->w[0], strerror(-r));
	return r < 0 ? 1 : 0;
}

static int job(enum ekc_job j, struct args *a)
{
	if (a->n == 0)
		return bad("%s", "which unit? (a NAME is needed)");
	return ekc_jobs(j, a->n, a->w, a->no_block, a->timeout_s);
}

static int enable(bool on, struct args *a)
{
	int rc = 0, n = 0;
	const char *ok[EKC_JOBS_MAX];
	if (a->n == 0)
		return bad("%s", "which unit? (a NAME is needed)");
	for (int i = 0; i < a->n; i++) {
		int k = ekc_pass("ekctl", on ? "enable" : "disable", a->w[i], NULL);
		if (k == EKC_OK)
			ok[n++] = a->w[i];
		else
			rc = k == EKC_NOT_FOUND ? 5 : 1;
	}
	if (a->now && n) {
		int r = ekc_jobs(on ? EKC_JOB_START : EKC_JOB_STOP, n, ok, a->no_block, a->timeout_s);
		rc = rc > r ? rc : r;
	}
	return rc;
}

/* Verbs that are one request and print the reply; NAME is optional for status only. */
static int passthrough(const char *verb, struct args *a, int max_names)
{
	if (a->n > max_names)
		return bad("%s: too many arguments", verb);
	const char *name = a->n ? a->w[0] : NULL;
	const char *json = a->json ? "--json" : NULL;
	int k = name ? ekc_pass("ekctl", verb, name, json) : ekc_pass("ekctl", verb, json, NULL);
	return k < 0 ? 1 : kind_exit(k);
}

static int run_verb(const char *verb, int argc, char **argv)
{
	struct args a;
	int r = parse_args(argc, argv, &a);
	if (r)
		return r;
	if (strcmp(verb, "verify") && (r = normalise(&a)))
		return r;
	if (!strcmp(verb, "status"))
		return passthrough(verb, &a, 1);
	if (!strcmp(verb, "list") || !strcmp(verb, "analyze") || !strcmp(verb, "daemon-reload"))
		return passthrough(verb, &a, 0);
	if (!strcmp(verb, "state"))
		return a.n == 1 ? passthrough(verb, &a, 1) : bad("%s", "state needs one unit name");
	if (!strcmp(verb, "start"))
		return job(EKC_JOB_START, &a);
	if (!strcmp(verb, "stop"))
		return job(EKC_JOB_STOP, &a);
	if (!strcmp(verb, "restart"))
		return job(EKC_JOB_RESTART, &a);
	if (!strcmp(verb, "reload"))
		return job(EKC_JOB_RELOAD, &a);
	if (!strcmp(verb, "enable") || !strcmp(verb, "disable"))
		return enable(!strcmp(verb, "enable"), &a);
	if (!strcmp(verb, "logs"))
		return logs(&a);
	fprintf(stderr, "ekctl: unknown command '%s'\n", verb);
	usage(stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	name = name ? name + 1 : argv[0];
	bool force = false;
	const char *verb = is_shutdown_verb(name) ? name : NULL;
	int i = 1;

	if (!strcmp(name, "systemctl"))
		return systemctl_main(argc, argv);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force"))
			force = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ekctl: unknown option %s\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!verb) {
		if (i >= argc) {
			usage(stderr);
			return EXIT_USAGE;
		}
		verb = argv[i++];
	}
	if (!strcmp(verb, "verify")) { /* offline: needs no PID 1 */
		if (i >= argc) {
			usage(stderr);
			return EXIT_USAGE;
		}
		return ekctl_verify(argc - i, argv + i, stderr);
	}
	if (is_shutdown_verb(verb))
		return shutdown_verb(verb, force, argc - i);
	if (force) {
		fprintf(stderr, "ekctl: -f only applies to reboot, poweroff and halt\n");
		return EXIT_USAGE;
	}
	return run_verb(verb, argc - i, argv + i);
}
