#include "start_limit.h"

bool start_limit_hit(struct start_limit *l, double now_ms, double interval_ms, unsigned burst)
{
	if (!burst || interval_ms <= 0)
		return false;
	if (l->count == 0 || now_ms - l->begin_ms >= interval_ms) {
		l->begin_ms = now_ms;
		l->count = 0;
	}
	if (l->count >= burst)
		return true;
	l->count++;
	return false;
}

void start_limit_reset(struct start_limit *l)
{
	l->begin_ms = 0;
	l->count = 0;
}
