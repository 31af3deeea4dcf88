/* The boot timeline: every boot step is an event with a start time (ms since the kernel started),
 * a duration, a result and a detail. Each finished step prints one console line and the whole list
 * is written to /run/ekinit/boot.json. Fixed storage: no allocation in PID 1. */
#ifndef EK_TIMELINE_H
#define EK_TIMELINE_H

#include <stddef.h>

#include "strbuf.h"

#define EK_EVENTS_MAX 64
#define EK_STEP_NAME_MAX 32
#define EK_DETAIL_MAX 200

/* EK_PENDING: a step that goes on in the background; its event is ended later (timeline_end_at). */
enum ek_result { EK_OK, EK_SKIPPED, EK_FAILED, EK_PENDING };

struct ek_event {
	char step[EK_STEP_NAME_MAX];
	double start_ms;
	double duration_ms;
	enum ek_result result;
	char detail[EK_DETAIL_MAX];
};

/* Starts an event; returns its index for timeline_end_at (steps that finish later, in the loop). */
size_t timeline_begin(const char *step);
/* Ends the step begun last, prints its console line. detail may be NULL. */
void timeline_end(enum ek_result result, const char *detail);
/* Ends event idx (from timeline_begin), which may not be the last one begun. */
void timeline_end_at(size_t idx, enum ek_result result, const char *detail);
/* Marks boot complete at the current time. */
void timeline_complete(void);
double timeline_complete_ms(void); /* 0 while booting */

size_t timeline_count(void);
const struct ek_event *timeline_event(size_t i);
const char *timeline_result_name(enum ek_result r);

/* Appends the events as a JSON array. */
void timeline_json_events(struct strbuf *sb);
/* Writes {"boot_id":..,"events":[..],"complete_ms":..} to path atomically (tmp + rename). */
int timeline_write_json(const char *path, const char *boot_id);
/* The same with more members: extra is inserted before the closing brace, e.g. ",\"services\":[..]". */
int timeline_write_json_with(const char *path, const char *boot_id, const char *extra);

/* Carrying the timeline across the re-exec after switch_root: serialize into an environment-safe
 * string and restore it in the new process. restore returns -EINVAL on anything malformed (and
 * then keeps what parsed before the fault). */
int timeline_serialize(char *out, size_t cap);
int timeline_restore(const char *in);
void timeline_reset(void); /* for tests */

#endif
