#include "control.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
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
	const char *head = ok ? "ok\n" : "error\n";
	size_t hl = strlen(head);
	if (len > EK_REPLY_MAX - hl)
		len = EK_REPLY_MAX - hl;
	struct iovec iov[2] = {{.iov_base = (void *)head, .iov_len = hl}, {.iov_base = (void *)body, .iov_len = len}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	/* One message must fit the socket's send buffer: raise it for a large reply (PID 1 is root). */
	if (hl + len > EK_REPLY_FIRST) {
		int want = (int)(hl + len + 4096);
		setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof want);
	}
	/* MSG_DONTWAIT: a client that does not read loses its reply, PID 1 does not wait for it. */
	if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		ek_debug("control: reply lost: %s", strerror(errno));
}

/* Requests that change nothing, so rendering them again into a larger buffer is harmless. */
static bool read_only(enum ek_verb v)
{
	return v == EK_VERB_STATUS || v == EK_VERB_LIST || v == EK_VERB_ANALYZE || v == EK_VERB_LOGS;
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
	static char body[EK_REPLY_FIRST - 16];
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
	char *big = NULL;
	/* Did not fit: render once more into a buffer of the size needed (doubling), freed after the
	 * send so PID 1 keeps no large buffer resident. A cut reply would be broken JSON: when even
	 * the largest does not fit, or memory is short, the reply is an error instead. */
	for (size_t cap = sizeof body * 4; out.truncated && read_only(req.verb) && cap <= EK_REPLY_MAX / 2; cap *= 2) {
		free(big);
		big = malloc(cap);
		if (!big)
			break;
		sb_init(&out, big, cap);
		ok = c->handler(&req, &out, c->ctx) == 0;
	}
	if (out.truncated) {
		static const char why[] = EK_ERR_FAILED ": the reply does not fit in one message";
		ek_warn("control: %s reply from pid %d too large; refused", proto_verb_name(req.verb),
			(int)c->client_pid[slot]);
		reply(fd, 0, why, sizeof why - 1);
	} else {
		reply(fd, ok, out.buf, out.len);
	}
	free(big);
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
