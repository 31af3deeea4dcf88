/* ek-join's wait for containerd (runtime.c): it answers once something listens on the socket, gives a
 * clear timeout when nothing does, and reports other errors at once. */
#include "t.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ekjoin.h"

static char dir[64], sock[128];

/* A listening socket at path, or -1. */
static int listen_on(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void *listen_later(void *arg)
{
	(void)arg;
	/* The socket appears while containerd_wait is already waiting: created under another name, then
	 * renamed into place, as a daemon that binds and listens before anyone connects. */
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s.new", sock);
	int fd = listen_on(tmp);
	if (fd >= 0 && rename(tmp, sock) < 0) {
		close(fd);
		fd = -1;
	}
	return (void *)(long)fd;
}

TEST(waits_until_the_socket_listens)
{
	snprintf(dir, sizeof dir, "/tmp/ekt-runtime-XXXXXX");
	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(sock, sizeof sock, "%s/containerd.sock", dir);
	char err[300];
	/* nobody yet: a timeout that names the socket */
	T_EQ_INT(containerd_wait(sock, 300, false, err, sizeof err), -ETIMEDOUT);
	T_CONTAINS(err, sock);
	/* a listener that comes while waiting */
	pthread_t th;
	T_EQ_INT(pthread_create(&th, NULL, listen_later, NULL), 0);
	T_EQ_INT(containerd_wait(sock, 60000, false, err, sizeof err), 0);
	void *fd;
	pthread_join(th, &fd);
	T_ASSERT((long)fd >= 0);
	close((int)(long)fd);
	/* a socket file nobody listens on any more (containerd died): waiting again, not an error */
	T_EQ_INT(containerd_wait(sock, 300, false, err, sizeof err), -ETIMEDOUT);
	unlink(sock);
	rmdir(dir);
}

TEST(a_path_that_is_not_a_socket_is_an_error_at_once)
{
	char err[300];
	/* A path through a regular file (ENOTDIR) will never become a socket: reported at once, not
	 * after the minutes of the deadline. */
	T_ASSERT(containerd_wait("/etc/hostname/containerd.sock", 60000, false, err, sizeof err) < 0);
	T_CONTAINS(err, "Not a directory");
}

int main(void)
{
	T_RUN(waits_until_the_socket_listens);
	T_RUN(a_path_that_is_not_a_socket_is_an_error_at_once);
	return T_END();
}
