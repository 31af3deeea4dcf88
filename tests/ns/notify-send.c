/* notify-send STATE... [-- CMD ARG...]: sends "STATE\nSTATE..." to $NOTIFY_SOCKET as one datagram
 * with SCM_CREDENTIALS, the sd_notify protocol, for the namespace tier's Type=notify fixtures
 * (busybox has no systemd-notify). With "-- CMD", it then execs CMD: the sender stays alive, so
 * PID 1 can still tell which service it belongs to (from /proc/PID/cgroup) when it reads the
 * message; a sender that exited first would be a race systemd-notify is known for.
 * Exit 0 when sent (without CMD), 1 on any error (printed). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char msg[1024] = "";
	size_t len = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: notify-send STATE... [-- CMD ARG...] (e.g. READY=1 -- sleep 100)\n");
		return 1;
	}
	if (!path || !*path || strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "notify-send: NOTIFY_SOCKET is %s\n", path && *path ? "too long" : "not set");
		return 1;
	}
	int nstates = 1;
	while (nstates < argc && strcmp(argv[nstates], "--"))
		nstates++;
	for (int i = 1; i < nstates; i++) {
		int n = snprintf(msg + len, sizeof msg - len, "%s%s", i > 1 ? "\n" : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof msg - len) {
			fprintf(stderr, "notify-send: message too long\n");
			return 1;
		}
		len += (size_t)n;
	}
	/* An abstract socket is written with a leading '@'. */
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));

	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof control);
	struct iovec iov = {.iov_base = msg, .iov_len = len};
	struct msghdr mh = {.msg_name = &sa, .msg_namelen = salen, .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = control.buf, .msg_controllen = sizeof control.buf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
	struct ucred cred = {.pid = getpid(), .uid = getuid(), .gid = getgid()};
	memcpy(CMSG_DATA(c), &cred, sizeof cred);

	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "notify-send: %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(fd);
	if (nstates + 1 < argc) {
		execvp(argv[nstates + 1], argv + nstates + 1);
		fprintf(stderr, "notify-send: %s: %s\n", argv[nstates + 1], strerror(errno));
		return 1;
	}
	return 0;
}
