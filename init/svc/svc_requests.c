/* What an operator asks of a unit (ekctl start, stop, restart, reload, enable) and the lookup the
 * control requests share; the state machine (svc_run.c) does the work. */
#include <errno.h>
#include <stdio.h>

#include "svc_load.h"
#include "svc_run.h"
#include "svc_spawn.h"
#include "svc_table.h"
#include "sys.h"

struct svc *svcmgr_get(struct svcmgr *m, const char *name, char *err, size_t cap)
{
	struct svc *s = svcmgr_find(m, name);
	if (!s)
		s = svc_load_scratch(m, name); /* a lookup must not grow PID 1 */
	if (!s || (!s->loaded && !s->is_target)) {
		snprintf(err, cap, "not-found: no such unit %s%s%s", name, s && s->load_error[0] ? ": " : "",
			 s ? s->load_error : "");
		return NULL;
	}
	return s;
}

#define lookup svcmgr_get

int svcmgr_start(struct svcmgr *m, const char *name, char *err, size_t cap)
{
	struct svc *s = lookup(m, name, err, cap);
	if (!s)
		return -ENOENT;
	if (m->shutting_down) {
		snprintf(err, cap, "failed: shutting down");
		return -ESHUTDOWN;
	}
	if (!s->wanted) {
		/* Pull in what it Wants=/Requires= now that it is wanted. */
		long idx = svcmgr_add(m, s->name, true);
		if (idx >= 0)
			s = &m->v[idx];
	}
	s->wanted = true;
	if (s->state == SVC_INACTIVE || s->state == SVC_FAILED || s->state == SVC_SKIPPED ||
	    (s->state == SVC_EXITED && !s->u.remain_after_exit)) {
		start_limit_reset(&s->start_limit); /* an operator's start clears it, like reset-failed */
		s->backoff = 0;
		svc_set_state(m, s, SVC_WAITING, "start requested");
	} else if (s->state == SVC_RESTARTING) {
		s->deadline_ms = ek_sys.now_ms();
	}
	return 0;
}

int svcmgr_stop(struct svcmgr *m, const char *name, char *err, size_t cap)
{
	struct svc *s = lookup(m, name, err, cap);
	if (!s)
		return -ENOENT;
	s->wanted = false;
	s->restart_requested = false;
	svc_begin_stop(m, s, false);
	return 0;
}

int svcmgr_restart(struct svcmgr *m, const char *name, char *err, size_t cap)
{
	struct svc *s = lookup(m, name, err, cap);
	if (!s)
		return -ENOENT;
	if (s->state == SVC_RUNNING || s->state == SVC_STARTING || s->state == SVC_EXITED) {
		s->wanted = true;
		svc_begin_stop(m, s, false);
		s->stop_requested = false;
		s->restart_requested = true;
		if (s->state != SVC_STOPPING) /* it stopped at once */
			return svcmgr_start(m, name, err, cap);
		return 0;
	}
	return svcmgr_start(m, name, err, cap);
}

int svcmgr_reload(struct svcmgr *m, const char *name, char *err, size_t cap)
{
	struct svc *s = lookup(m, name, err, cap);
	if (!s)
		return -ENOENT;
	if (s->state != SVC_RUNNING) {
		snprintf(err, cap, "failed: %s is not running", s->name);
		return -EINVAL;
	}
	const struct unit_exec_list *l = &s->u.exec[UNIT_EXEC_RELOAD];
	if (!l->n) {
		snprintf(err, cap, "invalid: %s has no ExecReload=", s->name);
		return -EINVAL;
	}
	if (s->reload_pending) {
		/* One control process at a time: a second reload would lose track of the first. */
		snprintf(err, cap, "failed: %s is reloading already", s->name);
		return -EBUSY;
	}
	char e[200];
	pid_t pid = svc_spawn(m, s, &l->v[0], false, e, sizeof e);
	if (pid < 0) {
		snprintf(err, cap, "failed: %s", e);
		return (int)pid;
	}
	s->ctl_pid = pid;
	s->exec_idx = 0; /* the later ExecReload= commands run in order as each one succeeds */
	s->reload_pending = true;
	return 0;
}

int svcmgr_enable(struct svcmgr *m, const char *name, bool enable, char *err, size_t cap)
{
	struct svc *s = lookup(m, name, err, cap);
	if (!s)
		return -ENOENT;
	if (s == m->scratch) {
		/* Enabling is kept: the unit joins the manager for good. */
		long idx = svcmgr_add(m, s->name, false);
		if (idx < 0) {
			snprintf(err, cap, "failed: cannot load %s", name);
			return -ENOMEM;
		}
		s = &m->v[idx];
	}
	s->enabled = enable;
	return 0;
}
