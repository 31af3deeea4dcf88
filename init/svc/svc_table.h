/* The manager's table of units (svc_table.c): the bottom of the service manager, used by every
 * other part of it. svc.h has the public half (svcmgr_find, svcmgr_free, state names). */
#ifndef EK_SVC_TABLE_H
#define EK_SVC_TABLE_H

#include "svc.h"

/* A definition loaded by daemon-reload, waiting for its unit to be idle. */
struct svc_next_def {
	struct unit u;
	struct unit_diag diag;
};

/* Appends a unit named name (zeroed, no descriptors, state INACTIVE); NULL when out of memory.
 * m->v may move: pointers into it must be taken afresh. */
struct svc *svc_table_add(struct svcmgr *m, const char *name);
/* Frees a waiting daemon-reload definition, if any. */
void svc_drop_next_def(struct svc *s);
void svc_set_state(struct svcmgr *m, struct svc *s, enum svc_state st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* True when the state machine holds no index into s->u (no run in progress). */
bool svc_idle(const struct svc *s);
/* Registers fd in PID 1's epoll with tag (SVC_EPOLL_TAG_*); 0 or -errno. */
int svc_epoll_add(struct svcmgr *m, int fd, unsigned long long tag);

#endif
