#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "ekjoin.h"

long long now_unix(void)
{
	return (long long)time(NULL);
}

long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int wait_for(int (*check)(void *ctx), void *ctx, const char *seen_path, int poll_ms, long long deadline_ms)
{
	int in = -1;
	if (seen_path) {
		char dir[512];
		snprintf(dir, sizeof dir, "%s", seen_path);
		in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (in >= 0 && inotify_add_watch(in, dirname(dir), IN_CREATE | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
			close(in);
			in = -1; /* no run dir: the share poll alone */
		}
	}
	int r = 0;
	for (;;) {
		if ((r = check(ctx)) != 0)
			break;
		long long left = deadline_ms - mono_ms();
		if (left <= 0)
			break;
		struct pollfd pfd = {.fd = in, .events = POLLIN};
		if (poll(&pfd, 1, (int)(left < poll_ms ? left : poll_ms)) > 0) {
			char buf[4096];
			while (read(in, buf, sizeof buf) > 0)
				;
		}
	}
	if (in >= 0)
		close(in);
	return r;
}

long api_healthz(const char *host, unsigned port, int timeout_ms)
{
	char url[400], err[256];
	snprintf(url, sizeof url, "https://%s:%u/healthz", host, port);
	/* /healthz carries no secret; whether this is *our* cluster's CA is checked by kubeadm's discovery
	 * with the CA hash, so here an unverified TLS answer is enough. */
	struct http_req req = {.url = url, .timeout_ms = timeout_ms, .connect_timeout_ms = timeout_ms,
			       .max_body = 4096, .insecure = true};
	struct http_resp resp;
	if (http_do(&req, &resp, err, sizeof err) < 0)
		return 0;
	long status = resp.status;
	http_resp_free(&resp);
	return status;
}

bool api_through_vip(const struct ekjoin *j, int timeout_ms)
{
	return api_healthz(j->conf.vip_name, j->conf.api_port, timeout_ms) == 200;
}
