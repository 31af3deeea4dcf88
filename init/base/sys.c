#include "sys.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double real_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static pid_t real_spawn(void (*child)(void *arg), void *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		child(arg);
		_exit(127); /* child() must not return; if it does, the child must not run PID 1's code */
	}
	return pid;
}

static int real_pidfd_open(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

static int real_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* open(2) is variadic; the seam's pointer has a fixed third argument. */
static int real_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

struct ek_sys ek_sys = {
	.mount = mount,
	.umount2 = umount2,
	.reboot = reboot,
	.sync = sync,
	.kill = kill,
	.now_ms = real_now_ms,
	.spawn = real_spawn,
	.waitpid = waitpid,
	.waitid = waitid,
	.pidfd_open = real_pidfd_open,
	.pidfd_send_signal = real_pidfd_send_signal,
	.open = real_open,
};
