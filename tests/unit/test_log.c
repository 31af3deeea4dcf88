/* The console log: line format, the ring of kept warnings, and carrying it across the re-exec. */
#include <errno.h>
#include <fcntl.h>
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
	return T_END();
}
