/* StartLimitBurst= within StartLimitIntervalSec=: a counter over a window that opens at the first
 * start after the previous window ran out (systemd's rate limit). Two numbers per service, whatever
 * the burst: a burst of 1,000 is counted as exactly as a burst of 5. */
#ifndef EK_START_LIMIT_H
#define EK_START_LIMIT_H

#include <stdbool.h>

struct start_limit {
	double begin_ms; /* when the current window opened */
	unsigned count;  /* starts in it */
};

/* Records a start at now_ms; returns true (and records nothing) when it would be start number
 * burst+1 within interval_ms. burst 0 or interval 0: no limit. */
bool start_limit_hit(struct start_limit *l, double now_ms, double interval_ms, unsigned burst);
/* Forgets the starts so far (an operator's start, like reset-failed). */
void start_limit_reset(struct start_limit *l);

#endif
