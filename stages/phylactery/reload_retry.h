/* When phylactery asks for `ekctl reload haproxy|keepalived`: after each configuration change, and
 * again after a failed reload (the unit not running yet, a reload still under way) with a doubling
 * delay, until one succeeds. Without the retry a failed reload left haproxy on an old backend list
 * until the registry changed again. Pure: the caller passes the monotonic time. */
#ifndef PHYLACTERY_RELOAD_RETRY_H
#define PHYLACTERY_RELOAD_RETRY_H

#include <stdbool.h>

#define RELOAD_RETRY_FIRST_MS 1000
#define RELOAD_RETRY_MAX_MS 30000
/* How long a unit must have been seen active before it is sent a reload. keepalived killed by a
 * SIGHUP ~2 s after its READY=1 (its children had no handler yet: leader-dies run 1). */
#define RELOAD_SETTLE_MS 4000

struct reload_retry {
	bool needed;       /* the file on disk may differ from what the daemon runs */
	unsigned failures; /* consecutive failed reloads */
	long long next_ms; /* not before this time */
	bool seen_active;  /* the last state asked was active ... */
	long long active_ms; /* ... first seen so at this time */
};

/* The unit's state as `systemctl is-active` printed it. */
enum unit_activity {
	UNIT_ACTIVE,   /* "active": it runs the file it read at its start or last reload */
	UNIT_STARTING, /* "activating", "reloading": it may already have read the old file */
	UNIT_STOPPED,  /* "inactive", "failed", ...: it reads the file when it starts */
	UNIT_UNKNOWN,  /* no answer (ekctl could not ask PID 1): try the reload */
};

enum reload_step { RELOAD_NOW, RELOAD_LATER, RELOAD_SKIP };

/* The state word printed by is-active (NULL or empty when none came). */
enum unit_activity unit_activity_parse(const char *word);

/* Given a due reload and the unit's state now, what to do. A starting unit is asked again later
 * (it may have read the file before it changed: the cluster scenario's haproxy served one backend
 * of three because the change came while it was activating and the reload was skipped); an active
 * one is reloaded once it has been seen active for RELOAD_SETTLE_MS; a stopped one needs nothing. */
enum reload_step reload_retry_decide(struct reload_retry *r, enum unit_activity a, long long now_ms);

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
