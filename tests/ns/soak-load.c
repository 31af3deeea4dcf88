/* soak-load CLIENTS RELOAD_MS TIMEOUT_MS OUTDIR: the namespace soak's control-socket load, run inside
 * the namespace. CLIENTS processes each ask PID 1 for `status` back to back (one connection per
 * request, as ekctl does) and this process sends `daemon-reload` every RELOAD_MS, until stdin is
 * closed (the test's signal to stop). A request is unanswered when no reply came within TIMEOUT_MS
 * (connect or reply); a "busy" reply (all control slots taken) is an answer and counted apart.
 * Each client writes its latencies to OUTDIR/lat.N; at the end this prints one line:
 *   soak-load: requests=N answered=N busy=N unanswered=N errors=N p50_us=N p99_us=N max_us=N
 *              reloads=N reloads_answered=N reload_max_us=N
 * and the first few problems on stderr. Exit 0 when every request was answered, 1 otherwise. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONTROL_PATH "/run/ekinit/control"
#define REPLY_MAX (64 * 1024 + 64)
#define MAX_CLIENTS 1000

enum outcome { ANSWERED, BUSY, UNANSWERED, ERROR, CUT };

struct counts {
	uint64_t requests, answered, busy, unanswered, errors;
};

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* One request on a fresh connection; *us is the time to the reply. */
static enum outcome ask(const char *req, unsigned timeout_ms, uint64_t *us, char *why, size_t whycap)
{
	static char reply[REPLY_MAX];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	uint64_t t0 = now_us();
	enum outcome o = ANSWERED;

	strcpy(sa.sun_path, CONTROL_PATH);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whycap, "socket: %s", strerror(errno));
		return ERROR;
	}
	/* A blocking connect to a unix socket waits while the listen backlog is full: bound it too. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		o = e == EINTR && stopping ? CUT : e == EAGAIN || e == ETIMEDOUT ? UNANSWERED : ERROR;
		snprintf(why, whycap, "connect: %s", strerror(e));
		goto out;
	}
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		int e = errno;
		o = e == EINTR && stopping ? CUT : e == EAGAIN ? UNANSWERED : ERROR;
		snprintf(why, whycap, "send: %s", strerror(e));
		goto out;
	}
	ssize_t n = recv(fd, reply, sizeof reply - 1, 0);
	if (n < 0) {
		int e = errno;
		o = e == EINTR && stopping ? CUT : e == EAGAIN ? UNANSWERED : ERROR;
		snprintf(why, whycap, "no reply within %u ms: %s", timeout_ms, strerror(e));
		goto out;
	}
	if (n == 0) {
		o = UNANSWERED;
		snprintf(why, whycap, "PID 1 closed the connection without a reply");
		goto out;
	}
	reply[n] = '\0';
	if (!strncmp(reply, "error\nbusy:", 11))
		o = BUSY;
	else if (strncmp(reply, "ok\n", 3)) {
		o = ERROR;
		snprintf(why, whycap, "%s: reply %.60s", req, reply);
	}
out:
	*us = now_us() - t0;
	close(fd);
	return o;
}

static void count(struct counts *c, enum outcome o)
{
	if (o == CUT)
		return;
	c->requests++;
	c->answered += o == ANSWERED;
	c->busy += o == BUSY;
	c->unanswered += o == UNANSWERED;
	c->errors += o == ERROR;
}

/* A client: status requests until stopped; writes "requests answered busy unanswered errors" and
 * then one latency (µs) per answered request to OUTDIR/lat.N. */
static int client(int n, unsigned timeout_ms, const char *outdir)
{
	struct counts c = {0};
	size_t cap = 4096, len = 0;
	uint32_t *lat = malloc(cap * sizeof *lat);
	char why[160], path[512];
	int said = 0;

	if (!lat)
		return 1;
	while (!stopping) {
		uint64_t us;
		enum outcome o = ask("status", timeout_ms, &us, why, sizeof why);
		count(&c, o);
		if (o == ANSWERED) {
			if (len == cap) {
				uint32_t *more = realloc(lat, 2 * cap * sizeof *lat);
				if (!more)
					break;
				lat = more;
				cap *= 2;
			}
			lat[len++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		} else if ((o == UNANSWERED || o == ERROR) && said++ < 2) {
			fprintf(stderr, "soak-load: client %d: %s\n", n, why);
		}
	}
	snprintf(path, sizeof path, "%s/lat.%d", outdir, n);
	FILE *f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "%llu %llu %llu %llu %llu\n", (unsigned long long)c.requests, (unsigned long long)c.answered,
		(unsigned long long)c.busy, (unsigned long long)c.unanswered, (unsigned long long)c.errors);
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%u\n", lat[i]);
	fclose(f);
	free(lat);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: soak-load CLIENTS RELOAD_MS TIMEOUT_MS OUTDIR\n");
		return 2;
	}
	int nclients = atoi(argv[1]);
	unsigned reload_ms = (unsigned)atoi(argv[2]), timeout_ms = (unsigned)atoi(argv[3]);
	const char *outdir = argv[4];
	if (nclients < 1 || nclients > MAX_CLIENTS || reload_ms < 1 || timeout_ms < 1) {
		fprintf(stderr, "soak-load: bad arguments\n");
		return 2;
	}
	/* No SA_RESTART: a stop must interrupt a client waiting for its reply. */
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	static pid_t kids[MAX_CLIENTS];
	for (int i = 0; i < nclients; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(client(i, timeout_ms, outdir));
		if (kids[i] < 0) {
			fprintf(stderr, "soak-load: fork: %s\n", strerror(errno));
			nclients = i;
			stopping = 1;
			break;
		}
	}
	printf("soak-load: %d clients running\n", nclients);
	fflush(stdout);

	struct counts rl = {0};
	uint64_t reload_max = 0, next = now_us() + reload_ms * 1000ull;
	char why[160];
	while (!stopping) {
		uint64_t t = now_us();
		int wait_ms = t >= next ? 0 : (int)((next - t) / 1000);
		struct pollfd p = {.fd = 0, .events = POLLIN};
		int r = poll(&p, 1, wait_ms);
		if (r > 0) {
			char buf[64];
			if (read(0, buf, sizeof buf) <= 0)
				break; /* stdin closed: the test says stop */
			continue;
		}
		if (now_us() < next)
			continue;
		uint64_t us;
		enum outcome o = ask("daemon-reload", timeout_ms, &us, why, sizeof why);
		count(&rl, o);
		if (o == ANSWERED && us > reload_max)
			reload_max = us;
		if (o == UNANSWERED || o == ERROR)
			fprintf(stderr, "soak-load: daemon-reload: %s\n", why);
		next = now_us() + reload_ms * 1000ull;
	}
	for (int i = 0; i < nclients; i++)
		kill(kids[i], SIGTERM);
	struct counts all = {0};
	size_t cap = 1 << 16, len = 0;
	uint32_t *lat = malloc(cap * sizeof *lat);
	int lost = 0;
	for (int i = 0; i < nclients; i++) {
		int st;
		char path[512];
		while (waitpid(kids[i], &st, 0) < 0 && errno == EINTR)
			;
		snprintf(path, sizeof path, "%s/lat.%d", outdir, i);
		FILE *f = fopen(path, "r");
		unsigned long long q, a, b, u, e;
		if (!f || fscanf(f, "%llu %llu %llu %llu %llu", &q, &a, &b, &u, &e) != 5) {
			lost++;
			if (f)
				fclose(f);
			continue;
		}
		all.requests += q, all.answered += a, all.busy += b, all.unanswered += u, all.errors += e;
		unsigned v;
		while (lat && fscanf(f, "%u", &v) == 1) {
			if (len == cap) {
				uint32_t *more = realloc(lat, 2 * cap * sizeof *lat);
				if (!more)
					break;
				lat = more;
				cap *= 2;
			}
			lat[len++] = v;
		}
		fclose(f);
		unlink(path);
	}
	if (lost)
		fprintf(stderr, "soak-load: %d clients left no results\n", lost);
	uint32_t p50 = 0, p99 = 0, max = 0;
	if (lat && len) {
		qsort(lat, len, sizeof *lat, cmp_u32);
		p50 = lat[len / 2];
		p99 = lat[len * 99 / 100];
		max = lat[len - 1];
	}
	free(lat);
	printf("soak-load: requests=%llu answered=%llu busy=%llu unanswered=%llu errors=%llu p50_us=%u p99_us=%u "
	       "max_us=%u reloads=%llu reloads_answered=%llu reload_max_us=%llu lost_clients=%d\n",
	       (unsigned long long)all.requests, (unsigned long long)all.answered, (unsigned long long)all.busy,
	       (unsigned long long)all.unanswered, (unsigned long long)all.errors, p50, p99, max,
	       (unsigned long long)rl.requests, (unsigned long long)rl.answered, (unsigned long long)reload_max,
	       lost);
	return all.unanswered || all.errors || rl.unanswered || rl.errors || lost ? 1 : 0;
}
