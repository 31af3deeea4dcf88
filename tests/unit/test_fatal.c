/* The fatal path reboots even when sync(2) never returns (a dead NFS server): the sync runs in a
 * child under a deadline, never in PID 1 itself. ek_fatal runs in a forked child of the test, with
 * the reboot faked as an exit with a known code. */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "t.h"
#include "fatal.h"
#include "sys.h"

static void sync_hangs(void)
{
	for (;;)
		pause();
}

static int reboot_exits(int cmd)
{
	(void)cmd;
	_exit(42);
}

TEST(test_reboot_despite_hanging_sync)
{
	pid_t pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0); /* the sync child joins this group, so the test can end it */
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		ek_sys.sync = sync_hangs;
		ek_sys.reboot = reboot_exits;
		ek_fatal_countdown = 0;
		ek_fatal_sync_ms = 300;
		ek_fatal("test");
	}
	int status = 0;
	pid_t p = 0;
	for (int i = 0; i < 100 && p == 0; i++) { /* a deadline of 10 s for the reboot */
		p = waitpid(pid, &status, WNOHANG);
		struct timespec ts = {.tv_nsec = 100 * 1000000L};
		if (p == 0)
			nanosleep(&ts, NULL);
	}
	kill(-pid, SIGKILL); /* the sync child, still blocked */
	if (p == 0) {
		waitpid(pid, &status, 0);
		T_FAIL("ek_fatal did not reach the reboot within 10 s (blocked in sync?)");
	}
	T_ASSERT(WIFEXITED(status));
	T_EQ_INT(WEXITSTATUS(status), 42);
}

int main(void)
{
	T_RUN(test_reboot_despite_hanging_sync);
	return T_END();
}
