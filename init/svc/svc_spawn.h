/* Starting a service's processes (svc_spawn.c). */
#ifndef EK_SVC_SPAWN_H
#define EK_SVC_SPAWN_H

#include "svc.h"

/* What a service's child process runs, handed to ek_sys.spawn (a test's fake reads it to see what
 * was started). */
struct svc_child {
	struct svcmgr *m;
	struct svc *s;
	const struct unit_exec *cmd; /* NULL: an attempt of a built-in ReadyProbe= (tcp, http, ...) */
	bool main_process;
	enum svc_check_kind check; /* not SVC_CHECK_NONE: a check of the unit's paths (svc_check.c) */
	int progress_fd;           /* a check's progress pipe */
};

/* Forks cmd for s (cgroup, environment, limits, log pipe, NOTIFY_SOCKET for the main process of a
 * notify service). Returns the pid or -errno with a reason in err. */
pid_t svc_spawn(struct svcmgr *m, struct svc *s, const struct unit_exec *cmd, bool main_process, char *err,
		size_t cap);
/* Forks a readiness probe attempt (exit 0 = ready). */
pid_t svc_spawn_probe(struct svcmgr *m, struct svc *s);

#endif
