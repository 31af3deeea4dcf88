/* A service's output and its sd_notify messages. Output: every line of stdout and stderr goes into
 * a size-capped ring of two files under /run/log/ekinit (RAM is the disk on these nodes), stamped
 * with seconds since boot. Notify: one datagram socket for all services; the sender is identified
 * by the credentials the kernel attaches, never by what the message claims. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "svc_internal.h"
#include "sys.h"

#define SVC_ECHO_START_LINES 10

int svc_epoll_add(struct svcmgr *m, int fd, unsigned long long tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
	return epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int mkdir_p(const char *path)
{
	char tmp[512];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static int open_ring(struct svcmgr *m, struct svc *s)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s.log", m->log_dir, s->name);
	s->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	struct stat st;
	s->log_size = s->log_fd >= 0 && fstat(s->log_fd, &st) == 0 ? (size_t)st.st_size : 0;
	return s->log_fd < 0 ? -errno : 0;
}

/* Opens the pipe (kept across restarts) and the ring file. The tag in epoll is the service's index
 * so the loop can find it again after the array moved. */
int svc_log_open(struct svcmgr *m, struct svc *s)
{
	if (s->log_rd >= 0)
		return 0;
	int p[2];
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	/* The write end must block in the service (a full pipe slows it down rather than losing its
	 * output); only PID 1's read end is non-blocking. */
	fcntl(p[1], F_SETFL, 0);
	s->log_rd = p[0];
	s->log_wr = p[1];
	svc_epoll_add(m, s->log_rd, SVC_EPOLL_TAG_LOG | (unsigned long long)(s - m->v));
	mkdir_p(m->log_dir);
	if (open_ring(m, s) < 0)
		ek_warn("%s: log file in %s: %s (output is dropped)", s->name, m->log_dir, strerror(errno));
	return 0;
}

static void ring_write(struct svcmgr *m, struct svc *s, const char *buf, size_t len)
{
	if (s->log_fd < 0)
		return;
	if (s->log_size + len > m->log_cap / 2) {
		char cur[512], old[520];
		snprintf(cur, sizeof cur, "%s/%s.log", m->log_dir, s->name);
		snprintf(old, sizeof old, "%s.1", cur);
		close(s->log_fd);
		rename(cur, old);
		open_ring(m, s);
		if (s->log_fd < 0)
			return;
	}
	ssize_t w = write(s->log_fd, buf, len);
	if (w > 0)
		s->log_size += (size_t)w;
}

/* Splits into lines, stamps each; echoes complete lines to the console when asked to. */
static void take_output(struct svcmgr *m, struct svc *s, const char *buf, size_t len, bool echo)
{
	char out[8192];
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (s->partial_len == 0) {
			int n = snprintf(out + o, sizeof out - o, "[%9.3f] ", ek_sys.now_ms() / 1000.0);
			if (n > 0)
				o += (size_t)n;
		}
		char c = buf[i];
		out[o++] = c;
		if (s->partial_len < sizeof s->partial - 1)
			s->partial[s->partial_len++] = c == '\n' ? '\0' : c;
		if (c == '\n') {
			s->partial[s->partial_len < sizeof s->partial ? s->partial_len : sizeof s->partial - 1] = '\0';
			/* The console sees every line with ekinit.debug; otherwise the first lines of a
			 * start (what an operator watching the boot wants), bounded so that a chatty daemon
			 * cannot hold PID 1 on a slow serial line. A failure echoes the last lines too. */
			if (!echo) {
				/* PID 1's own notes are on the console already */
			} else if (m->console_echo) {
				ek_info("%s: %s", s->name, s->partial);
			} else if (s->state == SVC_STARTING && s->echoed < SVC_ECHO_START_LINES) {
				if (++s->echoed == SVC_ECHO_START_LINES)
					ek_info("%s: %s (more: ekctl logs %s)", s->name, s->partial, s->name);
				else
					ek_info("%s: %s", s->name, s->partial);
			}
			s->partial_len = 0;
		}
		if (o > sizeof out - 32) {
			ring_write(m, s, out, o);
			o = 0;
		}
	}
	ring_write(m, s, out, o);
}

void svc_log_drain(struct svcmgr *m, struct svc *s)
{
	char buf[4096];
	/* Bounded per event so one chatty service cannot starve the loop. */
	for (int round = 0; round < 16; round++) {
		ssize_t n = read(s->log_rd, buf, sizeof buf);
		if (n <= 0)
			return;
		take_output(m, s, buf, (size_t)n, true);
	}
}

void svc_log_note(struct svcmgr *m, struct svc *s, const char *fmt, ...)
{
	char line[400];
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(line, sizeof line, "ekinit: ");
	vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	if (s->partial_len) /* keep the note on a line of its own */
		take_output(m, s, "\n", 1, true);
	take_output(m, s, line, strlen(line), false);
}

/* Reads the last `lines` lines of the ring (both halves) into sb. */
static void tail_into(struct svcmgr *m, struct svc *s, unsigned lines, struct strbuf *sb, const char *prefix)
{
	static char buf[64 * 1024];
	size_t len = 0;
	const char *suffix[] = {".1", ""};
	for (int k = 0; k < 2; k++) {
		char path[520];
		snprintf(path, sizeof path, "%s/%s.log%s", m->log_dir, s->name, suffix[k]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* Each half contributes at most half the buffer, the older first. */
		off_t size = lseek(fd, 0, SEEK_END);
		off_t from = size > (off_t)(sizeof buf / 2) ? size - (off_t)(sizeof buf / 2) : 0;
		ssize_t n = pread(fd, buf + len, (size_t)(size - from), from);
		if (n > 0)
			len += (size_t)n;
		close(fd);
	}
	size_t start = len, count = 0;
	if (start && buf[start - 1] == '\n')
		start--;
	while (start > 0 && count < lines) {
		start--;
		if (buf[start] == '\n')
			count++;
	}
	if (start < len && buf[start] == '\n')
		start++;
	for (size_t i = start; i < len;) {
		size_t e = i;
		while (e < len && buf[e] != '\n')
			e++;
		sb_printf(sb, "%s%.*s\n", prefix, (int)(e - i), buf + i);
		i = e + 1;
	}
}

void svc_log_echo_tail(struct svcmgr *m, struct svc *s, unsigned lines)
{
	char out[4096];
	struct strbuf sb;
	sb_init(&sb, out, sizeof out);
	tail_into(m, s, lines, &sb, "");
	for (char *save, *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		ek_info("%s: %s", s->name, l);
}

int svcmgr_log_tail(struct svcmgr *m, const char *name, unsigned n, struct strbuf *sb)
{
	struct svc *s = svcmgr_find(m, name);
	if (!s)
		return -ENOENT;
	tail_into(m, s, n, sb, "");
	return 0;
}

void svc_notify_read(struct svcmgr *m)
{
	for (int round = 0; round < 64; round++) {
		char buf[4097];
		char cbuf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
		ssize_t n = recvmsg(m->notify_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
		if (n < 0)
			return;
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
			continue;
		}
		buf[n] = '\0';
		if (memchr(buf, '\0', (size_t)n)) {
			ek_debug("notify: dropped a message with a NUL byte from pid %d", (int)cred->pid);
			continue;
		}
		struct svc *s = NULL;
		for (size_t i = 0; i < m->n && !s; i++)
			if (m->v[i].main_pid == cred->pid)
				s = &m->v[i];
		if (!s)
			s = svc_by_cgroup_of(m, cred->pid);
		if (!s) {
			ek_debug("notify: message from pid %d, which belongs to no service", (int)cred->pid);
			continue;
		}
		svc_on_notify(m, s, buf, cred->pid);
	}
}
