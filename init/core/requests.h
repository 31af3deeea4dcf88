/* What PID 1 does for each control request (the verbs of common/proto.h): status, the shutdown
 * verbs, and the service verbs, which it hands to the service manager. The reply body goes to out;
 * nothing here blocks (a start or stop is queued, the loop carries it out). */
#ifndef EK_REQUESTS_H
#define EK_REQUESTS_H

#include "proto.h"
#include "strbuf.h"

/* A control_handler (control.h); ctx is the struct ekinit. Returns 0 (ok) or -1 (error). */
int requests_handle(const struct ek_request *req, struct strbuf *out, void *ctx);

#endif
