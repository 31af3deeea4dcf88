/* StartLimitBurst= counting: the start after the burst within the interval is refused, for bursts
 * beyond any fixed-size history (the old 16 stored timestamps never refused a 17th start). */
#include "t.h"
#include "start_limit.h"

static unsigned allowed(unsigned burst, unsigned tries, double step_ms, double interval_ms)
{
	struct start_limit l = {0};
	unsigned ok = 0;
	for (unsigned i = 0; i < tries; i++)
		ok += !start_limit_hit(&l, 1000.0 + i * step_ms, interval_ms, burst);
	return ok;
}

TEST(test_small_burst)
{
	T_EQ_INT(allowed(5, 10, 100, 10000), 5);
}

TEST(test_bursts_above_16)
{
	T_EQ_INT(allowed(17, 40, 10, 10000), 17);
	T_EQ_INT(allowed(20, 40, 10, 10000), 20);
	T_EQ_INT(allowed(1000, 5000, 1, 1e9), 1000);
}

TEST(test_window_runs_out)
{
	struct start_limit l = {0};
	for (int i = 0; i < 3; i++)
		T_ASSERT(!start_limit_hit(&l, 1000 + i, 500, 3));
	T_ASSERT(start_limit_hit(&l, 1100, 500, 3));
	T_ASSERT(!start_limit_hit(&l, 1600, 500, 3)); /* a new window */
	start_limit_reset(&l);
	for (int i = 0; i < 3; i++)
		T_ASSERT(!start_limit_hit(&l, 1700 + i, 500, 3));
}

TEST(test_no_limit)
{
	T_EQ_INT(allowed(0, 100, 1, 10000), 100);
	T_EQ_INT(allowed(3, 100, 1, 0), 100);
}

int main(void)
{
	T_RUN(test_small_burst);
	T_RUN(test_bursts_above_16);
	T_RUN(test_window_runs_out);
	T_RUN(test_no_limit);
	return T_END();
}
