/* ekbench-sendcopy: the copy at the memory limit. Copies the bytes of every regular file under
 * SRC into the same path under DST with one sendfile(2) loop per file: directories are created,
 * nothing else (no symlinks, owners, times or hard links; mode bits only). What ekinit's root
 * move does beyond this is its overhead. Skips DST itself and the API file systems. Benchmark
 * only (make bench); built static on the host so that it needs nothing in the image. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *src, *dst;
static size_t srclen;
static unsigned long long bytes, files;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	char out[4096];
	const char *rel = path + srclen;
	if (!strcmp(path, dst) || !strcmp(rel, "/proc") || !strcmp(rel, "proc") || !strcmp(rel, "/sys") ||
	    !strcmp(rel, "/dev") || !strcmp(rel, "sys") || !strcmp(rel, "dev"))
		return FTW_SKIP_SUBTREE;
	snprintf(out, sizeof out, "%s/%s", dst, *rel == '/' ? rel + 1 : rel);
	if (type == FTW_D) {
		if (mkdir(out, st->st_mode & 07777) < 0 && errno != EEXIST)
			perror(out);
		return FTW_CONTINUE;
	}
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return FTW_CONTINUE;
	int in = open(path, O_RDONLY | O_CLOEXEC), o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st->st_mode & 07777);
	if (in < 0 || o < 0) {
		perror(path);
	} else {
		off_t left = st->st_size;
		ssize_t n;
		while (left > 0 && (n = sendfile(o, in, NULL, (size_t)left)) > 0)
			left -= n;
		bytes += (unsigned long long)(st->st_size - left);
		files++;
	}
	if (in >= 0)
		close(in);
	if (o >= 0)
		close(o);
	return FTW_CONTINUE;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: sendcopy SRC DST\n");
		return 2;
	}
	src = argv[1];
	dst = argv[2];
	srclen = strcmp(src, "/") ? strlen(src) : 0;
	if (nftw(src, visit, 64, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL) < 0) {
		perror("nftw");
		return 1;
	}
	printf("ekbench: sendcopy files=%llu bytes=%llu\n", files, bytes);
	return 0;
}
