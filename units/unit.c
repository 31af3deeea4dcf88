/* Construction and destruction of the unit model (unit.h). */
#include "unit.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

void unit_init(struct unit *u)
{
	memset(u, 0, sizeof *u);
	u->start_limit_burst = 5;
	u->start_limit_interval = 10 * 1000000ULL;
	u->restart_sec = 100 * 1000ULL;
	u->timeout_start = UNIT_TIMEOUT_DEFAULT; /* unit_load: 90 s, or none for a oneshot */
	u->timeout_stop = 90 * 1000000ULL;
	u->kill_signal = SIGTERM;
	u->runtime_directory_mode = 0755;
}

int unit_strv_add(struct unit_strv *l, const char *s)
{
	if (l->n >= UNIT_LIST_MAX)
		return -E2BIG;
	char *copy = strdup(s);
	char **nv = copy ? realloc(l->v, (l->n + 2) * sizeof *nv) : NULL;
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	nv[l->n++] = copy;
	nv[l->n] = NULL;
	l->v = nv;
	return 0;
}

void unit_strv_free(struct unit_strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void unit_exec_free(struct unit_exec *e)
{
	free(e->path);
	free(e->file);
	unit_strv_free(&e->argv);
	memset(e, 0, sizeof *e);
}

void unit_free(struct unit *u)
{
	struct unit_strv *lists[] = {&u->aliases,        &u->dropins,         &u->documentation,
				     &u->after,          &u->before,          &u->requires,
				     &u->wants,          &u->binds_to,        &u->environment,
				     &u->runtime_directory, &u->state_directory, &u->wanted_by,
				     &u->required_by,    &u->install_alias};
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		unit_strv_free(lists[i]);
	for (int k = 0; k < UNIT_EXEC_KINDS; k++) {
		for (size_t i = 0; i < u->exec[k].n; i++)
			unit_exec_free(&u->exec[k].v[i]);
		free(u->exec[k].v);
	}
	for (size_t i = 0; i < u->conds.n; i++)
		free(u->conds.v[i].path);
	free(u->conds.v);
	for (size_t i = 0; i < u->environment_files.n; i++)
		free(u->environment_files.v[i].path);
	free(u->environment_files.v);
	free(u->ready_probe.host);
	free(u->ready_probe.path);
	unit_exec_free(&u->ready_probe.exec);
	char *strings[] = {u->name,      u->path,  u->instance,      u->description, u->working_directory,
			   u->user,      u->group, u->pid_file,      u->start_when_exists};
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
		free(strings[i]);
	memset(u, 0, sizeof *u);
}

const char *unit_type_name(enum unit_type t)
{
	static const char *const names[] = {"simple", "exec", "forking", "oneshot", "notify"};
	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

const char *unit_restart_name(enum unit_restart r)
{
	static const char *const names[] = {"no",       "on-success",  "on-failure", "on-abnormal",
					    "on-abort", "on-watchdog", "always"};
	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}
