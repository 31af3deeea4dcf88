/* Console logging for PID 1. Every line starts with "ekinit: " so it can be told apart from the
 * kernel's and the services' output. Warnings and errors are also kept in a small ring so that
 * `ekctl status` can show them after they scrolled off the console. */
#ifndef EK_LOG_H
#define EK_LOG_H

#include <stdbool.h>
#include <stddef.h>

#define EK_WARN_KEEP 32
#define EK_LINE_MAX 512

extern bool ek_debug_enabled;

void ek_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ek_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ek_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ek_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Kept warnings/errors, oldest first; returns how many (at most EK_WARN_KEEP). */
size_t ek_log_kept(const char *out[EK_WARN_KEEP]);
/* Total warnings and errors since boot (including those that fell out of the ring). */
unsigned ek_log_problem_count(void);

/* Carrying the kept lines across PID 1's re-exec (see timeline_serialize): hex-encoded lines
 * separated by ';'. restore adds them to the ring without printing them again. */
int ek_log_serialize(char *out, size_t cap);
int ek_log_restore(const char *in);

/* Lines the console did not take (it was stopped or full): dropped, never waited for. */
unsigned ek_log_console_dropped(void);

/* Where lines go (default: fd 2; log_console_setup may give PID 1 a console description of its
 * own). Tests point it at a pipe or /dev/null. */
void ek_log_set_fd(int fd);
/* The fd lines go to (read by the crash handler: async-signal-safe). */
int ek_log_fd(void);

#endif
