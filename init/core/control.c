#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "sys.h"

int control_open(struct control *c, const char *path, int epoll_fd, control_handler h, void *ctx)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memset(c, 0, sizeof *c);
	for (int i = 0; i < EK_CONTROL_CLIENTS; i++)
		c->clients[i] = -1;
	c->epoll_fd = epoll_fd;
	c->handler = h;
	c->ctx = ctx;
	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path); /* a stale socket from before a re-exec */
	mode_t old = umask(077);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (unsigned)fd};
	if (r < 0 || listen(fd, 16) < 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	c->listen_fd = fd;
	return 0;
}

static void drop(struct control *c, int slot)
{
	epoll_ctl(c->epoll_fd, EPOLL_CTL_DEL, c->clients[slot], NULL);
	close(c->clients[slot]);
	c->clients[slot] = -1;
}

static void reply(int fd, int ok, const char *body, size_t len)
{
	static char msg[EK_REPLY_MAX];
	const char *head = ok ? "ok\n" : "error\n";
	size_t hl = strlen(head);
	if (len > sizeof msg - hl)
		len = sizeof msg - hl;
	memcpy(msg, head, hl);
	memcpy(msg + hl, body, len);
	/* MSG_DONTWAIT: a client that does not read loses its reply, PID 1 does not wait for it. */
	if (send(fd, msg, hl + len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		ek_debug("control: reply lost: %s", strerror(errno));
}

static void accept_client(struct control *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
		static const char why[] = "permission denied: root only";
		ek_warn("control: refused a request from pid %d (uid %d): root only", (int)cred.pid, (int)cred.uid);
		reply(fd, 0, why, sizeof why - 1);
		close(fd);
		return;
	}
	int slot = -1;
	for (int i = 0; i < EK_CONTROL_CLIENTS && slot < 0; i++)
		if (c->clients[i] < 0)
			slot = i;
	if (slot < 0) {
		static const char why[] = "busy: too many clients";
		reply(fd, 0, why, sizeof why - 1);
		close(fd);
		return;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (unsigned)fd};
	if (epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return;
	}
	c->clients[slot] = fd;
	c->client_pid[slot] = cred.pid;
	c->client_deadline[slot] = ek_sys.now_ms() + EK_CONTROL_DEADLINE_MS;
}

static void serve(struct control *c, int slot)
{
	char msg[EK_REQUEST_MAX + 1], err[160];
	static char body[EK_REPLY_MAX - 16];
	struct ek_request req;
	struct strbuf out;
	int fd = c->clients[slot];

	ssize_t n = recv(fd, msg, sizeof msg, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(c, slot);
		return;
	}
	if (proto_parse_request(msg, n > (ssize_t)sizeof msg ? EK_REQUEST_MAX + 1 : (size_t)n, &req, err,
				sizeof err) < 0) {
		ek_warn("control: bad request from pid %d: %s", (int)c->client_pid[slot], err);
		reply(fd, 0, err, strlen(err));
		drop(c, slot);
		return;
	}
	sb_init(&out, body, sizeof body);
	int ok = c->handler(&req, &out, c->ctx) == 0;
	reply(fd, ok, out.buf, out.len);
	drop(c, slot);
}

int control_event(struct control *c, int fd)
{
	if (fd == c->listen_fd) {
		accept_client(c);
		return 1;
	}
	for (int i = 0; i < EK_CONTROL_CLIENTS; i++)
		if (c->clients[i] == fd) {
			serve(c, i);
			return 1;
		}
	return 0;
}

int control_expire(struct control *c)
{
	double now = ek_sys.now_ms(), next = -1;
	for (int i = 0; i < EK_CONTROL_CLIENTS; i++) {
		if (c->clients[i] < 0)
			continue;
		double left = c->client_deadline[i] - now;
		if (left <= 0) {
			ek_warn("control: dropped pid %d: no request within %d ms", (int)c->client_pid[i],
				EK_CONTROL_DEADLINE_MS);
			drop(c, i);
		} else if (next < 0 || left < next) {
			next = left;
		}
	}
	return next < 0 ? -1 : (int)next + 1;
}
