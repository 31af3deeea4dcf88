/* The state machine's entry points inside the manager (svc_run.c); PID 1's are in svc.h. */
#ifndef EK_SVC_RUN_H
#define EK_SVC_RUN_H

#include "svc.h"

/* Decodes a notify message from sender, already known to belong to s, and applies it. */
void svc_on_notify(struct svcmgr *m, struct svc *s, const char *msg, pid_t sender);

/* Stops s: ended when it stopped by itself or failed (s->why says how), otherwise on request
 * (s->stop_reason, when set, says why). A waiting or restarting unit becomes inactive at once. */
void svc_begin_stop(struct svcmgr *m, struct svc *s, bool ended);

#endif
