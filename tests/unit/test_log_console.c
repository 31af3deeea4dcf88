/* PID 1's own description of the console: which fd 2 is reopened (the console device) and which
 * is kept (a pipe, a pty), and that after the reopen the description the children share stays
 * blocking while PID 1's lines still never block. A pty stands in for the console device in the
 * open tests: the code opens whatever path it is given and checks it is the same device. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "t.h"
#include "log.h"
#include "log_console.h"
#include "sys.h"

static int logpipe[2];

static struct stat chr(unsigned maj, unsigned min)
{
	struct stat st;
	memset(&st, 0, sizeof st);
	st.st_mode = S_IFCHR | 0600;
	st.st_rdev = makedev(maj, min);
	return st;
}

static bool nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

TEST(test_console_devices_are_reopened)
{
	char path[32];
	struct stat st = chr(5, 1);
	T_ASSERT(log_console_reopen_path(&st, path, sizeof path));
	T_EQ_STR(path, "/dev/console");
	st = chr(4, 64); /* console=ttyS0 given to init directly */
	T_ASSERT(log_console_reopen_path(&st, path, sizeof path));
	T_EQ_STR(path, "/dev/ttyS0");
	st = chr(4, 65);
	T_ASSERT(log_console_reopen_path(&st, path, sizeof path));
	T_EQ_STR(path, "/dev/ttyS1");
	st = chr(4, 1);
	T_ASSERT(log_console_reopen_path(&st, path, sizeof path));
	T_EQ_STR(path, "/dev/tty1");
}

TEST(test_pipes_ptys_and_others_are_kept)
{
	char path[32];
	struct stat st;
	int p[2];
	T_ASSERT(pipe(p) == 0);
	T_ASSERT(fstat(p[1], &st) == 0);
	close(p[0]);
	close(p[1]);
	T_ASSERT(!log_console_reopen_path(&st, path, sizeof path));
	st = chr(136, 3); /* /dev/pts/3: a test harness's console */
	T_ASSERT(!log_console_reopen_path(&st, path, sizeof path));
	st = chr(5, 0); /* /dev/tty */
	T_ASSERT(!log_console_reopen_path(&st, path, sizeof path));
	st = chr(5, 2); /* /dev/ptmx */
	T_ASSERT(!log_console_reopen_path(&st, path, sizeof path));
	st = chr(1, 3); /* /dev/null */
	T_ASSERT(!log_console_reopen_path(&st, path, sizeof path));
	st = chr(5, 1);
	st.st_mode = S_IFBLK | 0600; /* a block device with the console's numbers is not it */
	T_ASSERT(!log_console_reopen_path(&st, path, sizeof path));
	st = chr(5, 1);
	T_ASSERT(!log_console_reopen_path(&st, path, 8)); /* no room for the path */
}

/* The pty's slave plays the kernel's console description: a previous PID 1 left O_NONBLOCK on it.
 * After the reopen it is blocking again (children write to it), the log writes to a description
 * of its own, and a stopped console still never blocks the log nor makes the shared one
 * non-blocking. SIGALRM (the test program dies without its summary line) is the deadline. */
TEST(test_own_description_leaves_the_shared_one_blocking)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	T_ASSERT(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
	int shared = open(ptsname(master), O_RDWR | O_NOCTTY);
	T_ASSERT(shared >= 0);
	T_EQ_INT(fcntl(shared, F_SETFL, fcntl(shared, F_GETFL) | O_NONBLOCK), 0);
	int own = log_console_open(shared, ptsname(master));
	T_ASSERT(own >= 0 && own != shared);
	T_ASSERT(!nonblocking(shared));
	T_ASSERT(nonblocking(own));
	T_ASSERT(fcntl(own, F_GETFD) & FD_CLOEXEC); /* not inherited by what PID 1 execs */

	ek_log_set_fd(own);
	T_EQ_INT(tcflow(shared, TCOOFF), 0);
	unsigned before = ek_log_console_dropped();
	alarm(5);
	for (int i = 0; i < 200; i++)
		ek_info("line %d while the console is stopped", i);
	alarm(0);
	T_ASSERT(ek_log_console_dropped() >= before + 200);
	T_ASSERT(!nonblocking(shared));
	T_EQ_INT(tcflow(shared, TCOON), 0);
	ek_log_set_fd(logpipe[1]);
	close(own);
	close(shared);
	close(master);
}

/* The node at the path is missing (the new root right after the re-exec): the fd's /proc entry
 * opens the same device. */
TEST(test_missing_node_falls_back_to_proc)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	T_ASSERT(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
	int shared = open(ptsname(master), O_RDWR | O_NOCTTY);
	T_ASSERT(shared >= 0);
	struct stat a, b;
	int own = log_console_open(shared, "/nonexistent/console");
	T_ASSERT(own >= 0 && own != shared);
	T_ASSERT(fstat(own, &a) == 0 && fstat(shared, &b) == 0);
	T_EQ_INT(a.st_rdev, b.st_rdev);
	close(own);
	close(shared);
	close(master);
}

static int open_null(const char *path, int flags, mode_t mode)
{
	(void)path;
	return open("/dev/null", flags, mode);
}

/* Whatever opens must be the console's own device; otherwise nothing changes, not even the flag. */
TEST(test_another_device_is_refused)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	T_ASSERT(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
	int shared = open(ptsname(master), O_RDWR | O_NOCTTY | O_NONBLOCK);
	T_ASSERT(shared >= 0);
	int (*real_open)(const char *, int, mode_t) = ek_sys.open;
	ek_sys.open = open_null;
	int r = log_console_open(shared, "/dev/console");
	ek_sys.open = real_open;
	T_EQ_INT(r, -ENODEV);
	T_ASSERT(nonblocking(shared));
	int p[2];
	T_ASSERT(pipe(p) == 0);
	T_EQ_INT(log_console_open(p[1], "/dev/console"), -ENOTTY);
	close(p[0]);
	close(p[1]);
	close(shared);
	close(master);
}

/* PID 1 in a namespace with a pipe as its log: setup keeps it. */
TEST(test_setup_keeps_a_pipe)
{
	ek_log_set_fd(logpipe[1]);
	T_EQ_INT(log_console_setup(), logpipe[1]);
	T_EQ_INT(ek_log_fd(), logpipe[1]);
}

int main(void)
{
	if (pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	ek_log_set_fd(logpipe[1]);
	T_RUN(test_console_devices_are_reopened);
	T_RUN(test_pipes_ptys_and_others_are_kept);
	T_RUN(test_own_description_leaves_the_shared_one_blocking);
	T_RUN(test_missing_node_falls_back_to_proc);
	T_RUN(test_another_device_is_refused);
	T_RUN(test_setup_keeps_a_pipe);
	return T_END();
}
