/* ekctl: the operator's client for ekinit's control socket. Also installed as reboot, poweroff and
 * halt (busybox-style: the name picks the verb). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/proto.h"
#include "verify.h"

#define EXIT_USAGE 2
#define REPLY_TIMEOUT_S 10

static void usage(FILE *f)
{
	fprintf(f, "usage: ekctl [-f] COMMAND [ARGS]\n"
		   "  status [--json]   PID 1's state, boot timeline and warnings\n"
		   "  reboot | poweroff | halt   ask PID 1 for an orderly shutdown\n"
		   "  verify FILE...    check unit files offline (exit 1 on errors; warnings are fine)\n"
		   "options:\n"
		   "  -f, --force       reboot/poweroff/halt at once with reboot(2), without PID 1\n"
		   "  -h, --help        this text\n"
		   "Also runs as 'reboot', 'poweroff' and 'halt' (same options).\n"
		   "Environment: EKCTL_SOCKET overrides the socket path (%s).\n",
		   EK_CONTROL_PATH);
}

static int shutdown_cmd(const char *verb)
{
	return !strcmp(verb, "reboot") ? RB_AUTOBOOT : !strcmp(verb, "poweroff") ? RB_POWER_OFF : RB_HALT_SYSTEM;
}

static int is_shutdown_verb(const char *v)
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

static int request(const char *verb, int argc, char *const argv[])
{
	char msg[EK_REQUEST_MAX + 1];
	static char reply[EK_REPLY_MAX + 1];
	const char *path = getenv("EKCTL_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (!path || !*path)
		path = EK_CONTROL_PATH;
	int len = proto_format_request(msg, sizeof msg, verb, argc, argv);
	if (len < 0) {
		fprintf(stderr, "ekctl: '%s' with these arguments is not a valid request\n", verb);
		return EXIT_USAGE;
	}
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "ekctl: socket path too long: %s\n", path);
		return 1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		if (is_shutdown_verb(verb) && signal_pid1(verb) == 0) {
			printf("%s requested by signal (control socket unavailable: %s)\n", verb, strerror(err));
			return 0;
		}
		fprintf(stderr, "ekctl: cannot reach PID 1 at %s: %s%s\n", path, strerror(err),
			is_shutdown_verb(verb) ? " (use -f to act without it)" : "");
		return 1;
	}
	struct timeval tv = {.tv_sec = REPLY_TIMEOUT_S};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (send(fd, msg, (size_t)len, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "ekctl: sending to %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	ssize_t n = recv(fd, reply, EK_REPLY_MAX, 0);
	int err = errno;
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "ekctl: no reply from PID 1: %s\n", n < 0 ? strerror(err) : "connection closed");
		return 1;
	}
	reply[n] = '\0';
	if (!strncmp(reply, "ok\n", 3)) {
		fputs(reply + 3, stdout);
		if (n > 3 && reply[n - 1] != '\n')
			putchar('\n');
		return 0;
	}
	const char *body = !strncmp(reply, "error\n", 6) ? reply + 6 : reply;
	fprintf(stderr, "ekctl: %s: %s\n", verb, body);
	return 1;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	name = name ? name + 1 : argv[0];
	bool force = false;
	const char *verb = is_shutdown_verb(name) ? name : NULL;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force"))
			force = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json") && !verb) {
			break; /* belongs to the verb: ekctl --json status is not a thing, status --json is */
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
	if (force) {
		if (!is_shutdown_verb(verb)) {
			fprintf(stderr, "ekctl: -f only applies to reboot, poweroff and halt\n");
			return EXIT_USAGE;
		}
		sync();
		reboot(shutdown_cmd(verb));
		fprintf(stderr, "ekctl: %s -f: %s\n", verb, strerror(errno));
		return 1;
	}
	return request(verb, argc - i, argv + i);
}
