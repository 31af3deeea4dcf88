/* Targets reached by something outside the units: a boot step (PID 1 calls svcmgr_target_reached
 * when the step ends) or the manager itself (multi-user.target). The manager keeps the list itself,
 * so a target first loaded after its step ended (a unit started by hand after boot, ordered after
 * network-online.target) is reached at once instead of waiting for a step that will not run again. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "svc.h"
#include "svc_internal.h"
#include "sys.h"

static struct svc_awaited *awaited(struct svcmgr *m, const char *target)
{
	for (size_t i = 0; i < m->nawaited; i++)
		if (!strcmp(m->awaited[i].name, target))
			return &m->awaited[i];
	return NULL;
}

int svcmgr_target_await(struct svcmgr *m, const char *target)
{
	if (awaited(m, target))
		return 0;
	if (m->nawaited == SVC_AWAITED_MAX || strlen(target) >= sizeof m->awaited[0].name)
		return -ENOSPC;
	struct svc_awaited *a = &m->awaited[m->nawaited++];
	snprintf(a->name, sizeof a->name, "%s", target);
	a->reached = false;
	return 0;
}

bool svc_target_awaited(const struct svcmgr *m, const char *target)
{
	for (size_t i = 0; i < m->nawaited; i++)
		if (!strcmp(m->awaited[i].name, target))
			return !m->awaited[i].reached;
	return false;
}

void svcmgr_target_reached(struct svcmgr *m, const char *target)
{
	struct svc_awaited *a = awaited(m, target);
	if (a)
		a->reached = true;
	struct svc *s = svcmgr_find(m, target);
	if (s && s->state != SVC_RUNNING) {
		svc_set_state(m, s, SVC_RUNNING, "reached");
		s->ready_ms = ek_sys.now_ms();
	}
}
