#include <stdio.h>
#include <string.h>

#include "dead_check.h"

enum ready_verdict ready_verdict(const struct ready_facts *f)
{
	if (f->vip_healthy)
		return READY_JOIN;
	if (f->failed_rounds < DEAD_ROUNDS || f->streak_ms < DEAD_STREAK_MS)
		return READY_WAIT;
	long long seen_s = f->seen_ms / 1000;
	/* A time= in the future (a writer whose clock was not stepped) proves nothing: then only what this
	 * process has watched counts. */
	long long age = f->clock_stepped ? f->now - f->ready_time : seen_s;
	if (age < seen_s)
		age = seen_s;
	return age >= DEAD_GRACE_S ? READY_DEAD : READY_WAIT;
}

void dead_track_round(struct dead_track *t, const char *boot_id, long long ready_time, long long mono_ms,
		      long vip_status, long direct_status)
{
	if (strcmp(t->boot_id, boot_id) || t->ready_time != ready_time || !t->first_seen_ms) {
		memset(t, 0, sizeof *t);
		snprintf(t->boot_id, sizeof t->boot_id, "%s", boot_id);
		t->ready_time = ready_time;
		t->first_seen_ms = mono_ms ? mono_ms : 1;
	}
	if (vip_status > 0 || direct_status > 0) {
		t->failed_rounds = 0;
		t->streak_start_ms = 0;
		return;
	}
	if (!t->failed_rounds++)
		t->streak_start_ms = mono_ms;
}
