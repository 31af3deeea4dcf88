#include "share_mount.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int share_is_mounted(const char *dir, char *err, size_t errlen)
{
	struct stat self, parent;
	char up[4200];
	if (snprintf(up, sizeof up, "%s/..", dir) >= (int)sizeof up) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	if (stat(dir, &self) < 0 || stat(up, &parent) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(e));
		return -e;
	}
	if (!S_ISDIR(self.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -ENOTDIR;
	}
	/* / is its own parent: the root is always a mount. */
	return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;
}

static long long mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int share_wait_mounted(const char *dir, long long deadline_ms, void (*status)(const char *text))
{
	/* The kernel marks /proc/self/mountinfo readable-with-priority on every mount or unmount. */
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	bool told = false;
	int r;
	char err[300], text[600], shown[600] = "";
	while ((r = share_is_mounted(dir, err, sizeof err)) != 1) {
		if (r < 0)
			snprintf(text, sizeof text, "waiting for the share: %s", err);
		else
			snprintf(text, sizeof text,
				 "waiting for the share: %s is not mounted (nothing is done on a local directory)", dir);
		if (status && strcmp(text, shown)) /* each new reason once, not every wake-up */
			status(text);
		snprintf(shown, sizeof shown, "%s", text);
		told = true;
		int wait = 5000;
		if (deadline_ms) {
			long long left = deadline_ms - mono_ms();
			if (left <= 0) {
				if (fd >= 0)
					close(fd);
				return -ETIMEDOUT;
			}
			wait = left < wait ? (int)left : wait;
		}
		struct pollfd p = {.fd = fd, .events = POLLPRI};
		/* poll itself takes the event: the next poll waits for the next change */
		if (fd < 0 || poll(&p, 1, wait) < 0) {
			struct timespec ts = {wait / 1000, (long)(wait % 1000) * 1000000};
			nanosleep(&ts, NULL);
		}
	}
	if (fd >= 0)
		close(fd);
	if (told && status) {
		snprintf(text, sizeof text, "the share %s is mounted", dir);
		status(text);
	}
	return 0;
}
