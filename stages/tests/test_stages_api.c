/* phylactery's HTTP API, end to end: the real program on 127.0.0.1 with a temporary share, driven
 * with libcurl. Readiness is its sd_notify READY=1 on a socket of ours, not a sleep. */
#include "t.h"

#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "http.h"
#include "share.h"

static char prog[512], dir[64], seen[128], base[64], secret[65];
static pid_t child = -1;

static unsigned free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	bind(fd, (struct sockaddr *)&sa, sizeof sa);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	close(fd);
	return ntohs(sa.sin_port);
}

static int start(void)
{
	char sock[128], listen[64], err[256];
	unsigned port = free_port();
	snprintf(seen, sizeof seen, "%s/leader-ready-seen", dir);
	snprintf(sock, sizeof sock, "%s/notify", dir);
	snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
	snprintf(base, sizeof base, "http://127.0.0.1:%u", port);
	int ns = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	if (bind(ns, (struct sockaddr *)&sa, sizeof sa) < 0)
		return -1;
	child = fork();
	if (child == 0) {
		setenv("NOTIFY_SOCKET", sock, 1);
		/* No kubeadm here: /join-credentials must then fail cleanly. */
		setenv("PATH", "/nonexistent", 1);
		execl(prog, prog, "--listen", listen, "--share", dir, "--cluster-conf", "/nonexistent", "--ready-seen",
		      seen, (char *)NULL);
		_exit(127);
	}
	/* Wait for READY=1 (30 s deadline: a loaded machine). */
	int ready = 0;
	for (int turns = 0; !ready && turns < 8; turns++) {
		struct pollfd p = {.fd = ns, .events = POLLIN};
		if (poll(&p, 1, 30000) <= 0)
			break;
		char msg[256];
		ssize_t n = recv(ns, msg, sizeof msg - 1, 0);
		msg[n > 0 ? n : 0] = '\0';
		ready = strstr(msg, "READY=1") != NULL;
	}
	close(ns);
	if (!ready || share_secret_read(dir, secret, err, sizeof err) < 0)
		return -1;
	return 0;
}

static long call(const char *method, const char *path, const char *bearer, const char *body, char *out, size_t cap)
{
	char url[128], err[256];
	snprintf(url, sizeof url, "%s%s", base, path);
	struct http_req req = {.method = method, .url = url, .bearer = bearer, .body = body, .timeout_ms = 20000};
	struct http_resp resp;
	if (http_do(&req, &resp, err, sizeof err) < 0) {
		snprintf(out, cap, "%s", err);
		return -1;
	}
	snprintf(out, cap, "%s", resp.body ? resp.body : "");
	long st = resp.status;
	http_resp_free(&resp);
	return st;
}

TEST(healthz_needs_no_secret)
{
	char out[512];
	T_EQ_INT(call("GET", "/healthz", NULL, NULL, out, sizeof out), 200);
	T_EQ_STR(out, "{\"ok\":true}");
	T_EQ_INT(call("GET", "/nothing", secret, NULL, out, sizeof out), 404);
	T_CONTAINS(out, "\"error\":\"not_found\"");
}

TEST(wrong_or_missing_secret_is_401_and_changes_nothing)
{
	char out[512], wrong[65];
	memcpy(wrong, secret, 65);
	wrong[63] = wrong[63] == 'a' ? 'b' : 'a';
	const char *ready = "{\"event\":\"leader_ready\"}";
	T_EQ_INT(call("POST", "/refresh", NULL, ready, out, sizeof out), 401);
	T_CONTAINS(out, "\"error\":\"unauthorized\"");
	T_EQ_INT(call("POST", "/refresh", wrong, ready, out, sizeof out), 401);
	T_EQ_INT(call("POST", "/refresh", "short", ready, out, sizeof out), 401);
	T_EQ_INT(call("GET", "/status", wrong, NULL, out, sizeof out), 401);
	T_EQ_INT(call("POST", "/join-credentials", NULL, "{}", out, sizeof out), 401);
	T_ASSERT(access(seen, F_OK) < 0);
}

TEST(oversized_and_malformed_bodies_are_refused)
{
	char out[512];
	char *big = malloc(8001);
	memset(big, ' ', 8000);
	big[0] = '{', big[7998] = '}', big[8000] = '\0';
	T_EQ_INT(call("POST", "/refresh", secret, big, out, sizeof out), 413);
	free(big);
	T_CONTAINS(out, "\"error\":\"too_large\"");
	static const char *const bad[] = {"{", "[]", "{\"event\":7}", "{\"event\":\"reboot\"}",
					  "{\"event\":\"leader_ready\",\"fanout\":\"yes\"}", "\xff"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		T_EQ_INT(call("POST", "/refresh", secret, bad[i], out, sizeof out), 400);
		T_CONTAINS(out, "\"error\":\"bad_request\"");
	}
	T_EQ_INT(call("POST", "/join-credentials", secret, "not json", out, sizeof out), 400);
	T_EQ_INT(call("GET", "/refresh", secret, NULL, out, sizeof out), 405);
	T_ASSERT(access(seen, F_OK) < 0);
}

TEST(leader_ready_push_touches_the_seen_file)
{
	char out[512];
	T_EQ_INT(call("POST", "/refresh", secret, "{\"event\":\"leader_ready\"}", out, sizeof out), 200);
	T_CONTAINS(out, "\"event\":\"leader_ready\"");
	T_ASSERT(access(seen, F_OK) == 0);
}

TEST(status_shows_registry_and_actions)
{
	char out[4096];
	T_EQ_INT(call("GET", "/status", secret, NULL, out, sizeof out), 200);
	T_CONTAINS(out, "\"node\":\"workstation\"");
	T_CONTAINS(out, "\"registry\":[{\"name\":\"workstation\",\"ip\":\"127.0.0.1\"");
	T_CONTAINS(out, "\"leader\":null");
	T_CONTAINS(out, "\"last_actions\":[");
}

TEST(join_credentials_without_kubeadm_is_a_clear_503)
{
	char out[1024];
	T_EQ_INT(call("POST", "/join-credentials", secret, "{}", out, sizeof out), 503);
	T_CONTAINS(out, "\"error\":\"credentials_unavailable\"");
}

TEST(metrics_need_no_secret_and_are_prometheus_text)
{
	char out[4096];
	T_EQ_INT(call("GET", "/metrics", NULL, NULL, out, sizeof out), 200);
	T_CONTAINS(out, "# TYPE phylactery_rejoins_total counter\nphylactery_rejoins_total 0\n");
	T_CONTAINS(out, "phylactery_evictions_total 0\n");
	T_EQ_INT(call("POST", "/metrics", NULL, "{}", out, sizeof out), 405);
}

TEST(forget_and_evict_validate_everything)
{
	char out[1024], wrong[65];
	memcpy(wrong, secret, 65);
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
	const char *good = "{\"name\":\"control2\",\"ip\":\"10.10.0.12\",\"control\":true}";
	T_EQ_INT(call("POST", "/forget", NULL, good, out, sizeof out), 401);
	T_EQ_INT(call("POST", "/forget", wrong, good, out, sizeof out), 401);
	T_EQ_INT(call("POST", "/evict", wrong, "{\"name\":\"control2\"}", out, sizeof out), 401);
	static const char *const bad[] = {
		"{}", "[]", "null", "{\"name\":\"control2\"}", /* /forget needs the ip */
		"{\"name\":\"../etc\",\"ip\":\"10.10.0.12\"}", "{\"name\":7,\"ip\":\"10.10.0.12\"}",
		"{\"name\":\"control2\",\"ip\":\"10.10.0.012\"}", "{\"name\":\"control2\",\"ip\":\"10.10.0.1/24\"}",
		"{\"name\":\"control2\",\"ip\":\"10.10.0.12\",\"control\":\"yes\"}", "{\"name\":\"\",\"ip\":\"1.2.3.4\"}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		T_EQ_INT(call("POST", "/forget", secret, bad[i], out, sizeof out), 400);
		T_CONTAINS(out, "\"error\":\"bad_request\"");
	}
	T_EQ_INT(call("POST", "/evict", secret, "{\"ip\":\"10.10.0.12\"}", out, sizeof out), 400);
	/* This node never forgets itself. */
	T_EQ_INT(call("POST", "/forget", secret, "{\"name\":\"workstation\",\"ip\":\"10.1.1.1\"}", out, sizeof out), 409);
	T_CONTAINS(out, "is this node");
	T_EQ_INT(call("POST", "/evict", secret, "{\"name\":\"x\",\"ip\":\"127.0.0.1\"}", out, sizeof out), 409);
	/* A workstation has no etcd certificates: a clear 503, nothing done. */
	T_EQ_INT(call("POST", "/forget", secret, good, out, sizeof out), 503);
	T_CONTAINS(out, "cannot do it yet");
}

TEST(reboot_needs_secret_and_a_reboot_command)
{
	char out[1024];
	T_EQ_INT(call("POST", "/reboot", NULL, "{}", out, sizeof out), 401);
	T_EQ_INT(call("POST", "/reboot", secret, "[1]", out, sizeof out), 400);
	T_EQ_INT(call("POST", "/reboot", secret, "{}", out, sizeof out), 503);
	T_CONTAINS(out, "no reboot command");
	T_EQ_INT(call("GET", "/reboot", secret, NULL, out, sizeof out), 405);
}

int main(int argc, char **argv)
{
	(void)argc;
	t_beside_self(prog, sizeof prog, argv[0], "../phylactery");
	if (!t_tmpdir(dir, sizeof dir))
		return 1;
	http_global_init();
	if (start() < 0) {
		printf("phylactery (%s) did not start\n", prog);
		t_failed++;
	} else {
		T_RUN(healthz_needs_no_secret);
		T_RUN(wrong_or_missing_secret_is_401_and_changes_nothing);
		T_RUN(oversized_and_malformed_bodies_are_refused);
		T_RUN(leader_ready_push_touches_the_seen_file);
		T_RUN(status_shows_registry_and_actions);
		T_RUN(join_credentials_without_kubeadm_is_a_clear_503);
		T_RUN(metrics_need_no_secret_and_are_prometheus_text);
		T_RUN(forget_and_evict_validate_everything);
		T_RUN(reboot_needs_secret_and_a_reboot_command);
	}
	if (child > 0) {
		kill(child, SIGTERM);
		int st;
		waitpid(child, &st, 0);
	}
	t_rmtree(dir);
	return T_END();
}
