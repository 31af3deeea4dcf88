/* The control socket end to end in one process: a SOCK_SEQPACKET client talks to control_event()
 * driven by hand from epoll (timeout 0: everything is ready synchronously on a unix socket). */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "t.h"
#include "control.h"
#include "log.h"
#include "sys.h"

static char base[64], sock[128];
static double now; /* the clock control.c sees (ek_sys.now_ms): tests move it, nobody sleeps */

static double fake_now_ms(void)
{
	return now;
}
static struct control ctl;
static int epfd, calls;

static int handler(const struct ek_request *req, struct strbuf *out, void *ctx)
{
	calls++;
	if (req->verb == EK_VERB_REBOOT) {
		sb_puts(out, "refused by test");
		return -1;
	}
	sb_printf(out, "{\"verb\":\"%s\",\"argc\":%d,\"arg0\":\"%s\",\"ctx\":\"%s\"}", proto_verb_name(req->verb),
		  req->argc, req->argc ? req->argv[0] : "", (const char *)ctx);
	return 0;
}

/* Delivers every ready epoll event to the control server; returns how many were handled. */
static int drive(void)
{
	struct epoll_event ev[8];
	int handled = 0;
	for (int round = 0; round < 64; round++) {
		int n = epoll_wait(epfd, ev, 8, 0);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++)
			handled += control_event(&ctl, ev[i].data.fd);
	}
	return handled;
}

static int client(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int free_slots(void)
{
	int n = 0;
	for (int i = 0; i < EK_CONTROL_CLIENTS; i++)
		n += ctl.clients[i] < 0;
	return n;
}

/* Sends one request and returns the reply (NUL-terminated) or "<no reply>". */
static const char *ask(const void *msg, size_t len)
{
	static char reply[EK_REPLY_MAX + 1];
	int fd = client();
	if (fd < 0)
		return "<no connection>";
	drive();
	if (send(fd, msg, len, 0) != (ssize_t)len) {
		close(fd);
		return "<send failed>";
	}
	drive();
	ssize_t n = recv(fd, reply, sizeof reply - 1, MSG_DONTWAIT);
	close(fd);
	if (n < 0)
		return "<no reply>";
	reply[n] = '\0';
	return reply;
}

TEST(test_status_json)
{
	calls = 0;
	T_EQ_STR(ask("status --json", 13), "ok\n{\"verb\":\"status\",\"argc\":1,\"arg0\":\"--json\",\"ctx\":\"the-ctx\"}");
	T_EQ_INT(calls, 1);
	T_EQ_INT(free_slots(), EK_CONTROL_CLIENTS);
}

TEST(test_handler_error)
{
	T_EQ_STR(ask("reboot", 6), "error\nrefused by test");
	T_EQ_INT(free_slots(), EK_CONTROL_CLIENTS);
}

TEST(test_malformed_requests)
{
	calls = 0;
	T_EQ_STR(ask("status;reboot", 13), "error\nrequest contains a byte outside [A-Za-z0-9-_.@:/=+,]");
	T_EQ_STR(ask("launch", 6), "error\nunknown verb 'launch'");
	T_EQ_STR(ask("status\0x", 8), "error\nrequest contains a byte outside [A-Za-z0-9-_.@:/=+,]");
	static char big[EK_REQUEST_MAX + 100];
	memset(big, 'a', sizeof big);
	memcpy(big, "status ", 7);
	T_EQ_STR(ask(big, sizeof big), "error\nrequest too long");
	T_EQ_INT(calls, 0);
	T_EQ_INT(free_slots(), EK_CONTROL_CLIENTS);
}

TEST(test_silent_client_dropped)
{
	int fd = client();
	T_ASSERT(fd >= 0);
	T_EQ_INT(drive(), 1);
	T_EQ_INT(free_slots(), EK_CONTROL_CLIENTS - 1);
	close(fd);
	T_EQ_INT(drive(), 1);
	T_EQ_INT(free_slots(), EK_CONTROL_CLIENTS);
	/* An fd the server does not own is not handled. */
	T_EQ_INT(control_event(&ctl, 0), 0);
}

TEST(test_too_many_clients_busy)
{
	int fds[EK_CONTROL_CLIENTS + 1];
	char reply[128];
	for (int i = 0; i <= EK_CONTROL_CLIENTS; i++) {
		fds[i] = client();
		drive();
	}
	T_EQ_INT(free_slots(), 0);
	ssize_t n = recv(fds[EK_CONTROL_CLIENTS], reply, sizeof reply - 1, MSG_DONTWAIT);
	T_ASSERT(n > 0);
	reply[n > 0 ? n : 0] = '\0';
	T_EQ_STR(reply, "error\nbusy: too many clients");
	/* The ones that got in are still served. */
	T_EQ_INT(send(fds[3], "status", 6, 0), 6);
	drive();
	n = recv(fds[3], reply, sizeof reply - 1, MSG_DONTWAIT);
	T_ASSERT(n > 3);
	T_ASSERT(!strncmp(reply, "ok\n", 3));
	for (int i = 0; i <= EK_CONTROL_CLIENTS; i++)
		close(fds[i]);
	drive();
	T_EQ_INT(free_slots(), EK_CONTROL_CLIENTS);
}

TEST(test_idle_clients_dropped_at_deadline)
{
	int fds[EK_CONTROL_CLIENTS];
	char buf[64];
	T_EQ_INT(control_expire(&ctl), -1); /* nobody waiting: no deadline */
	for (int i = 0; i < EK_CONTROL_CLIENTS; i++) {
		fds[i] = client();
		T_ASSERT(fds[i] >= 0);
		drive();
		now += 10; /* they connect one after another */
	}
	T_EQ_INT(free_slots(), 0);
	int late = client();
	T_ASSERT(late >= 0);
	drive();
	ssize_t n = recv(late, buf, sizeof buf - 1, MSG_DONTWAIT);
	close(late);
	T_ASSERT(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	T_EQ_STR(buf, "error\nbusy: too many clients");
	/* Before the first deadline nobody is dropped, and the loop is told when to look again. */
	now += EK_CONTROL_DEADLINE_MS - EK_CONTROL_CLIENTS * 10 - 1;
	int left = control_expire(&ctl);
	T_ASSERT(left > 0 && left <= 2);
	T_EQ_INT(free_slots(), 0);
	/* Past it, the first client is gone (it reads end of file) and the next one may come in. */
	now += 2;
	left = control_expire(&ctl);
	T_EQ_INT(free_slots(), 1);
	T_ASSERT(left > 0 && left <= 10);
	T_EQ_INT(recv(fds[0], buf, sizeof buf, MSG_DONTWAIT), 0);
	T_EQ_INT(recv(fds[1], buf, sizeof buf, MSG_DONTWAIT), -1);
	now += EK_CONTROL_DEADLINE_MS;
	T_EQ_INT(control_expire(&ctl), -1);
	T_EQ_INT(free_slots(), EK_CONTROL_CLIENTS);
	/* The 17th client is served. */
	T_EQ_STR(ask("status", 6), "ok\n{\"verb\":\"status\",\"argc\":0,\"arg0\":\"\",\"ctx\":\"the-ctx\"}");
	for (int i = 0; i < EK_CONTROL_CLIENTS; i++)
		close(fds[i]);
	drive();
}

TEST(test_socket_root_only_mode)
{
	struct stat s;
	T_EQ_INT(stat(sock, &s), 0);
	T_ASSERT(S_ISSOCK(s.st_mode));
	T_EQ_INT(s.st_mode & 077, 0); /* bound under umask 077: nobody but root may connect */
	T_EQ_INT(s.st_uid, 0);
}

TEST(test_open_errors)
{
	struct control c2;
	char longpath[200];
	memset(longpath, 'p', sizeof longpath - 1);
	longpath[sizeof longpath - 1] = '\0';
	T_EQ_INT(control_open(&c2, longpath, epfd, handler, NULL), -ENAMETOOLONG);
	T_EQ_INT(control_open(&c2, "/nonexistent/ekinit/control", epfd, handler, NULL), -ENOENT);
}

int main(void)
{
	int devnull = open("/dev/null", O_WRONLY);
	ek_log_set_fd(devnull);
	if (!t_tmpdir(base, sizeof base))
		return 1;
	snprintf(sock, sizeof sock, "%s/control", base);
	ek_sys.now_ms = fake_now_ms;
	now = 1000;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	int r = control_open(&ctl, sock, epfd, handler, "the-ctx");
	if (r < 0) {
		printf("control_open: %s\n", strerror(-r));
		t_rmtree(base);
		return 1;
	}
	T_RUN(test_status_json);
	T_RUN(test_handler_error);
	T_RUN(test_malformed_requests);
	T_RUN(test_silent_client_dropped);
	T_RUN(test_too_many_clients_busy);
	T_RUN(test_idle_clients_dropped_at_deadline);
	T_RUN(test_socket_root_only_mode);
	T_RUN(test_open_errors);
	t_rmtree(base);
	return T_END();
}
