#include "reload_retry.h"

#include <string.h>

void reload_retry_mark(struct reload_retry *r)
{
	r->needed = true;
	r->failures = 0;
	r->next_ms = 0;
}

bool reload_retry_due(const struct reload_retry *r, long long now_ms)
{
	return r->needed && now_ms >= r->next_ms;
}

void reload_retry_done(struct reload_retry *r, bool ok, long long now_ms)
{
	if (ok) {
		r->needed = false;
		r->failures = 0;
		return;
	}
	long long delay = RELOAD_RETRY_FIRST_MS;
	for (unsigned i = 0; i < r->failures && delay < RELOAD_RETRY_MAX_MS; i++)
		delay *= 2;
	if (delay > RELOAD_RETRY_MAX_MS)
		delay = RELOAD_RETRY_MAX_MS;
	r->failures++;
	r->next_ms = now_ms + delay;
}

int reload_retry_wait_ms(const struct reload_retry *r, long long now_ms, int cap)
{
	if (!r->needed)
		return cap;
	long long left = r->next_ms - now_ms;
	return left <= 0 ? 0 : left < cap ? (int)left : cap;
}

enum unit_activity unit_activity_parse(const char *word)
{
	if (!word || !*word)
		return UNIT_UNKNOWN;
	size_t n = strcspn(word, "\n");
	if (n == 6 && !strncmp(word, "active", n))
		return UNIT_ACTIVE;
	if ((n == 10 && !strncmp(word, "activating", n)) || (n == 9 && !strncmp(word, "reloading", n)))
		return UNIT_STARTING;
	for (size_t i = 0; i < n; i++)
		if (word[i] < 'a' || word[i] > 'z')
			return UNIT_UNKNOWN; /* not a state word: an error text */
	return n ? UNIT_STOPPED : UNIT_UNKNOWN;
}

enum reload_step reload_retry_decide(struct reload_retry *r, enum unit_activity a, long long now_ms)
{
	switch (a) {
	case UNIT_UNKNOWN:
		return RELOAD_NOW;
	case UNIT_STOPPED:
		r->seen_active = false;
		reload_retry_done(r, true, now_ms);
		return RELOAD_SKIP;
	case UNIT_STARTING:
		r->seen_active = false;
		r->next_ms = now_ms + RELOAD_RETRY_FIRST_MS;
		return RELOAD_LATER;
	case UNIT_ACTIVE:
		break;
	}
	if (!r->seen_active) {
		r->seen_active = true;
		r->active_ms = now_ms;
	}
	if (now_ms - r->active_ms < RELOAD_SETTLE_MS) {
		r->next_ms = r->active_ms + RELOAD_SETTLE_MS;
		return RELOAD_LATER;
	}
	return RELOAD_NOW;
}
