#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "share.h"

long read_small_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			close(fd);
			return -EFBIG;
		}
	}
	close(fd);
	buf[n] = '\0';
	return (long)n;
}

int copy_file_atomic(const char *src, const char *dst, mode_t mode, char *err, size_t errlen)
{
	enum { CAP = 1 << 20 };
	char *buf = malloc(CAP);
	if (!buf)
		return -ENOMEM;
	long n = read_small_file(src, buf, CAP);
	int r;
	if (n < 0) {
		r = (int)n;
		snprintf(err, errlen, "%s: %s", src, strerror(-r));
	} else {
		r = share_write_atomic(dst, buf, (size_t)n, mode, err, errlen);
	}
	free(buf);
	return r;
}
