/* The manager's table of units: adding, finding by name or alias, state names and changes, the
 * epoll registration every part shares, and freeing it all. Every other file of the manager sits
 * on this one; it calls none of them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "svc_table.h"
#include "sys.h"

struct svc *svcmgr_find(struct svcmgr *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		struct svc *s = &m->v[i];
		if (!strcmp(s->name, name))
			return s;
		for (size_t a = 0; s->loaded && a < s->u.aliases.n; a++)
			if (!strcmp(s->u.aliases.v[a], name))
				return s;
	}
	return NULL;
}

struct svc *svc_table_add(struct svcmgr *m, const char *name)
{
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 32;
		struct svc *nv = realloc(m->v, ncap * sizeof *nv);
		if (!nv)
			return NULL;
		m->v = nv;
		m->cap = ncap;
	}
	struct svc *s = &m->v[m->n++];
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", name);
	s->log_rd = s->log_wr = s->log_fd = s->main_pidfd = s->check_fd = -1;
	s->since_ms = ek_sys.now_ms();
	return s;
}

void svc_drop_next_def(struct svc *s)
{
	if (s->next_def) {
		unit_free(&s->next_def->u);
		free(s->next_def);
		s->next_def = NULL;
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void free_svc(struct svc *s)
{
	if (s->loaded)
		unit_free(&s->u);
	svc_drop_next_def(s);
	free(s->after);
	free(s->requires);
	free(s->binds);
	close_fd(&s->log_rd);
	close_fd(&s->log_wr);
	close_fd(&s->log_fd);
	close_fd(&s->main_pidfd);
	close_fd(&s->check_fd);
}

void svcmgr_free(struct svcmgr *m)
{
	for (size_t i = 0; i < m->n; i++)
		free_svc(&m->v[i]);
	free(m->v);
	if (m->scratch)
		free_svc(m->scratch);
	free(m->scratch);
	close_fd(&m->notify_fd);
	m->v = m->scratch = NULL;
	m->n = m->cap = 0;
}

static const char *const state_names[] = {
	[SVC_INACTIVE] = "inactive", [SVC_WAITING] = "waiting",       [SVC_STARTING] = "starting",
	[SVC_RUNNING] = "running",   [SVC_EXITED] = "exited",         [SVC_STOPPING] = "stopping",
	[SVC_RESTARTING] = "restarting", [SVC_FAILED] = "failed",     [SVC_SKIPPED] = "skipped",
};

const char *svc_state_name(enum svc_state st)
{
	return (unsigned)st <= SVC_SKIPPED ? state_names[st] : "?";
}

const char *svc_active_word(const struct svc *s)
{
	switch (s->state) {
	case SVC_RUNNING:
		return "active";
	case SVC_EXITED:
		return s->loaded && s->u.remain_after_exit ? "active" : "inactive";
	case SVC_STARTING:
	case SVC_RESTARTING:
		return "activating";
	case SVC_WAITING:
		/* a queued start: what a client polling after `start` must see */
		return s->wanted ? "activating" : "inactive";
	case SVC_STOPPING:
		return "deactivating";
	case SVC_FAILED:
		return "failed";
	default:
		return "inactive";
	}
}

void svc_set_state(struct svcmgr *m, struct svc *s, enum svc_state st, const char *fmt, ...)
{
	(void)m;
	char why[sizeof s->why];
	s->state = st;
	s->since_ms = ek_sys.now_ms();
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap); /* fmt's arguments may be s->why itself */
	va_end(ap);
	memcpy(s->why, why, sizeof why);
}

bool svc_idle(const struct svc *s)
{
	/* A check's answer is read against the definition it was asked about. */
	return s->state != SVC_STARTING && s->state != SVC_RUNNING && s->state != SVC_STOPPING && !s->check_pid;
}


int svc_epoll_add(struct svcmgr *m, int fd, unsigned long long tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
	return epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}
