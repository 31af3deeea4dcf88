/* The console shells' life in PID 1 (shell.h); console_shell.c does the spawning. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shell.h"

#include "console_shell.h"
#include "log.h"
#include "sys.h"

#define SHELL_FAST_EXIT_MS 2000
#define SHELL_FAST_EXITS_MAX 5

/* The kernel starts init with the console on fds 0-2 when /dev/console exists; if it did not,
 * give ourselves one so messages are not lost. */
void shell_console_fds(void)
{
	if (fcntl(2, F_GETFD) >= 0)
		return;
	int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static void wait_for(pid_t pid)
{
	pid_t p;
	while ((p = waitpid(-1, NULL, 0)) != pid)
		if (p < 0 && errno != EINTR)
			return;
}

void shell_break(struct ekinit *ek, const char *step)
{
	char tty[64];
	ek->boot.break_pending = false;
	console_tty(tty, sizeof tty);
	ek_info("break before %s: shell started, exit it to resume boot", step);
	pid_t pid = console_shell_spawn(tty);
	if (pid < 0)
		ek_err("break: cannot start a shell: %s", strerror(-pid));
	else
		wait_for(pid);
	ek_info("resuming boot");
}

void shell_start(struct ekinit *ek)
{
	char tty[64];
	if (!ek->boot.cmd.shell || ek->boot.break_pending || ek->shell_pid > 0 || strcmp(ek->state, "stopping") == 0)
		return;
	console_tty(tty, sizeof tty);
	pid_t pid = console_shell_spawn(tty);
	if (pid < 0) {
		ek_err("console shell: %s", strerror(-pid));
		return;
	}
	if (ek->shell_fast_exits == 0)
		ek_info("console shell on %s", tty);
	ek->shell_pid = pid;
	ek_console_sid = pid; /* the shell is its own session leader */
	ek->shell_started_ms = ek_sys.now_ms();
}

void shell_exited(struct ekinit *ek)
{
	ek->shell_pid = 0;
	ek_console_sid = 0;
	if (ek_sys.now_ms() - ek->shell_started_ms < SHELL_FAST_EXIT_MS) {
		if (++ek->shell_fast_exits >= SHELL_FAST_EXITS_MAX) {
			ek_err("console shell exits at once, %d times in a row; not restarting it", SHELL_FAST_EXITS_MAX);
			return;
		}
	} else {
		ek->shell_fast_exits = 0;
	}
	shell_start(ek);
}
