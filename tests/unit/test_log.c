/* The console log: line format, the ring of kept warnings, and carrying it across the re-exec. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include "t.h"
#include "log.h"

static int logpipe[2];
static char logbuf[8192];

TEST(test_line_prefixes_and_ring)
{
	ek_info("plain %d", 1);
	ek_warn("careful: %s", "x");
	ek_err("broken");
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_CONTAINS(logbuf, "ekinit: plain 1\n");
	T_CONTAINS(logbuf, "ekinit: warning: careful: x\n");
	T_CONTAINS(logbuf, "ekinit: error: broken\n");
	const char *kept[EK_WARN_KEEP];
	T_EQ_INT(ek_log_kept(kept), 2);
	T_EQ_STR(kept[0], "warning: careful: x");
	T_EQ_STR(kept[1], "error: broken");
}

TEST(test_debug_only_when_enabled)
{
	ek_debug_enabled = false;
	ek_debug("hidden");
	ek_debug_enabled = true;
	ek_debug("shown");
	ek_debug_enabled = false;
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_ASSERT(!strstr(logbuf, "hidden"));
	T_CONTAINS(logbuf, "ekinit: debug: shown");
}

TEST(test_serialize_restore_round_trip)
{
	static char ser[EK_WARN_KEEP * EK_LINE_MAX * 2 + EK_WARN_KEEP];
	const char *kept[EK_WARN_KEEP];
	size_t before = ek_log_kept(kept);
	T_EQ_INT(ek_log_serialize(ser, sizeof ser), 0);
	/* Restoring appends the same lines again, without printing them. */
	T_EQ_INT(ek_log_restore(ser), 0);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_EQ_STR(logbuf, "");
	size_t after = ek_log_kept(kept);
	T_EQ_INT(after, before * 2);
	T_EQ_STR(kept[after - 1], kept[before - 1]);
	T_EQ_STR(kept[before], kept[0]);
}

TEST(test_restore_rejects_garbage)
{
	T_EQ_INT(ek_log_restore("zz"), -EINVAL);
	T_EQ_INT(ek_log_restore("6"), -EINVAL);   /* half a byte */
	T_EQ_INT(ek_log_restore("6100"), -EINVAL); /* a NUL byte */
	T_EQ_INT(ek_log_restore(""), 0);
}

TEST(test_ring_keeps_newest)
{
	for (int i = 0; i < EK_WARN_KEEP + 5; i++)
		ek_warn("w%d", i);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	const char *kept[EK_WARN_KEEP];
	T_EQ_INT(ek_log_kept(kept), EK_WARN_KEEP);
	char want[32];
	snprintf(want, sizeof want, "warning: w%d", EK_WARN_KEEP + 4);
	T_EQ_STR(kept[EK_WARN_KEEP - 1], want);
	T_ASSERT(ek_log_problem_count() >= EK_WARN_KEEP + 5);
}

/* A stopped console (Ctrl-S on a serial line, a stalled UART): a pty whose output is suspended
 * with tcflow(TCOOFF). Writing to it must not block PID 1; the lost lines are counted. SIGALRM
 * (default action: the test program dies without its summary line) is the deadline. */
TEST(test_stopped_console_never_blocks)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	T_ASSERT(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
	int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	T_ASSERT(slave >= 0);
	T_EQ_INT(tcflow(slave, TCOOFF), 0);
	unsigned before = ek_log_console_dropped();
	ek_log_set_fd(slave);
	alarm(5);
	for (int i = 0; i < 200; i++)
		ek_info("line %d while the console is stopped", i);
	alarm(0);
	T_ASSERT(ek_log_console_dropped() >= before + 200);
	/* The console flows again: lines arrive, led by a note of how many were lost. */
	T_EQ_INT(tcflow(slave, TCOON), 0);
	ek_info("after the stop");
	char buf[4096];
	int fl = fcntl(master, F_GETFL);
	fcntl(master, F_SETFL, fl | O_NONBLOCK);
	t_drain(master, buf, sizeof buf);
	T_CONTAINS(buf, "console lines dropped");
	T_CONTAINS(buf, "after the stop");
	ek_log_set_fd(logpipe[1]);
	close(slave);
	close(master);
}

int main(void)
{
	if (pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	ek_log_set_fd(logpipe[1]);
	T_RUN(test_line_prefixes_and_ring);
	T_RUN(test_debug_only_when_enabled);
	T_RUN(test_serialize_restore_round_trip);
	T_RUN(test_restore_rejects_garbage);
	T_RUN(test_ring_keeps_newest);
	T_RUN(test_stopped_console_never_blocks);
	return T_END();
}
