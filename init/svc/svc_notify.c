/* sd_notify: one datagram socket for all services (/run/ekinit/notify). The sender is identified by
 * the credentials the kernel attaches, never by what the message claims; the message is decoded
 * here and applied by the state machine. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "svc_cgroup.h"
#include "svc_notify.h"
#include "svc_table.h"

/* A line "KEY=..." starting at line with len bytes: the value, or NULL. */
static const char *value_of(const char *line, size_t len, const char *key)
{
	size_t k = strlen(key);
	return len >= k && !strncmp(line, key, k) ? line + k : NULL;
}

void svc_notify_parse(const char *msg, struct svc_notify *out)
{
	memset(out, 0, sizeof *out);
	while (*msg) {
		size_t len = strcspn(msg, "\n");
		char line[4097];
		snprintf(line, sizeof line, "%.*s", (int)len, msg);
		msg += len + (msg[len] == '\n');
		if (!len)
			continue;
		const char *v;
		char *end;
		if (!strcmp(line, "READY=1")) {
			out->ready = true;
		} else if ((v = value_of(line, len, "STATUS="))) {
			size_t k = 0;
			for (; *v && k < sizeof out->status - 1; v++)
				out->status[k++] = (*v >= 0x20 && *v < 0x7f) ? *v : '?';
			out->status[k] = '\0';
			out->has_status = true;
		} else if ((v = value_of(line, len, "MAINPID="))) {
			long p = strtol(v, &end, 10);
			out->has_mainpid = true;
			out->mainpid = *end == '\0' && p > 1 && p <= 0x3fffffff ? (pid_t)p : 0;
			snprintf(out->mainpid_text, sizeof out->mainpid_text, "%s", v);
		} else if ((v = value_of(line, len, "EXTEND_TIMEOUT_USEC="))) {
			unsigned long long us = strtoull(v, &end, 10);
			if (*end == '\0') {
				out->has_extend = true;
				out->extend_usec = us;
			}
		} else if (!strcmp(line, "STOPPING=1") || !strcmp(line, "RELOADING=1") ||
			   value_of(line, len, "MONOTONIC_USEC=") || value_of(line, len, "ERRNO=") ||
			   value_of(line, len, "WATCHDOG") || value_of(line, len, "FDSTORE")) {
			out->ignored++;
		} else {
			if (!out->unknown++)
				snprintf(out->first_unknown, sizeof out->first_unknown, "%.60s", line);
		}
	}
}

int svc_notify_open(struct svcmgr *m)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!m->notify_path[0])
		snprintf(m->notify_path, sizeof m->notify_path, "%s", "/run/ekinit/notify");
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", m->notify_path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	unlink(m->notify_path);
	/* Writable by every user (0666): a service with User= must be able to send READY=1. Who sent
	 * a message is decided by its SCM_CREDENTIALS and the sender's cgroup, not by the file mode. */
	mode_t old_umask = umask(0111);
	int b = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old_umask);
	if (fd < 0 || b < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) {
		int e = errno;
		ek_err("services: notify socket %s: %s; Type=notify units cannot report ready", m->notify_path,
		       strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	svc_epoll_add(m, fd, SVC_EPOLL_TAG_NOTIFY);
	m->notify_fd = fd;
	return 0;
}

int svc_notify_recv(struct svcmgr *m, struct svc **who, struct svc_notify *msg, pid_t *sender)
{
	char buf[4097];
	char cbuf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	ssize_t n = recvmsg(m->notify_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	if (n < 0)
		return 0;
	struct ucred *cred = NULL;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
			cred = (struct ucred *)CMSG_DATA(c);
		else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			/* File descriptors are not kept (no FDSTORE): close what was passed. */
			int *fds = (int *)CMSG_DATA(c);
			size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < nfds; i++)
				close(fds[i]);
		}
	}
	if (!cred || cred->pid <= 0 || (size_t)n >= sizeof buf || (mh.msg_flags & MSG_TRUNC)) {
		ek_debug("notify: dropped a message without credentials or too long");
		return -1;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', (size_t)n)) {
		ek_debug("notify: dropped a message with a NUL byte from pid %d", (int)cred->pid);
		return -1;
	}
	struct svc *s = NULL;
	for (size_t i = 0; i < m->n && !s; i++)
		if (m->v[i].main_pid == cred->pid)
			s = &m->v[i];
	if (!s)
		s = svc_by_cgroup_of(m, cred->pid);
	if (!s) {
		ek_debug("notify: message from pid %d, which belongs to no service", (int)cred->pid);
		return -1;
	}
	svc_notify_parse(buf, msg);
	*who = s;
	*sender = cred->pid;
	return 1;
}
