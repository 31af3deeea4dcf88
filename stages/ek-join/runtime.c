/* containerd's readiness, seen from ek-join. The unit is not ordered after containerd (ekinit orders
 * Requires=, so it only Wants= it): the election and the clock step do not need a container runtime and
 * should not wait seconds for one. What needs it (the image import, kubeadm init and join) waits here. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ekjoin.h"
#include "notify.h"

/* 1 when the socket accepts a connection, 0 when nobody listens (yet), -errno for other errors. */
static int socket_answers(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof a.sun_path)
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ? 1 : -errno;
	close(fd);
	return r == -ENOENT || r == -ECONNREFUSED ? 0 : r;
}

int containerd_wait(const char *sock, int timeout_ms, bool report, char *err, size_t errlen)
{
	long long deadline = mono_ms() + timeout_ms;
	bool told = false;
	for (;;) {
		int r = socket_answers(sock);
		if (r == 1)
			return 0;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", sock, strerror(-r));
			return r;
		}
		if (mono_ms() >= deadline) {
			snprintf(err, errlen, "containerd did not answer on %s within %d s", sock, timeout_ms / 1000);
			return -ETIMEDOUT;
		}
		if (report && !told)
			notify_status("ek-join", "waiting for containerd (%s)", sock);
		told = true;
		poll(NULL, 0, 100); /* a socket has no event to wait for before it exists */
	}
}
