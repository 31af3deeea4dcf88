/* One request to PID 1 over the control socket and its reply (common/proto.h). */
#ifndef EK_EKCTL_CLIENT_H
#define EK_EKCTL_CLIENT_H

#include <stddef.h>

/* Sends verb and argv, waits for the reply (at most 10 s) and stores it NUL-terminated in reply.
 * Returns 0 with a reply, -EINVAL when the request is not valid (PID 1 would refuse it), or
 * another -errno when PID 1 cannot be reached; then err says why. EKCTL_SOCKET overrides the path. */
int ekc_call(const char *verb, int argc, char *const argv[], char *reply, size_t cap, char *err, size_t errcap);

/* The same with up to two arguments, for the many one-unit requests. */
int ekc_call2(const char *verb, const char *a, const char *b, char *reply, size_t cap, char *err, size_t errcap);

#endif
