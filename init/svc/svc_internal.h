/* Shared between the service manager's files; not for the rest of PID 1. */
#ifndef EK_SVC_INTERNAL_H
#define EK_SVC_INTERNAL_H

#include "svc.h"
#include "svc_cgroup.h"
#include "svc_conditions.h"
#include "svc_log.h"
#include "svc_notify.h"
#include "svc_table.h"

/* svc_targets.c: whether target waits for something else to reach it (svcmgr_target_await) that
 * has not yet; a target that is not awaited is reached as soon as it is loaded. */
bool svc_target_awaited(const struct svcmgr *m, const char *target);
/* svc_load.c: puts a waiting new definition in place (s must be idle or about to start afresh) and re-resolves
 * the dependency graph. Returns true if there was one. */
bool svc_apply_next_def(struct svcmgr *m, struct svc *s);

/* svc_load.c: name loaded into m->scratch for one lookup (the previous scratch unit is freed), or
 * the permanent unit an alias resolves to. */
struct svc *svc_load_scratch(struct svcmgr *m, const char *name);

/* What a service's child process runs, handed to ek_sys.spawn (a test's fake reads it to see what
 * was started). */
struct svc_child {
	struct svcmgr *m;
	struct svc *s;
	const struct unit_exec *cmd; /* NULL: an attempt of a built-in ReadyProbe= (tcp, http, ...) */
	bool main_process;
};

/* svc_spawn.c: forks cmd for s (cgroup, environment, limits, log pipe, NOTIFY_SOCKET for the main
 * process of a notify service). Returns the pid or -errno with a reason in err. */
pid_t svc_spawn(struct svcmgr *m, struct svc *s, const struct unit_exec *cmd, bool main_process, char *err,
		size_t cap);
/* Forks a readiness probe attempt (exit 0 = ready). */
pid_t svc_spawn_probe(struct svcmgr *m, struct svc *s);

/* svc_run.c: applies a notify message from sender, already known to belong to s. */
void svc_on_notify(struct svcmgr *m, struct svc *s, const char *msg, pid_t sender);

#endif
