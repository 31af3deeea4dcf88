/* Targets reached by a boot step or the manager (svc_targets.c). */
#ifndef EK_SVC_TARGETS_H
#define EK_SVC_TARGETS_H

#include "svc.h"

/* Whether target waits for something else to reach it (svcmgr_target_await) that has not yet; a
 * target that is not awaited is reached as soon as it is loaded. */
bool svc_target_awaited(const struct svcmgr *m, const char *target);

#endif
