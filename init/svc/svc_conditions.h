/* Conditions and StartWhenExists= (svc_conditions.c). */
#ifndef EK_SVC_CONDITIONS_H
#define EK_SVC_CONDITIONS_H

#include "svc.h"

/* Returns 0 when the unit may start, 1 when a condition says skip, -1 when an assertion failed;
 * s->why says which. */
int svc_check_conditions(struct svc *s);
/* Wakes the loop (an inotify event in m->epfd) when something is created on the way to path. */
void svc_watch_for(struct svcmgr *m, const char *path);
/* Reads the pending inotify events; the next dispatch checks the paths again. */
void svc_inotify_drain(struct svcmgr *m);

#endif
