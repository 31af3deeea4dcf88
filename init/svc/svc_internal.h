/* Shared between the service manager's files; not for the rest of PID 1. */
#ifndef EK_SVC_INTERNAL_H
#define EK_SVC_INTERNAL_H

#include "svc.h"

void svc_set_state(struct svcmgr *m, struct svc *s, enum svc_state st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int svc_epoll_add(struct svcmgr *m, int fd, unsigned long long tag);

/* svc_targets.c: whether target waits for something else to reach it (svcmgr_target_await) that
 * has not yet; a target that is not awaited is reached as soon as it is loaded. */
bool svc_target_awaited(const struct svcmgr *m, const char *target);
/* svc_load.c: a definition loaded by daemon-reload, waiting for its unit to be idle. */
struct svc_next_def {
	struct unit u;
	struct unit_diag diag;
};
/* True when the state machine holds no index into s->u (no run in progress). */
bool svc_idle(const struct svc *s);
/* Puts a waiting new definition in place (s must be idle or about to start afresh) and re-resolves
 * the dependency graph. Returns true if there was one. */
bool svc_apply_next_def(struct svcmgr *m, struct svc *s);

/* svc_load.c: name loaded into m->scratch for one lookup (the previous scratch unit is freed), or
 * the permanent unit an alias resolves to. */
struct svc *svc_load_scratch(struct svcmgr *m, const char *name);

/* svc_spawn.c: forks cmd for s (cgroup, environment, limits, log pipe, NOTIFY_SOCKET for the main
 * process of a notify service). Returns the pid or -errno with a reason in err. */
pid_t svc_spawn(struct svcmgr *m, struct svc *s, const struct unit_exec *cmd, bool main_process, char *err,
		size_t cap);
/* Forks a readiness probe attempt (exit 0 = ready). */
pid_t svc_spawn_probe(struct svcmgr *m, struct svc *s);

/* svc_cgroup.c */
int svc_cgroup_path(const struct svcmgr *m, const struct svc *s, char *out, size_t cap);
int svc_cgroup_create(struct svcmgr *m, struct svc *s);
/* Signals every process in the service's cgroup; returns how many were signalled. */
int svc_cgroup_signal(struct svcmgr *m, struct svc *s, int sig);
bool svc_cgroup_empty(struct svcmgr *m, struct svc *s);
long long svc_cgroup_read_ll(struct svcmgr *m, struct svc *s, const char *file);
/* The service whose cgroup holds pid, or NULL. */
struct svc *svc_by_cgroup_of(struct svcmgr *m, pid_t pid);

/* svc_io.c */
int svc_log_open(struct svcmgr *m, struct svc *s);
void svc_log_note(struct svcmgr *m, struct svc *s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void svc_log_echo_tail(struct svcmgr *m, struct svc *s, unsigned lines);
void svc_log_drain(struct svcmgr *m, struct svc *s);
void svc_notify_read(struct svcmgr *m);
/* Called by svc_io when a notify message arrives for s. */
void svc_inotify_drain(void);
void svc_on_notify(struct svcmgr *m, struct svc *s, const char *msg, pid_t sender);

#endif
