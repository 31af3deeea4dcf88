/* The boot timeline with a fake clock: durations, console lines, JSON, and the round trip through the
 * environment across the re-exec. */
#include <errno.h>
#include <fcntl.h>

#include "t.h"
#include "log.h"
#include "sys.h"
#include "timeline.h"

static double fake_now;
static double fake_clock(void)
{
	return fake_now;
}

static int logpipe[2];
static char logbuf[8192];

/* Three steps: ok with detail, skipped, failed. */
static void three_steps(void)
{
	timeline_reset();
	fake_now = 1000.0;
	timeline_begin("mount-api");
	fake_now = 1234.0;
	timeline_end(EK_OK, "8 mounted");
	fake_now = 1500.5;
	timeline_begin("modules");
	timeline_end(EK_SKIPPED, "container");
	fake_now = 2000.0;
	timeline_begin("sysctl");
	fake_now = 2250.25;
	timeline_end(EK_FAILED, "2 keys failed");
	t_drain(logpipe[0], logbuf, sizeof logbuf);
}

TEST(test_begin_end_durations)
{
	three_steps();
	T_EQ_INT(timeline_count(), 3);
	const struct ek_event *e = timeline_event(0);
	T_ASSERT(e);
	T_EQ_STR(e->step, "mount-api");
	T_ASSERT(e->start_ms == 1000.0);
	T_ASSERT(e->duration_ms == 234.0);
	T_EQ_INT(e->result, EK_OK);
	T_EQ_STR(e->detail, "8 mounted");
	e = timeline_event(1);
	T_ASSERT(e->start_ms == 1500.5 && e->duration_ms == 0.0);
	T_EQ_INT(e->result, EK_SKIPPED);
	e = timeline_event(2);
	T_ASSERT(e->start_ms == 2000.0 && e->duration_ms == 250.25);
	T_EQ_INT(e->result, EK_FAILED);
	T_ASSERT(timeline_event(3) == NULL);
	/* end without begin is ignored */
	timeline_end(EK_OK, "stray");
	T_EQ_INT(timeline_count(), 3);
	T_EQ_STR(timeline_event(2)->detail, "2 keys failed");
	T_EQ_STR(timeline_result_name(EK_SKIPPED), "skipped");
	T_EQ_STR(timeline_result_name((enum ek_result)7), "?");
}

TEST(test_console_lines)
{
	three_steps();
	T_EQ_STR(logbuf, "ekinit: [   1.234] mount-api ok (234 ms): 8 mounted\n"
			 "ekinit: [   1.500] modules skipped: container\n"
			 "ekinit: [   2.250] sysctl failed: 2 keys failed\n");
	timeline_reset();
	fake_now = 5.0;
	timeline_begin("quick");
	timeline_end(EK_OK, NULL);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_EQ_STR(logbuf, "ekinit: [   0.005] quick ok (0 ms)\n");
}

TEST(test_json_shape_and_escaping)
{
	static char buf[4096];
	struct strbuf sb;
	timeline_reset();
	fake_now = 10.0;
	timeline_begin("a");
	timeline_end(EK_OK, "say \"hi\" \\ end\nnext\xff");
	timeline_begin("b");
	fake_now = 11.5;
	timeline_end(EK_FAILED, "");
	sb_init(&sb, buf, sizeof buf);
	timeline_json_events(&sb);
	T_ASSERT(!sb.truncated);
	T_EQ_STR(buf, "[{\"step\":\"a\",\"start_ms\":10.000,\"duration_ms\":0.000,\"result\":\"ok\","
		      "\"detail\":\"say \\\"hi\\\" \\\\ end\\nnext\\u00ff\"},"
		      "{\"step\":\"b\",\"start_ms\":10.000,\"duration_ms\":1.500,\"result\":\"failed\",\"detail\":\"\"}]");
	timeline_reset();
	sb_init(&sb, buf, sizeof buf);
	timeline_json_events(&sb);
	T_EQ_STR(buf, "[]");
}

TEST(test_write_json_file)
{
	char base[64], path[128], tmp[140], got[4096];
	T_ASSERT(t_tmpdir(base, sizeof base));
	snprintf(path, sizeof path, "%s/boot.json", base);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	three_steps();
	int r1 = timeline_write_json(path, "abc-123");
	long n1 = t_read(path, got, sizeof got);
	int tmp_gone = access(tmp, F_OK) < 0;
	char first[4096];
	snprintf(first, sizeof first, "%s", got);
	fake_now = 3000.0;
	timeline_complete();
	int r2 = timeline_write_json(path, NULL);
	t_read(path, got, sizeof got);
	char bad[128];
	snprintf(bad, sizeof bad, "%s/no/such/dir/boot.json", base);
	int r3 = timeline_write_json(bad, "x");
	t_rmtree(base);
	T_EQ_INT(r1, 0);
	T_ASSERT(n1 > 0);
	T_ASSERT(tmp_gone);
	T_ASSERT(!strncmp(first, "{\"boot_id\":\"abc-123\",\"events\":[{\"step\":\"mount-api\",", 50));
	T_CONTAINS(first, "\"detail\":\"2 keys failed\"}],\"complete_ms\":null}\n");
	T_EQ_INT(r2, 0);
	T_ASSERT(!strncmp(got, "{\"boot_id\":\"\",\"events\":[", 24));
	T_CONTAINS(got, "],\"complete_ms\":3000.000}\n");
	T_ASSERT(timeline_complete_ms() == 3000.0);
	T_EQ_INT(r3, -ENOENT);
}

TEST(test_serialize_restore_round_trip)
{
	static char ser[8192], ser2[8192];
	static struct ek_event before[3];
	three_steps();
	/* a detail with the separators and a high byte */
	timeline_begin("odd");
	timeline_end(EK_OK, "a,b;c=\xfe\n");
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	size_t n = timeline_count();
	T_EQ_INT(n, 4);
	for (size_t i = 0; i < 3; i++)
		before[i] = *timeline_event(i);
	T_EQ_INT(timeline_serialize(ser, sizeof ser), 0);
	T_ASSERT(!strpbrk(ser, " \n\"'\\$"));
	timeline_reset();
	T_EQ_INT(timeline_count(), 0);
	T_EQ_INT(timeline_restore(ser), 0);
	T_EQ_INT(timeline_count(), 4);
	for (size_t i = 0; i < 3; i++) {
		const struct ek_event *e = timeline_event(i);
		T_EQ_STR(e->step, before[i].step);
		T_ASSERT(e->start_ms == before[i].start_ms);
		T_ASSERT(e->duration_ms == before[i].duration_ms);
		T_EQ_INT(e->result, before[i].result);
		T_EQ_STR(e->detail, before[i].detail);
	}
	T_EQ_STR(timeline_event(3)->detail, "a,b;c=\xfe\n");
	T_EQ_INT(timeline_serialize(ser2, sizeof ser2), 0);
	T_EQ_STR(ser2, ser);
	/* Too small a buffer is an error, not a silent cut. */
	T_EQ_INT(timeline_serialize(ser2, 20), -E2BIG);
}

TEST(test_restore_rejects_malformed)
{
	timeline_reset();
	T_EQ_INT(timeline_restore(""), 0);
	T_EQ_INT(timeline_count(), 0);
	T_EQ_INT(timeline_restore("s,1.000,2.000,0,zz"), -EINVAL);      /* bad hex */
	T_EQ_INT(timeline_restore("s,1.000,2.000,0,4"), -EINVAL);       /* odd hex */
	T_EQ_INT(timeline_restore("s,1.000,2.000,0,4g"), -EINVAL);      /* not a hex digit */
	T_EQ_INT(timeline_restore("s,1.000,2.000,0,0041"), -EINVAL);    /* NUL byte */
	T_EQ_INT(timeline_restore("s,1.000,2.000,0"), -EINVAL);         /* too few fields */
	T_EQ_INT(timeline_restore("s,1.000,2.000,0,,"), -EINVAL);       /* too many */
	T_EQ_INT(timeline_restore("s,1.000,2.000,3,"), -EINVAL);        /* unknown result */
	T_EQ_INT(timeline_restore("s,1.000,2.000,-1,"), -EINVAL);
	T_EQ_INT(timeline_restore("s,x,2.000,0,"), -EINVAL);
	T_EQ_INT(timeline_restore("s,1.0x,2.000,0,"), -EINVAL);
	T_EQ_INT(timeline_restore(",1.000,2.000,0,"), -EINVAL);         /* empty step */
	T_EQ_INT(timeline_restore("a-step-name-that-is-far-too-long-for-it,1,2,0,"), -EINVAL);
	T_EQ_INT(timeline_count(), 0);
	/* What parsed before the fault is kept. */
	T_EQ_INT(timeline_restore("one,1.000,2.000,0,6869;two,1,2,9,"), -EINVAL);
	T_EQ_INT(timeline_count(), 1);
	T_EQ_STR(timeline_event(0)->detail, "hi");
}

TEST(test_restore_caps_events)
{
	static char big[EK_EVENTS_MAX * 16 + 64];
	struct strbuf sb;
	sb_init(&sb, big, sizeof big);
	for (int i = 0; i <= EK_EVENTS_MAX; i++)
		sb_printf(&sb, "%ss,1,2,0,", i ? ";" : "");
	T_ASSERT(!sb.truncated);
	timeline_reset();
	T_EQ_INT(timeline_restore(big), -E2BIG);
	T_EQ_INT(timeline_count(), EK_EVENTS_MAX);
}

TEST(test_begin_past_the_cap_reuses_last_slot)
{
	timeline_reset();
	for (int i = 0; i < EK_EVENTS_MAX + 3; i++) {
		char name[16];
		snprintf(name, sizeof name, "s%d", i);
		timeline_begin(name);
		timeline_end(EK_OK, NULL);
	}
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_EQ_INT(timeline_count(), EK_EVENTS_MAX);
	char want[16];
	snprintf(want, sizeof want, "s%d", EK_EVENTS_MAX + 2);
	T_EQ_STR(timeline_event(EK_EVENTS_MAX - 1)->step, want);
}

int main(void)
{
	if (pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	ek_log_set_fd(logpipe[1]);
	ek_sys.now_ms = fake_clock;
	T_RUN(test_begin_end_durations);
	T_RUN(test_console_lines);
	T_RUN(test_json_shape_and_escaping);
	T_RUN(test_write_json_file);
	T_RUN(test_serialize_restore_round_trip);
	T_RUN(test_restore_rejects_malformed);
	T_RUN(test_restore_caps_events);
	T_RUN(test_begin_past_the_cap_reuses_last_slot);
	return T_END();
}
