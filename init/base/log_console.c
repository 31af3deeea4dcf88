/* PID 1's own description of the console (log_console.h). */
#include "log_console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "sys.h"

#define TTY_MAJOR 4         /* tty0..tty63 (virtual consoles), ttyS0.. from minor 64 */
#define TTYAUX_MAJOR 5      /* 5:1 is /dev/console */
#define SERIAL_MINOR_BASE 64

bool log_console_reopen_path(const struct stat *st, char *path, size_t cap)
{
	if (!S_ISCHR(st->st_mode))
		return false;
	unsigned maj = major(st->st_rdev), min = minor(st->st_rdev);
	int n;
	if (maj == TTYAUX_MAJOR && min == 1)
		n = snprintf(path, cap, "/dev/console");
	else if (maj == TTY_MAJOR && min < SERIAL_MINOR_BASE)
		n = snprintf(path, cap, "/dev/tty%u", min);
	else if (maj == TTY_MAJOR)
		n = snprintf(path, cap, "/dev/ttyS%u", min - SERIAL_MINOR_BASE);
	else
		return false; /* /dev/tty (5:0), a pty, /dev/null, ...: not the kernel's console */
	return n > 0 && (size_t)n < cap;
}

/* The node at path may be missing (an initramfs without it, the new root right after the re-exec)
 * or be another device: what is opened must be the very device fd is. */
static int open_same_device(const char *path, dev_t rdev)
{
	int fd = ek_sys.open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != rdev) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

int log_console_open(int fd, const char *path)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	int own = open_same_device(path, st.st_rdev);
	if (own < 0) {
		/* Opening the fd's own /proc entry opens the device again: a description of its own. */
		char self[40];
		snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
		int r = open_same_device(self, st.st_rdev);
		if (r < 0)
			return own;
		own = r;
	}
	/* An earlier PID 1 (before the re-exec of the root move) may have set it. */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return own;
}

int log_console_setup(void)
{
	int fd = ek_log_fd();
	struct stat st;
	char path[32];
	if (fstat(fd, &st) < 0 || !log_console_reopen_path(&st, path, sizeof path))
		return fd;
	int own = log_console_open(fd, path);
	if (own < 0) {
		ek_warn("cannot open %s for PID 1's own lines (%s): its console writes share the "
			"description the processes it starts inherit, and they may lose output",
			path, strerror(-own));
		return fd;
	}
	ek_log_set_fd(own);
	return own;
}

void log_console_child_stdio(void)
{
	int fd = ek_log_fd();
	if (fd <= 2)
		return; /* fd 2 itself (a pipe, a pty): nothing to redirect */
	fflush(stdout);
	fflush(stderr);
	dup2(fd, 1);
	dup2(fd, 2);
}
