/* hungfs MOUNTPOINT: a file system that never answers, for the namespace tier. It opens /dev/fuse,
 * mounts a FUSE file system on MOUNTPOINT with that descriptor, and then never reads a request
 * from it: the kernel's FUSE_INIT and every later request wait for an answer that never comes, so
 * stat(), access(), mkdir() or inotify_add_watch() on a path under MOUNTPOINT block (killably, as
 * on a dead NFS server with a hard mount). The parent exits once the mount is there (a forking
 * daemon for ekinit); a child keeps the descriptor open and sleeps, because closing it would
 * abort the connection and turn the hang into ENOTCONN. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: hungfs MOUNTPOINT\n");
		return 2;
	}
	int fd = open("/dev/fuse", O_RDWR);
	if (fd < 0 && errno == ENOENT && mknod("/dev/fuse", S_IFCHR | 0600, makedev(10, 229)) == 0)
		fd = open("/dev/fuse", O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "hungfs: /dev/fuse: %s\n", strerror(errno));
		return 1;
	}
	if (mkdir(argv[1], 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "hungfs: mkdir %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	char opts[128];
	snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
	if (mount("hungfs", argv[1], "fuse.hungfs", MS_NOSUID | MS_NODEV, opts) < 0) {
		fprintf(stderr, "hungfs: mount %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "hungfs: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		/* Nobody waits for its output: a caller reading ours until EOF must not wait for it. */
		int null = open("/dev/null", O_RDWR);
		for (int i = 0; i < 3 && null >= 0; i++)
			dup2(null, i);
		for (;;)
			pause();
	}
	printf("hungfs: %s mounted; nothing under it will ever answer (pid %d holds it)\n", argv[1], (int)pid);
	return 0;
}
