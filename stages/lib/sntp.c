#include "sntp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "valid.h"

#define NTP_UNIX_DELTA 2208988800LL /* seconds from 1900 to 1970 */

void ntp_ts_put(unsigned char out[8], int64_t unix_ns)
{
	uint64_t sec = (uint64_t)(unix_ns / 1000000000 + NTP_UNIX_DELTA);
	uint64_t frac = ((uint64_t)(unix_ns % 1000000000) << 32) / 1000000000;
	uint64_t v = sec << 32 | frac;
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (unsigned char)v;
}

static int64_t ntp_ts_get(const unsigned char in[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	int64_t sec = (int64_t)(v >> 32) - NTP_UNIX_DELTA;
	int64_t ns = (int64_t)(((v & 0xffffffffu) * 1000000000) >> 32);
	return sec * 1000000000 + ns;
}

void sntp_request(unsigned char pkt[48], int64_t t1_ns)
{
	memset(pkt, 0, 48);
	pkt[0] = 0x23; /* LI 0, version 4, mode 3 (client) */
	ntp_ts_put(pkt + 40, t1_ns);
}

int sntp_answer_offset(const unsigned char pkt[48], int64_t t1_ns, int64_t t4_ns, int64_t *offset_ms)
{
	unsigned char t1[8];
	ntp_ts_put(t1, t1_ns);
	int mode = pkt[0] & 7, stratum = pkt[1];
	/* Our transmit time echoed back proves the answer is to this request, not a stray or spoofed one. */
	if (mode != 4 || stratum < 1 || stratum > 15 || memcmp(pkt + 24, t1, 8) || (pkt[0] >> 6) == 3)
		return -EBADMSG;
	int64_t t2 = ntp_ts_get(pkt + 32), t3 = ntp_ts_get(pkt + 40);
	if (t3 == -NTP_UNIX_DELTA * 1000000000)
		return -EBADMSG;
	*offset_ms = ((t2 - t1_ns) + (t3 - t4_ns)) / 2 / 1000000;
	return 0;
}

static int64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int sntp_offset(const char *server, unsigned port, int timeout_ms, int64_t *offset_ms, char *err, size_t errlen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (!valid_ipv4(server, &sa.sin_addr)) {
		snprintf(err, errlen, "SNTP server '%.64s' is not an IPv4 address", server);
		return -EINVAL;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		snprintf(err, errlen, "SNTP %s:%u: %s", server, port, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	int64_t deadline = mono_ms() + timeout_ms, next_send = 0;
	int r = -ETIMEDOUT, resend_ms = 200;
	int64_t t1 = 0;
	while (mono_ms() < deadline) {
		if (mono_ms() >= next_send) {
			/* UDP may be lost: ask again, waiting twice as long each time. */
			unsigned char req[48];
			t1 = real_ns();
			sntp_request(req, t1);
			if (send(fd, req, sizeof req, 0) < 0 && errno != ECONNREFUSED) {
				r = -errno;
				break;
			}
			next_send = mono_ms() + resend_ms;
			resend_ms *= 2;
		}
		int64_t wait = (next_send < deadline ? next_send : deadline) - mono_ms();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, wait > 0 ? (int)wait : 0) <= 0)
			continue;
		unsigned char ans[64];
		ssize_t n = recv(fd, ans, sizeof ans, 0);
		int64_t t4 = real_ns();
		if (n == 48 && sntp_answer_offset(ans, t1, t4, offset_ms) == 0) {
			r = 0;
			break;
		}
	}
	close(fd);
	if (r < 0)
		snprintf(err, errlen, "SNTP %s:%u: %s", server, port,
			 r == -ETIMEDOUT ? "no valid answer before the deadline" : strerror(-r));
	return r;
}

int clock_step(int64_t offset_ms, char *err, size_t errlen)
{
	int64_t t = real_ns() + offset_ms * 1000000;
	struct timespec ts = {.tv_sec = t / 1000000000, .tv_nsec = t % 1000000000};
	if (clock_settime(CLOCK_REALTIME, &ts) < 0) {
		int e = errno;
		snprintf(err, errlen, "clock_settime: %s", strerror(e));
		return -e;
	}
	return 0;
}
