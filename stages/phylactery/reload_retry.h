/* When phylactery asks for `ekctl reload haproxy|keepalived`: after each configuration change, and
 * again after a failed reload (the unit not running yet, a reload still under way) with a doubling
 * delay, until one succeeds. Without the retry a failed reload left haproxy on an old backend list
 * until the registry changed again. Pure: the caller passes the monotonic time. */
#ifndef PHYLACTERY_RELOAD_RETRY_H
#define PHYLACTERY_RELOAD_RETRY_H

#include <stdbool.h>

#define RELOAD_RETRY_FIRST_MS 1000
#define RELOAD_RETRY_MAX_MS 30000

struct reload_retry {
	bool needed;       /* the file on disk may differ from what the daemon runs */
	unsigned failures; /* consecutive failed reloads */
	long long next_ms; /* not before this time */
};

/* The file changed (or phylactery started and cannot know what the daemon runs): reload now. */
void reload_retry_mark(struct reload_retry *r);

/* A reload is needed and its time has come. */
bool reload_retry_due(const struct reload_retry *r, long long now_ms);

/* The outcome of a reload: success clears the need, a failure schedules the next try
 * (RELOAD_RETRY_FIRST_MS, doubled each time, at most RELOAD_RETRY_MAX_MS). */
void reload_retry_done(struct reload_retry *r, bool ok, long long now_ms);

/* How long the main loop may sleep: cap, or less when a retry comes sooner (never below 0). */
int reload_retry_wait_ms(const struct reload_retry *r, long long now_ms, int cap);

#endif
