/* Loading units and their graph (svc_load.c); svc.h has svcmgr_init/load/add/reload_units. */
#ifndef EK_SVC_LOAD_H
#define EK_SVC_LOAD_H

#include "svc.h"

/* Puts a waiting new definition in place (s must be idle or about to start afresh) and re-resolves
 * the dependency graph. Returns true if there was one. */
bool svc_apply_next_def(struct svcmgr *m, struct svc *s);
/* name loaded into m->scratch for one lookup (the previous scratch unit is freed), or the
 * permanent unit an alias resolves to. */
struct svc *svc_load_scratch(struct svcmgr *m, const char *name);

#endif
