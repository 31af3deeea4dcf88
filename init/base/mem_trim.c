/* Dropping boot-only text pages from PID 1's resident set (mem_trim.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem_trim.h"

long mem_trim_text(const char *maps)
{
	/* Read the whole file first: madvise must not change the list while it is being read. */
	static char text[16384];
	int fd = open(maps, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	ssize_t n;
	while (len < sizeof text - 1 && (n = read(fd, text + len, sizeof text - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	text[len] = '\0';
	long kib = 0;
	for (char *line = text, *next; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		unsigned long start, end;
		char perms[8];
		int path = 0;
		/* "start-end perms offset dev inode path": only r-xp mappings of a file (a path). */
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &start, &end, perms, &path) < 3 || !path ||
		    line[path] != '/' || strcmp(perms, "r-xp") != 0 || end <= start)
			continue;
		if (madvise((void *)start, end - start, MADV_DONTNEED) == 0)
			kib += (long)((end - start) / 1024);
	}
	return kib;
}
