#include "log.h"
#include "hex.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CONSOLE_GRACE_MS 20

bool ek_debug_enabled;
static int log_fd = 2;
static char kept[EK_WARN_KEEP][EK_LINE_MAX];
static unsigned kept_total;
static bool log_fd_nonblocking;
static unsigned console_dropped, dropped_unreported;

void ek_log_set_fd(int fd)
{
	log_fd = fd;
	log_fd_nonblocking = false;
}

int ek_log_fd(void)
{
	return log_fd;
}

unsigned ek_log_console_dropped(void)
{
	return console_dropped;
}

/* A stopped console (Ctrl-S on the serial shell, a stalled UART, a full pty) must never stop PID 1:
 * its writes are non-blocking, and what does not fit is dropped and counted (dinit's rule: logging
 * drops, never blocks). O_NONBLOCK is set on log_fd's open file description: on the console
 * device that is one PID 1 opened for itself (log_console.c), so the processes that inherit the
 * kernel's description of the console still write to it blocking; on a pipe or a pty (a test
 * harness) it is the description PID 1 was given. */
static bool console_write(const char *buf, size_t len)
{
	if (!log_fd_nonblocking) {
		int fl = fcntl(log_fd, F_GETFL);
		if (fl >= 0 && !(fl & O_NONBLOCK))
			fcntl(log_fd, F_SETFL, fl | O_NONBLOCK);
		log_fd_nonblocking = true;
	}
	/* A console that is merely slow (a serial line during a burst of lines) gets a short grace
	 * to drain, once; a console that is already dropping gets none, so a stopped one costs PID 1
	 * at most one grace per stall, not one per line. */
	bool grace = dropped_unreported == 0;
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(log_fd, buf + done, len - done);
		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN && grace) {
			struct pollfd p = {.fd = log_fd, .events = POLLOUT};
			grace = false;
			if (poll(&p, 1, CONSOLE_GRACE_MS) > 0)
				continue;
		}
		return false; /* the rest of the line is dropped, not retried later */
	}
	return true;
}

static void keep_line(const char *s, size_t len)
{
	memcpy(kept[kept_total % EK_WARN_KEEP], s, len);
	kept[kept_total % EK_WARN_KEEP][len] = '\0';
	kept_total++;
}

/* One write per line (retried only for what a slow console took in part), so lines from PID 1
 * and its children do not interleave mid-line. */
static void emit(const char *prefix, const char *fmt, va_list ap, bool keep)
{
	char line[EK_LINE_MAX];
	int saved = errno;
	int n = snprintf(line, sizeof line, "ekinit: %s", prefix);
	if (n < 0)
		n = 0;
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	if (keep)
		keep_line(line + 8, len - 8);
	line[len++] = '\n';
	if (dropped_unreported) {
		char note[96];
		int k = snprintf(note, sizeof note, "ekinit: %u console lines dropped (the console did not take them)\n",
				 dropped_unreported);
		if (k > 0 && console_write(note, (size_t)k))
			dropped_unreported = 0;
	}
	if (dropped_unreported || !console_write(line, len)) {
		console_dropped++;
		dropped_unreported++;
	}
	errno = saved;
}

void ek_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("", fmt, ap, false);
	va_end(ap);
}

void ek_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("warning: ", fmt, ap, true);
	va_end(ap);
}

void ek_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("error: ", fmt, ap, true);
	va_end(ap);
}

void ek_debug(const char *fmt, ...)
{
	if (!ek_debug_enabled)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit("debug: ", fmt, ap, false);
	va_end(ap);
}

size_t ek_log_kept(const char *out[EK_WARN_KEEP])
{
	size_t n = kept_total < EK_WARN_KEEP ? kept_total : EK_WARN_KEEP;
	size_t first = kept_total - n;
	for (size_t i = 0; i < n; i++)
		out[i] = kept[(first + i) % EK_WARN_KEEP];
	return n;
}

unsigned ek_log_problem_count(void)
{
	return kept_total;
}

int ek_log_serialize(char *out, size_t cap)
{
	const char *lines[EK_WARN_KEEP];
	size_t n = ek_log_kept(lines), len = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && len + 1 < cap)
			out[len++] = ';';
		for (const unsigned char *p = (const unsigned char *)lines[i]; *p; p++) {
			if (len + 3 > cap)
				return -E2BIG;
			snprintf(out + len, 3, "%02x", *p);
			len += 2;
		}
	}
	if (len >= cap)
		return -E2BIG;
	out[len] = '\0';
	return 0;
}

int ek_log_restore(const char *in)
{
	char line[EK_LINE_MAX];
	size_t len = 0;
	for (const char *p = in;; p += 2) {
		if (*p == ';' || *p == '\0') {
			if (len)
				keep_line(line, len);
			len = 0;
			if (*p == '\0')
				return 0;
			p--; /* the separator is one byte, not two */
			continue;
		}
		int hi = hex_digit_value(p[0]), lo = p[1] ? hex_digit_value(p[1]) : -1;
		if (hi < 0 || lo < 0 || (hi | lo) == 0 || len + 1 >= sizeof line)
			return -EINVAL;
		line[len++] = (char)(hi * 16 + lo);
	}
}
