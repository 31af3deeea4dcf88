#include "reset_epoch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int reset_epoch_read(const char *share, char *out, size_t cap)
{
	char path[400], buf[32];
	snprintf(path, sizeof path, "%s/reset-epoch", share);
	out[0] = '\0';
	/* O_NONBLOCK: a FIFO planted there must not hang the reader. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -EBADMSG;
	buf[n] = '\0';
	size_t len = strcspn(buf, "\n");
	if (len == 0 || len > 20 || (buf[len] == '\n' && buf[len + 1]) || len >= cap)
		return -EBADMSG;
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return -EBADMSG;
	snprintf(out, cap, "%s", buf);
	return 0;
}
