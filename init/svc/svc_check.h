/* A unit's file-system checks in a child process under a deadline (svc_check.c). */
#ifndef EK_SVC_CHECK_H
#define EK_SVC_CHECK_H

#include "svc.h"

/* How long one look at the unit's paths may take before PID 1 gives up on the child. */
#define SVC_CHECK_ANSWER_MS 5000
/* How long a child waits (inotify) for a StartWhenExists= path before it answers "not yet" and
 * the next child takes over: the deadline of such a child is this plus SVC_CHECK_ANSWER_MS. */
#define SVC_CHECK_WATCH_MS 5000

/* A StartWhenExists= path that was not there: the next child looks this much later. */
#define SVC_CHECK_AGAIN_MS 250

/* Forks the child that runs the check (s->check, s->check_pid, s->check_deadline_ms are set).
 * 0, or -errno when it could not be forked (s unchanged); -EBUSY, with s->why saying so, while
 * the child of an earlier check that missed its deadline is still alive (s->check_stuck_pid). */
int svc_check_start(struct svcmgr *m, struct svc *s, enum svc_check_kind kind);
/* The check child was reaped with this wait status: forgets it and returns its exit code, or -1
 * when it did not exit by itself (s->why says how it ended). */
int svc_check_ended(struct svc *s, int status);
/* The child did not answer by its deadline: it gets SIGKILL and is forgotten (PID 1's loop reaps
 * it whenever it dies: a process in a hung file system may take its time; until then it is
 * s->check_stuck_pid), and s->why says which path did not answer. */
void svc_check_expire(struct svc *s);
/* Whether pid is the unit's stuck check child (svc_check_expire), reaped at last: then it is
 * forgotten and the unit's paths may be looked at again. */
bool svc_check_stuck_reaped(struct svc *s, pid_t pid);
/* The unit no longer needs the answer (stopped): the child gets SIGKILL and is forgotten. */
void svc_check_cancel(struct svc *s);
/* In the child, before each path: says which one it looks at (the index the kind's naming
 * function understands; 255 for "a later one"). Never blocks. */
void svc_check_progress(int fd, unsigned idx);

#endif
