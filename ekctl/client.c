/* The control-socket client (client.h). */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto.h"

#define REPLY_TIMEOUT_S 10

int ekc_call(const char *verb, int argc, char *const argv[], char *reply, size_t cap, char *err, size_t errcap)
{
	char msg[EK_REQUEST_MAX + 1];
	const char *path = getenv("EKCTL_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (!path || !*path)
		path = EK_CONTROL_PATH;
	int len = proto_format_request(msg, sizeof msg, verb, argc, argv);
	if (len < 0) {
		snprintf(err, errcap, "'%s' with these arguments is not a valid request", verb);
		return -EINVAL;
	}
	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, errcap, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errcap, "cannot reach PID 1 at %s: %s", path, strerror(e));
		return -e;
	}
	struct timeval tv = {.tv_sec = REPLY_TIMEOUT_S};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (send(fd, msg, (size_t)len, MSG_NOSIGNAL) < 0) {
		int e = errno;
		snprintf(err, errcap, "sending to %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	ssize_t n = recv(fd, reply, cap - 1, 0);
	int e = errno;
	close(fd);
	if (n <= 0) {
		snprintf(err, errcap, "no reply from PID 1: %s", n < 0 ? strerror(e) : "connection closed");
		return n < 0 ? -e : -ECONNRESET;
	}
	reply[n] = '\0';
	return 0;
}

int ekc_call2(const char *verb, const char *a, const char *b, char *reply, size_t cap, char *err, size_t errcap)
{
	char *argv[2] = {(char *)a, (char *)b};
	return ekc_call(verb, a ? (b ? 2 : 1) : 0, argv, reply, cap, err, errcap);
}
