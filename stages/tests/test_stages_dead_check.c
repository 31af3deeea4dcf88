/* ek-join's judgement of a leader_ready: dead only when old enough by its own time= (or by how long it
 * has been watched) AND after a long enough streak of probe rounds with no HTTP answer at all. */
#include "t.h"

#include "dead_check.h"

/* Facts of a cluster that is clearly dead; each test spoils one of them. */
static struct ready_facts dead_facts(void)
{
	return (struct ready_facts){.ready_time = 1000, .now = 1000 + DEAD_GRACE_S + 5, .clock_stepped = true,
				    .seen_ms = 20000, .failed_rounds = DEAD_ROUNDS, .streak_ms = DEAD_STREAK_MS,
				    .vip_healthy = false};
}

TEST(dead_needs_age_rounds_and_streak)
{
	struct ready_facts f = dead_facts();
	T_EQ_INT(ready_verdict(&f), READY_DEAD);
	f.failed_rounds = DEAD_ROUNDS - 1;
	T_EQ_INT(ready_verdict(&f), READY_WAIT);
	f = dead_facts();
	f.streak_ms = DEAD_STREAK_MS - 1;
	T_EQ_INT(ready_verdict(&f), READY_WAIT);
	f = dead_facts();
	f.now = f.ready_time + DEAD_GRACE_S - 1; /* a live cluster still converging after leader_ready */
	T_EQ_INT(ready_verdict(&f), READY_WAIT);
	f.now = f.ready_time + DEAD_GRACE_S;
	T_EQ_INT(ready_verdict(&f), READY_DEAD);
}

TEST(healthy_vip_joins_whatever_else)
{
	struct ready_facts f = dead_facts();
	f.vip_healthy = true;
	T_EQ_INT(ready_verdict(&f), READY_JOIN);
	f = (struct ready_facts){.ready_time = 5000, .now = 5000, .vip_healthy = true};
	T_EQ_INT(ready_verdict(&f), READY_JOIN);
}

TEST(unstepped_or_future_clock_counts_only_what_was_watched)
{
	struct ready_facts f = dead_facts();
	f.clock_stepped = false; /* the file's age by this clock proves nothing */
	f.seen_ms = (DEAD_GRACE_S - 1) * 1000LL;
	T_EQ_INT(ready_verdict(&f), READY_WAIT);
	f.seen_ms = DEAD_GRACE_S * 1000LL;
	T_EQ_INT(ready_verdict(&f), READY_DEAD);
	/* time= far in the future: watched long enough still decides */
	f = dead_facts();
	f.now = f.ready_time - 3600;
	f.seen_ms = 20000;
	T_EQ_INT(ready_verdict(&f), READY_WAIT);
	f.seen_ms = DEAD_GRACE_S * 1000LL + 1;
	T_EQ_INT(ready_verdict(&f), READY_DEAD);
}

TEST(track_counts_consecutive_silent_rounds_of_one_file)
{
	struct dead_track t = {0};
	dead_track_round(&t, "boot-a", 100, 5000, 0, 0);
	T_EQ_INT(t.failed_rounds, 1);
	T_EQ_INT(t.first_seen_ms, 5000);
	T_EQ_INT(t.streak_start_ms, 5000);
	dead_track_round(&t, "boot-a", 100, 6000, 0, 0);
	T_EQ_INT(t.failed_rounds, 2);
	T_EQ_INT(t.streak_start_ms, 5000);
	/* any HTTP answer, even 403 from the leader's own port, ends the streak */
	dead_track_round(&t, "boot-a", 100, 7000, 0, 403);
	T_EQ_INT(t.failed_rounds, 0);
	dead_track_round(&t, "boot-a", 100, 8000, 0, 0);
	T_EQ_INT(t.failed_rounds, 1);
	T_EQ_INT(t.streak_start_ms, 8000);
	dead_track_round(&t, "boot-a", 100, 8500, 503, 0);
	T_EQ_INT(t.failed_rounds, 0);
	T_EQ_INT(t.first_seen_ms, 5000);
	/* another leader_ready (a new boot or a new time=) starts over, its streak included */
	dead_track_round(&t, "boot-a", 100, 9000, 0, 0);
	dead_track_round(&t, "boot-b", 100, 9500, 0, 0);
	T_EQ_INT(t.failed_rounds, 1);
	T_EQ_INT(t.first_seen_ms, 9500);
	dead_track_round(&t, "boot-b", 160, 9800, 0, 0);
	T_EQ_INT(t.failed_rounds, 1);
	T_EQ_INT(t.first_seen_ms, 9800);
}

int main(void)
{
	T_RUN(dead_needs_age_rounds_and_streak);
	T_RUN(healthy_vip_joins_whatever_else);
	T_RUN(unstepped_or_future_clock_counts_only_what_was_watched);
	T_RUN(track_counts_consecutive_silent_rounds_of_one_file);
	return T_END();
}
