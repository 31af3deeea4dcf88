/* Reading and following a service's log files (follow.h). PID 1 writes DIR/NAME.log; when it is
 * full, PID 1 renames it to NAME.log.1 (dropping the previous one) and starts a new NAME.log. A
 * follower keeps its descriptor across the rename, drains what is left in the old file, then
 * switches to the new one when inotify reports it created. */
#include "follow.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_MAX (16u << 20) /* a log ring is small; refuse to slurp anything absurd */

/* Appends what fd holds from its offset to *buf (realloc'd). Returns 0 or -errno. */
static int slurp(int fd, char **buf, size_t *len)
{
	for (;;) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (*len + (size_t)n > READ_MAX)
			return -EFBIG;
		char *p = realloc(*buf, *len + (size_t)n + 1);
		if (!p)
			return -ENOMEM;
		memcpy(p + *len, chunk, (size_t)n);
		*buf = p;
		*len += (size_t)n;
	}
}

/* Writes the last n lines of buf[0..len) to stdout. */
static void print_last(const char *buf, size_t len, unsigned n)
{
	size_t start = len;
	unsigned lines = 0;
	if (start > 0 && buf[start - 1] == '\n')
		start--; /* the final newline ends the last line; it does not start one */
	while (start > 0) {
		if (buf[start - 1] == '\n' && ++lines == n)
			break;
		start--;
	}
	if (n == 0)
		start = len;
	fwrite(buf + start, 1, len - start, stdout);
	fflush(stdout);
}

static void paths(const char *dir, const char *unit, char *cur, char *old)
{
	snprintf(cur, PATH_MAX, "%s/%s.log", dir, unit);
	snprintf(old, PATH_MAX, "%s/%s.log.1", dir, unit);
}

/* Reads NAME.log.1 and then NAME.log (through *curfd, left open at its end when wanted). */
static int read_both(const char *cur, const char *old, int *curfd, char **buf, size_t *len)
{
	int r = 0, fd = open(old, O_RDONLY | O_CLOEXEC);
	bool any = fd >= 0;
	if (fd >= 0) {
		r = slurp(fd, buf, len);
		close(fd);
	}
	fd = open(cur, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		any = true;
		int r2 = slurp(fd, buf, len);
		r = r ? r : r2;
	}
	if (curfd)
		*curfd = fd;
	else if (fd >= 0)
		close(fd);
	return r < 0 ? r : any ? 0 : -ENOENT;
}

int ekc_tail(const char *dir, const char *unit, unsigned n)
{
	char cur[PATH_MAX], old[PATH_MAX];
	char *buf = NULL;
	size_t len = 0;
	paths(dir, unit, cur, old);
	int r = read_both(cur, old, NULL, &buf, &len);
	if (r == 0)
		print_last(buf, len, n);
	free(buf);
	return r;
}

/* Copies what fd has beyond its offset to stdout; starts over if the file was truncated. */
static int drain(int fd)
{
	struct stat st;
	off_t pos = lseek(fd, 0, SEEK_CUR);
	if (fstat(fd, &st) == 0 && pos > st.st_size)
		lseek(fd, 0, SEEK_SET);
	for (;;) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		if (fwrite(chunk, 1, (size_t)n, stdout) != (size_t)n || fflush(stdout) != 0)
			return -EPIPE;
	}
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	return a >= 0 && fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int ekc_follow(const char *dir, const char *unit, unsigned n)
{
	char cur[PATH_MAX], old[PATH_MAX], name[NAME_MAX + 1];
	char *buf = NULL;
	size_t len = 0;
	int fd = -1;

	paths(dir, unit, cur, old);
	snprintf(name, sizeof name, "%s.log", unit);
	/* Watch first, then open: a rotation in between is then seen as an event. */
	int in = inotify_init1(IN_CLOEXEC);
	if (in < 0 || inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) < 0) {
		fprintf(stderr, "ekctl: logs -f: watching %s: %s\n", dir, strerror(errno));
		return 1;
	}
	int r = read_both(cur, old, &fd, &buf, &len);
	if (r < 0 && r != -ENOENT) {
		fprintf(stderr, "ekctl: logs -f: %s: %s\n", cur, strerror(-r));
		free(buf);
		return 1;
	}
	print_last(buf, len, n);
	free(buf);
	for (;;) {
		char ev[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
		ssize_t got = read(in, ev, sizeof ev);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			fprintf(stderr, "ekctl: logs -f: inotify: %s\n", got < 0 ? strerror(errno) : "closed");
			return 1;
		}
		bool reopen = false;
		for (char *p = ev; p < ev + got;) {
			struct inotify_event *e = (struct inotify_event *)p;
			p += sizeof *e + e->len;
			if (e->mask & IN_Q_OVERFLOW)
				reopen = true; /* events were lost: the file may have been replaced meanwhile */
			else if (e->len && !strcmp(e->name, name) && (e->mask & (IN_CREATE | IN_MOVED_TO)))
				reopen = true;
			else if (e->mask & IN_IGNORED) {
				fprintf(stderr, "ekctl: logs -f: %s went away\n", dir);
				return 1;
			}
		}
		/* Whatever happened, what the old descriptor still holds comes first. */
		if (fd >= 0 && drain(fd) == -EPIPE)
			return 1;
		if (reopen) {
			int nfd = open(cur, O_RDONLY | O_CLOEXEC);
			if (nfd >= 0 && same_file(fd, nfd)) {
				close(nfd); /* the event was about the file we already follow */
			} else if (nfd >= 0) {
				if (fd >= 0)
					close(fd);
				fd = nfd;
				if (drain(fd) == -EPIPE)
					return 1;
			}
		}
	}
}
