/* A service's log (svc_log.c): the pipe its output goes to, the ring of files, the console echo. */
#ifndef EK_SVC_LOG_H
#define EK_SVC_LOG_H

#include "svc.h"

/* Opens the service's pipe (kept across restarts) and its ring file; the pipe's read end joins
 * PID 1's epoll. */
int svc_log_open(struct svcmgr *m, struct svc *s);
/* A line from PID 1 about the service ("ekinit: started ..."), into its log only. */
void svc_log_note(struct svcmgr *m, struct svc *s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The last lines of the log to the console (a failure's context). */
void svc_log_echo_tail(struct svcmgr *m, struct svc *s, unsigned lines);
/* Reads what the pipe holds (bounded per call). */
void svc_log_drain(struct svcmgr *m, struct svc *s);

#endif
