/* ekbench-memsample: samples MemAvailable and Shmem from /proc/meminfo every 5 ms and prints
 * the lowest MemAvailable and highest Shmem seen, then exits, as soon as /proc/meminfo is no
 * longer reachable by path (the root move has moved /proc out of the old root). Benchmark only
 * (make bench); built static on the host so that it needs nothing in the image.
 * With a FIFO's path as its argument it writes one byte there after its first sample: the stand-in
 * starts it in the background and reads that byte before the move starts, so the move never begins
 * before the sampler has /proc/meminfo open. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long field(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	char buf[8192];
	long min_avail = -1, max_shmem = -1, first_avail = -1, first_shmem = -1, n = 0;
	struct timespec ts = {0, 5 * 1000 * 1000};
	/* Its own description of the console: ekinit once set O_NONBLOCK on the console description it
	 * inherited, which fd 1 shares here, and the line was lost (EAGAIN) while the UART was busy.
	 * ekinit now logs through a description of its own; this open keeps the bench independent of
	 * which init runs after the stand-in. */
	int out = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (out < 0)
		out = 1;
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	for (;;) {
		ssize_t r = pread(fd, buf, sizeof buf - 1, 0);
		if (r <= 0)
			break;
		buf[r] = 0;
		long a = field(buf, "\nMemAvailable:"), s = field(buf, "\nShmem:");
		if (first_avail < 0)
			first_avail = a, first_shmem = s;
		if (min_avail < 0 || a < min_avail)
			min_avail = a;
		if (s > max_shmem)
			max_shmem = s;
		if (n++ == 0 && argc > 1) {
			int ready = open(argv[1], O_WRONLY | O_CLOEXEC);
			if (ready >= 0) {
				if (write(ready, "1", 1) < 0) {
					/* the reader is gone: nothing to tell */
				}
				close(ready);
			}
		}
		if (access("/proc/meminfo", R_OK) != 0)
			break;
		nanosleep(&ts, NULL);
	}
	dprintf(out, "ekbench: memsample samples=%ld first_avail_kb=%ld min_avail_kb=%ld first_shmem_kb=%ld max_shmem_kb=%ld\n",
		n, first_avail, min_avail, first_shmem, max_shmem);
	return 0;
}
