#include "console_shell.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "signals.h"

bool ek_shell_allowed;
char ek_console_path[64] = "/dev/console";
volatile pid_t ek_console_sid;

void console_tty(char *out, size_t cap)
{
	char buf[256];
	snprintf(out, cap, "/dev/console");
	FILE *f = fopen("/sys/class/tty/console/active", "re");
	if (!f)
		return;
	if (fgets(buf, sizeof buf, f)) {
		/* The last name listed is the one /dev/console writes to. */
		buf[strcspn(buf, "\n")] = '\0';
		char *last = strrchr(buf, ' ');
		last = last ? last + 1 : buf;
		char path[300];
		snprintf(path, sizeof path, "/dev/%s", last);
		if (*last && access(path, R_OK | W_OK) == 0) {
			snprintf(out, cap, "%s", path);
			snprintf(ek_console_path, sizeof ek_console_path, "%s", path);
		}
	}
	fclose(f);
}

pid_t console_shell_spawn(const char *tty)
{
	/* A raw clone rather than glibc's fork(): the crash handler calls this too, and after a crash
	 * inside malloc fork's at-fork handlers could deadlock on its locks. */
	pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	signals_reset_for_child();
	setsid();
	int fd = open(tty, O_RDWR | O_NOCTTY);
	if (fd < 0)
		fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd >= 0) {
		ioctl(fd, TIOCSCTTY, 1);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (chdir("/root") < 0 && chdir("/") < 0) {
		/* nowhere better to be */
	}
	static char *const env[] = {
		"HOME=/root", "TERM=vt220", "SHELL=/bin/sh", "USER=root", "LOGNAME=root",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL,
	};
	static char *const argv[] = {"-sh", NULL};
	execve("/bin/sh", argv, env);
	static const char msg[] = "ekinit: error: cannot run /bin/sh for the console shell\n";
	ssize_t w = write(2, msg, sizeof msg - 1);
	(void)w;
	_exit(127);
}
