/* Condition*=, Assert*= and StartWhenExists= (svc_conditions.c). */
#ifndef EK_SVC_CONDITIONS_H
#define EK_SVC_CONDITIONS_H

#include <stddef.h>

#include "svc.h"

/* A conditions check child's exit codes. */
#define SVC_COND_START 0      /* everything holds and StartWhenExists=, if any, exists */
#define SVC_COND_NO_TRIGGER 1 /* none of the triggering ('|') conditions holds */
#define SVC_COND_ABSENT 2     /* StartWhenExists= did not appear while the child watched */
#define SVC_COND_FAILED 3     /* + i: condition i failed (i < 250; 253 for a later one) */

/* In the check child: the conditions in order, then StartWhenExists=, watched with inotify for up
 * to watch_ms when it is absent. Each path's index (conditions 0..n-1, StartWhenExists= n) goes
 * to progress (svc_check_progress) before the path is looked at. Returns the exit code. */
int svc_conditions_check(const struct svc *s, int progress, int watch_ms);
/* In PID 1: what a check child's exit code means. 0: start; 1: skip; -1: fail (an assertion);
 * 2: StartWhenExists= is not there yet. s->why says which, except for 0. */
int svc_conditions_answer(struct svc *s, int code);
/* The setting a progress index names: "ConditionPathExists=/x", "StartWhenExists=/y". */
void svc_conditions_name(const struct svc *s, unsigned idx, char *out, size_t cap);

#endif
