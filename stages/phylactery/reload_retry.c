#include "reload_retry.h"

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
