/* Which units run and how they depend on each other: the enabled set (links in
 * multi-user.target.wants/ and the .wants/ of the targets it reaches, plus /etc/ekinit/enabled),
 * everything they pull in with Wants=, Requires= and BindsTo=, the After=/Before= order, and the
 * breaking of ordering cycles. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "confdirs.h"
#include "log.h"
#include "strbuf.h"
#include "svc_load.h"
#include "svc_notify.h"
#include "svc_table.h"
#include "svc_targets.h"
#include "svc_skip.h"
#include "sys.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

int svcmgr_init(struct svcmgr *m, int epfd)
{
	static const char *const default_dirs[] = {"/etc/ekinit/system", "/etc/systemd/system",
						   "/usr/lib/systemd/system", "/lib/systemd/system", NULL};
	memset(m, 0, sizeof *m);
	m->dirs = default_dirs;
	m->cgroup_root = "/sys/fs/cgroup";
	m->log_dir = "/run/log/ekinit";
	m->enabled_file = "/etc/ekinit/enabled";
	m->log_cap = 1 << 20;
	m->epfd = epfd;
	m->notify_fd = -1;
	/* Reached by the manager itself once every wanted service has settled (svc_run.c). */
	svcmgr_target_await(m, "multi-user.target");
	svcmgr_target_await(m, "default.target");
	return 0;
}

/* Loads name (once) and returns its index, or -1 when it cannot be had at all. */
static long add_unit(struct svcmgr *m, const char *name, bool wanted, int depth);

static void pull_in(struct svcmgr *m, size_t idx, int depth)
{
	for (int l = 0; l < 3; l++)
		for (size_t i = 0;; i++) {
			/* m->v may move while units are added: take the unit afresh each time. The lists
			 * themselves are separate allocations and stay put. */
			struct unit *u = &m->v[idx].u;
			const struct unit_strv *list = l == 0 ? &u->wants : l == 1 ? &u->requires : &u->binds_to;
			if (i >= list->n)
				break;
			char copy[UNIT_NAME_MAX + 1];
			snprintf(copy, sizeof copy, "%s", list->v[i]);
			add_unit(m, copy, true, depth + 1);
		}
}

static void wants_dir_units(struct svcmgr *m, const char *target, int depth);

static long add_unit(struct svcmgr *m, const char *name, bool wanted, int depth)
{
	struct svc *s = svcmgr_find(m, name);
	if (s) {
		long idx = s - m->v;
		if (wanted && !s->wanted) {
			s->wanted = true;
			if (s->loaded)
				pull_in(m, (size_t)idx, depth);
		}
		return idx;
	}
	if (depth > 64)
		return -1;
	if (ends_with(name, ".target")) {
		s = svc_table_add(m, name);
		if (!s)
			return -1;
		s->is_target = true;
		s->wanted = wanted;
		long idx = s - m->v;
		if (!svc_target_awaited(m, name)) {
			s->state = SVC_RUNNING;
			snprintf(s->why, sizeof s->why, "reached with the boot steps");
		} else {
			s->state = SVC_WAITING;
			snprintf(s->why, sizeof s->why, "waiting for its boot step");
		}
		wants_dir_units(m, name, depth + 1);
		return idx;
	}
	if (!ends_with(name, ".service")) {
		ek_warn("services: %s: only .service and .target units are supported (ignored)", name);
		return -1;
	}
	s = svc_table_add(m, name);
	if (!s)
		return -1;
	long idx = s - m->v;
	unit_diag_init(&s->diag);
	int r = unit_load(name, m->dirs, &s->u, &s->diag);
	s = &m->v[idx];
	/* Problems of units the boot wants go to the console; a unit looked up by an operator's
	 * command reports them in the reply and in `ekctl status NAME` instead. */
	for (size_t i = 0; wanted && i < s->diag.n; i++) {
		if (s->diag.msg[i].error)
			ek_err("%s", s->diag.msg[i].text);
		else
			ek_warn("%s", s->diag.msg[i].text);
	}
	s->wanted = wanted;
	if (r < 0) {
		snprintf(s->load_error, sizeof s->load_error, "%s",
			 r == -ENOENT ? "no unit file found" : r == -ERFKILL ? "masked" :
			 r == -EBADMSG ? "unit file unusable (see the errors above)" : strerror(-r));
		s->state = SVC_FAILED;
		snprintf(s->why, sizeof s->why, "cannot load: %s", s->load_error);
		if (r != -ERFKILL && wanted)
			ek_err("services: %s: %s", name, s->load_error);
		unit_free(&s->u);
		return idx;
	}
	s->loaded = true;
	/* An alias resolved to a unit we already have: keep one. */
	if (strcmp(s->u.name, name)) {
		struct svc *real = NULL;
		for (size_t i = 0; i < m->n; i++)
			if (i != (size_t)idx && !strcmp(m->v[i].name, s->u.name))
				real = &m->v[i];
		if (real) {
			unit_free(&s->u);
			m->n--; /* it was the last one added */
			real->wanted |= wanted;
			return real - m->v;
		}
		snprintf(s->name, sizeof s->name, "%s", s->u.name);
	}
	s->state = wanted ? SVC_WAITING : SVC_INACTIVE;
	if (wanted)
		pull_in(m, (size_t)idx, depth);
	return idx;
}

/* NAME.target.wants/ in every unit directory: the usual `systemctl enable` links. */
static void wants_dir_units(struct svcmgr *m, const char *target, int depth)
{
	for (size_t d = 0; m->dirs[d]; d++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s.wants", m->dirs[d], target);
		DIR *dir = opendir(path);
		if (!dir)
			continue;
		struct dirent *de;
		char names[256][UNIT_NAME_MAX + 1];
		size_t n = 0;
		while ((de = readdir(dir)) && n < 256)
			if (de->d_name[0] != '.')
				snprintf(names[n++], sizeof names[0], "%s", de->d_name);
		closedir(dir);
		char skipped[EK_LINE_MAX - 100] = "";
		struct strbuf sb;
		sb_init(&sb, skipped, sizeof skipped);
		for (size_t i = 0; i < n; i++) {
			if (svc_systemd_own(names[i])) {
				sb_printf(&sb, " %s", names[i]);
				continue;
			}
			long idx = add_unit(m, names[i], true, depth);
			if (idx >= 0)
				m->v[idx].enabled = true;
		}
		if (sb.len && svc_skip_first_report(path))
			ek_info("services: %s: not starting systemd's own units (svc_skip.h):%s", path, skipped);
	}
}

static void enabled_file_units(struct svcmgr *m)
{
	FILE *f = fopen(m->enabled_file, "re");
	char line[512];
	unsigned lineno = 0;
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *s = conf_trim(line);
		if (!*s || *s == '#')
			continue;
		long idx = add_unit(m, s, true, 0);
		if (idx < 0)
			ek_warn("%s:%u: %s cannot be enabled", m->enabled_file, lineno, s);
		else
			m->v[idx].enabled = true;
	}
	fclose(f);
}

static int push(size_t **v, size_t *n, size_t x)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == x)
			return 0;
	size_t *nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = x;
	*v = nv;
	return 0;
}

/* After= and Before= become one "starts after" list per unit; Requires=/BindsTo= also order (in
 * ekinit a required unit must be up before its dependent starts; see docs/architecture.md). */
static void resolve(struct svcmgr *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].after);
		free(m->v[i].requires);
		free(m->v[i].binds);
		m->v[i].after = m->v[i].requires = m->v[i].binds = NULL;
		m->v[i].nafter = m->v[i].nrequires = m->v[i].nbinds = 0;
	}
	for (size_t i = 0; i < m->n; i++) {
		struct svc *s = &m->v[i];
		if (!s->loaded)
			continue;
		for (size_t k = 0; k < s->u.after.n; k++) {
			struct svc *d = svcmgr_find(m, s->u.after.v[k]);
			if (d && d != s)
				push(&s->after, &s->nafter, (size_t)(d - m->v));
		}
		for (size_t k = 0; k < s->u.before.n; k++) {
			struct svc *d = svcmgr_find(m, s->u.before.v[k]);
			if (d && d != s)
				push(&d->after, &d->nafter, i);
		}
		const struct unit_strv *req[] = {&s->u.requires, &s->u.binds_to};
		for (size_t l = 0; l < 2; l++)
			for (size_t k = 0; k < req[l]->n; k++) {
				struct svc *d = svcmgr_find(m, req[l]->v[k]);
				if (d && d != s) {
					push(&s->requires, &s->nrequires, (size_t)(d - m->v));
					push(&s->after, &s->nafter, (size_t)(d - m->v));
					if (l == 1)
						push(&s->binds, &s->nbinds, (size_t)(d - m->v));
				}
			}
	}
}

/* Depth-first search for a cycle in the "starts after" graph; fills path with its members and
 * returns its length, 0 when there is none. */
static size_t find_cycle(struct svcmgr *m, size_t *path)
{
	unsigned char *color = calloc(m->n, 1); /* 0 new, 1 on stack, 2 done */
	size_t *stack = malloc(m->n * sizeof *stack), *edge = malloc(m->n * sizeof *edge);
	size_t len = 0;
	if (!color || !stack || !edge)
		goto out;
	for (size_t root = 0; root < m->n && !len; root++) {
		if (color[root])
			continue;
		size_t sp = 0;
		stack[sp] = root;
		edge[sp] = 0;
		color[root] = 1;
		while (sp != (size_t)-1 && !len) {
			struct svc *s = &m->v[stack[sp]];
			if (edge[sp] == s->nafter) {
				color[stack[sp]] = 2;
				sp--;
				continue;
			}
			size_t next = s->after[edge[sp]++];
			if (color[next] == 1) {
				size_t from = 0;
				while (stack[from] != next)
					from++;
				for (size_t k = from; k <= sp; k++)
					path[len++] = stack[k];
			} else if (color[next] == 0) {
				color[next] = 1;
				stack[++sp] = next;
				edge[sp] = 0;
			}
		}
	}
out:
	free(color);
	free(stack);
	free(edge);
	return len;
}

static void break_cycles(struct svcmgr *m)
{
	size_t *path = malloc((m->n + 1) * sizeof *path);
	if (!path)
		return;
	for (unsigned guard = 0; guard < 1000; guard++) {
		size_t len = find_cycle(m, path);
		if (!len)
			break;
		/* Deterministic: the member whose name sorts last loses its ordering edge. */
		size_t victim = 0;
		for (size_t k = 1; k < len; k++)
			if (strcmp(m->v[path[k]].name, m->v[path[victim]].name) > 0)
				victim = k;
		size_t from = path[victim], to = path[(victim + 1) % len];
		char members[600];
		struct strbuf sb;
		sb_init(&sb, members, sizeof members);
		for (size_t k = 0; k < len; k++)
			sb_printf(&sb, "%s -> ", m->v[path[k]].name);
		sb_puts(&sb, m->v[path[0]].name);
		ek_err("services: ordering cycle: %s; ignoring %s's order after %s", members, m->v[from].name,
		       m->v[to].name);
		struct svc *s = &m->v[from];
		for (size_t k = 0; k < s->nafter; k++)
			if (s->after[k] == to) {
				s->after[k] = s->after[--s->nafter];
				break;
			}
	}
	free(path);
}

int svcmgr_load(struct svcmgr *m)
{
	if (m->notify_fd < 0)
		svc_notify_open(m);
	wants_dir_units(m, "multi-user.target", 0);
	enabled_file_units(m);
	long mu = add_unit(m, "multi-user.target", true, 0);
	(void)mu;
	resolve(m);
	break_cycles(m);
	int loaded = 0;
	for (size_t i = 0; i < m->n; i++)
		loaded += m->v[i].loaded;
	return loaded;
}

struct svc *svc_load_scratch(struct svcmgr *m, const char *name)
{
	struct svc *s = m->scratch;
	if (!s) {
		s = m->scratch = malloc(sizeof *s);
		if (!s)
			return NULL;
	} else if (s->loaded) {
		unit_free(&s->u);
	}
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", name);
	s->log_rd = s->log_wr = s->log_fd = s->main_pidfd = s->check_fd = -1;
	s->since_ms = ek_sys.now_ms();
	if (ends_with(name, ".target")) {
		s->is_target = true;
		s->state = svc_target_awaited(m, name) ? SVC_WAITING : SVC_RUNNING;
		return s;
	}
	if (!ends_with(name, ".service"))
		return s;
	unit_diag_init(&s->diag);
	int r = unit_load(name, m->dirs, &s->u, &s->diag);
	if (r < 0) {
		snprintf(s->load_error, sizeof s->load_error, "%s",
			 r == -ENOENT ? "no unit file found" : r == -ERFKILL ? "masked" :
			 r == -EBADMSG ? "unit file unusable" : strerror(-r));
		unit_free(&s->u);
		return s;
	}
	s->loaded = true;
	s->state = SVC_INACTIVE;
	if (strcmp(s->u.name, name)) {
		struct svc *real = svcmgr_find(m, s->u.name);
		if (real)
			return real;
		snprintf(s->name, sizeof s->name, "%s", s->u.name);
	}
	return s;
}

long svcmgr_add(struct svcmgr *m, const char *name, bool wanted)
{
	size_t before = m->n;
	long idx = add_unit(m, name, wanted, 0);
	/* A lookup of a unit that does not exist (a typo in `systemctl is-active`) leaves no trace. */
	if (idx >= 0 && (size_t)idx == before && m->n == before + 1 && !wanted && !m->v[idx].loaded &&
	    !m->v[idx].is_target) {
		m->n--;
		return -1;
	}
	resolve(m);
	break_cycles(m);
	return idx;
}

bool svc_apply_next_def(struct svcmgr *m, struct svc *s)
{
	struct svc_next_def *d = s->next_def;
	if (!d)
		return false;
	unit_free(&s->u);
	s->u = d->u;
	s->diag = d->diag;
	free(d);
	s->next_def = NULL;
	s->check_passed = false; /* the new conditions are checked afresh */
	resolve(m);
	break_cycles(m);
	return true;
}

int svcmgr_reload_units(struct svcmgr *m, char *err, size_t cap)
{
	/* New definitions apply from the next start, as with systemd's daemon-reload: a running
	 * service keeps its process. A busy unit (between its ExecStart= lines, running, stopping)
	 * keeps the definition its run started with until it is idle: the state machine indexes its
	 * command lists, and a shorter list swapped in under it would be read past its end. */
	for (size_t i = 0; i < m->n; i++) {
		struct svc *s = &m->v[i];
		if (!s->loaded)
			continue;
		struct svc_next_def *d = calloc(1, sizeof *d);
		if (!d) {
			ek_warn("daemon-reload: %s: out of memory; keeping the old definition", s->name);
			continue;
		}
		unit_diag_init(&d->diag);
		int r = unit_load(s->name, m->dirs, &d->u, &d->diag);
		for (size_t k = 0; k < d->diag.n; k++)
			(d->diag.msg[k].error ? ek_err : ek_warn)("%s", d->diag.msg[k].text);
		if (r < 0) {
			ek_warn("daemon-reload: %s: %s; keeping the old definition", s->name, strerror(-r));
			unit_free(&d->u);
			free(d);
			continue;
		}
		svc_drop_next_def(s);
		s->next_def = d;
		if (svc_idle(s)) {
			unit_free(&s->u);
			s->u = d->u;
			s->diag = d->diag;
			free(d);
			s->next_def = NULL;
		} else {
			ek_info("daemon-reload: %s is %s; its new definition applies when it is idle", s->name,
				svc_state_name(s->state));
		}
	}
	wants_dir_units(m, "multi-user.target", 0);
	enabled_file_units(m);
	resolve(m);
	break_cycles(m);
	(void)err;
	(void)cap;
	return 0;
}
