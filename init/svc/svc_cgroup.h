/* A cgroup per service (svc_cgroup.c): system.slice/NAME under the manager's cgroup root. */
#ifndef EK_SVC_CGROUP_H
#define EK_SVC_CGROUP_H

#include "svc.h"

int svc_cgroup_path(const struct svcmgr *m, const struct svc *s, char *out, size_t cap);
int svc_cgroup_create(struct svcmgr *m, struct svc *s);
/* Signals every process in the service's cgroup; returns how many were signalled. */
int svc_cgroup_signal(struct svcmgr *m, struct svc *s, int sig);
bool svc_cgroup_empty(struct svcmgr *m, struct svc *s);
long long svc_cgroup_read_ll(struct svcmgr *m, struct svc *s, const char *file);
/* The service whose cgroup holds pid, or NULL. */
struct svc *svc_by_cgroup_of(struct svcmgr *m, pid_t pid);

#endif
