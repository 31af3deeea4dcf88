/* Typed values of unit file settings: booleans, time spans, limits, signals, exit statuses.
 * Each returns 0 or -EINVAL (-ERANGE when a number is out of range) and leaves *out untouched on
 * error. */
#ifndef EK_UNIT_VALUES_H
#define EK_UNIT_VALUES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "unit.h"

/* yes/no/true/false/on/off/1/0 (any case). */
int unit_parse_bool(const char *s, bool *out);

/* "5" (seconds), "5s", "1min 30s", "1h30min", "100ms", "2.5s", "infinity" -> microseconds
 * (UNIT_INFINITY). Units: us usec µs, ms msec, s sec second(s), m min minute(s), h hr hour(s),
 * d day(s), w week(s), M month(s), y year(s). */
int unit_parse_timespan(const char *s, uint64_t *out);

/* A decimal number no larger than max. */
int unit_parse_uint(const char *s, uint64_t max, uint64_t *out);
int unit_parse_int(const char *s, int min, int max, int *out);

/* An octal file mode up to 07777. */
int unit_parse_mode(const char *s, mode_t *out);

/* LimitXXX=: "N", "soft:hard", "infinity"; with bytes, K M G T suffixes (powers of 1024). */
int unit_parse_rlimit(const char *s, bool bytes, struct unit_rlimit *out);

/* "SIGTERM", "TERM" or a number 1..64. */
int unit_parse_signal(const char *s, int *out);

/* Adds the exit codes (0..255) and signal names of a whitespace-separated list to set. */
int unit_parse_status_set(const char *s, struct unit_status_set *set);

#endif
