/* Clock step before any certificate is made or checked: one SNTP (RFC 4330) exchange with the
 * manager under a deadline, then clock_settime. "certificate is not yet valid" is the classic
 * failure of a diskless node whose clock starts in 1970 or drifts. */
#ifndef STAGES_SNTP_H
#define STAGES_SNTP_H

#include <stddef.h>
#include <stdint.h>

/* Asks server:port; *offset_ms gets (server - local) clock difference, corrected for the round trip.
 * 0, or -errno (-ETIMEDOUT when no valid answer came within timeout_ms). */
int sntp_offset(const char *server, unsigned port, int timeout_ms, int64_t *offset_ms, char *err, size_t errlen);

/* Steps CLOCK_REALTIME by offset_ms. 0 or -errno. */
int clock_step(int64_t offset_ms, char *err, size_t errlen);

/* Builds the 48-byte client request stamped with t1 (unix ns); used by the tests' fake server too. */
void sntp_request(unsigned char pkt[48], int64_t t1_ns);
/* Checks an answer against the request's transmit time and computes the offset in ms given the
 * local receive time t4. 0 or -EBADMSG. */
int sntp_answer_offset(const unsigned char pkt[48], int64_t t1_ns, int64_t t4_ns, int64_t *offset_ms);
/* Encodes unix ns as an NTP 64-bit timestamp (big endian), for the fake server. */
void ntp_ts_put(unsigned char out[8], int64_t unix_ns);

#endif
