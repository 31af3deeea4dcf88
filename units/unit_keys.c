/* The table of settings and their handlers (unit_keys.h). Semantics follow systemd.unit(5),
 * systemd.service(5), systemd.exec(5), systemd.kill(5) and systemd.resource-control(5); anything
 * not in the table is reported once per unit as not supported, never dropped silently. */
#include "unit_keys.h"
#include "unit_exec.h"
#include "unit_lex.h"
#include "unit_probe.h"
#include "unit_values.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct key;
typedef void handler_fn(struct unit_parse_ctx *c, const struct key *k, const char *value);

struct key {
	enum unit_section section;
	const char *name;
	handler_fn *fn;
	size_t off; /* field in struct unit */
	int arg;    /* handler-specific */
};

#define FIELD(f) offsetof(struct unit, f)
#define AT(c, k, type) ((type *)((char *)(c)->u + (k)->off))

/* Word-list checks (struct key.arg of add_words). */
enum { W_ANY, W_UNIT_NAME, W_REL_DIR };

/* Specifier expansion of the whole value into c->buf; false (reported) on a bad specifier. */
static bool expand(struct unit_parse_ctx *c, const char *value)
{
	char bad = 0;
	int r = unit_specifiers(value, &c->spec, c->buf, UNIT_LINE_MAX + 1, &bad);
	if (r == -E2BIG)
		unit_line_error(c, "value too long after specifier expansion");
	else if (r < 0 && bad)
		unit_line_error(c, "unknown specifier %%%c", bad);
	else if (r < 0)
		unit_line_error(c, "'%%' at the end of the value (write %%%% for a literal '%%')");
	return r == 0;
}

static void set_string(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	char **f = AT(c, k, char *);
	if (!expand(c, value))
		return;
	char *s = c->buf[0] ? strdup(c->buf) : NULL;
	if (c->buf[0] && !s) {
		unit_line_error(c, "out of memory");
		return;
	}
	free(*f);
	*f = s;
}

static bool path_ok(struct unit_parse_ctx *c, const struct key *k, const char *p)
{
	if (p[0] != '/') {
		unit_line_error(c, "%s= needs an absolute path, not \"%.200s\"", k->name, p);
		return false;
	}
	return true;
}

/* An absolute path (arg 1: a relative path is taken below /run, as PIDFile= does). */
static void set_path(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	char **f = AT(c, k, char *);
	if (!expand(c, value))
		return;
	if (!c->buf[0]) {
		free(*f);
		*f = NULL;
		return;
	}
	char *s = NULL;
	if (k->arg == 1 && c->buf[0] != '/') {
		if (asprintf(&s, "/run/%s", c->buf) < 0)
			s = NULL;
	} else if (path_ok(c, k, c->buf)) {
		s = strdup(c->buf);
	} else {
		return;
	}
	if (!s) {
		unit_line_error(c, "out of memory");
		return;
	}
	free(*f);
	*f = s;
}

static void set_working_directory(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	struct unit *u = c->u;
	if (!expand(c, value))
		return;
	const char *p = c->buf;
	bool optional = *p == '-';
	p += optional;
	if (*p && strcmp(p, "~") && !path_ok(c, k, p))
		return;
	char *s = *p ? strdup(p) : NULL;
	if (*p && !s) {
		unit_line_error(c, "out of memory");
		return;
	}
	free(u->working_directory);
	u->working_directory = s;
	u->working_directory_optional = optional;
}

static bool rel_dir_ok(const char *w)
{
	if (w[0] == '/' || !w[0])
		return false;
	for (const char *s = w; *s;) {
		size_t n = strcspn(s, "/");
		if ((n == 2 && !strncmp(s, "..", 2)) || (n == 1 && *s == '.') || n == 0)
			return false;
		s += n + (s[n] == '/');
	}
	return true;
}

static void add_words(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	struct unit_strv *l = AT(c, k, struct unit_strv);
	if (!expand(c, value))
		return;
	if (!c->buf[0]) { /* an empty assignment resets the list */
		unit_strv_free(l);
		return;
	}
	const char *p = c->buf;
	int r;
	while ((r = unit_word(&p, c->word, NULL)) > 0) {
		if (k->arg == W_UNIT_NAME && !unit_name_valid(c->word)) {
			unit_line_error(c, "%s=: \"%.200s\" is not a valid unit name (ignored)", k->name, c->word);
			continue;
		}
		if (k->arg == W_REL_DIR && !rel_dir_ok(c->word)) {
			unit_line_error(c, "%s=: \"%.200s\" must be a relative path without '.' or '..' (ignored)",
					k->name, c->word);
			continue;
		}
		if ((r = unit_strv_add(l, c->word)) < 0) {
			unit_line_error(c, "%s", r == -E2BIG ? "too many entries" : "out of memory");
			return;
		}
	}
	if (r < 0)
		unit_line_error(c, "%s", r == -EILSEQ ? "invalid escape sequence" : "unbalanced quotes");
}

static void set_bool(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	if (unit_parse_bool(value, AT(c, k, bool)) < 0)
		unit_line_error(c, "%s=: \"%.100s\" is not a boolean (yes/no, true/false, on/off, 1/0)", k->name, value);
}

static void set_preserve(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	bool b;
	if (!strcmp(value, "restart"))
		c->u->runtime_directory_preserve = UNIT_PRESERVE_RESTART;
	else if (unit_parse_bool(value, &b) == 0)
		c->u->runtime_directory_preserve = b ? UNIT_PRESERVE_YES : UNIT_PRESERVE_NO;
	else
		unit_line_error(c, "%s=: \"%.100s\" is not yes, no or restart", k->name, value);
}

/* Delegate= takes a boolean or a list of controllers (which means yes: all of them are delegated
 * here anyway, since ekinit hands every controller down). */
static void set_delegate(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	if (unit_parse_bool(value, &c->u->delegate) == 0)
		return;
	(void)k;
	c->u->delegate = true;
}

/* arg 1: 0 means "no timeout" (TimeoutStartSec=0 and friends). arg 2: TimeoutSec= sets both. */
static void set_time(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	uint64_t t;
	int r = unit_parse_timespan(value, &t);
	if (r < 0) {
		unit_line_error(c, "%s=: \"%.100s\" is not a time span (e.g. 5s, 1min 30s, 100ms, infinity)",
				k->name, value);
		return;
	}
	if (k->arg >= 1 && t == 0)
		t = UNIT_INFINITY;
	if (k->arg == 2) {
		c->u->timeout_start = c->u->timeout_stop = t;
		return;
	}
	*AT(c, k, uint64_t) = t;
}

static void set_uint(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	uint64_t v;
	if (unit_parse_uint(value, 1000000, &v) < 0) {
		unit_line_error(c, "%s=: \"%.100s\" is not a number", k->name, value);
		return;
	}
	*AT(c, k, unsigned) = (unsigned)v;
}

static void add_exec(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	struct unit_exec_list *l = &c->u->exec[k->arg];
	char err[256];
	if (!value[0]) {
		for (size_t i = 0; i < l->n; i++)
			unit_exec_free(&l->v[i]);
		free(l->v);
		l->v = NULL;
		l->n = 0;
		return;
	}
	if (unit_exec_parse(value, &c->spec, l, c->file, c->line, err, sizeof err) < 0)
		unit_line_error(c, "%s=: %s", k->name, err);
}

static bool env_name_ok(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* Environment=: several "NAME=value" words per line; a later assignment of a name replaces it. */
static void add_environment(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	struct unit_strv *env = &c->u->environment;
	const char *p = value;
	char bad = 0;
	int r;
	(void)k;
	if (!value[0]) {
		unit_strv_free(env);
		return;
	}
	while ((r = unit_word(&p, c->word, NULL)) > 0) {
		r = unit_specifiers(c->word, &c->spec, c->buf, UNIT_LINE_MAX + 1, &bad);
		if (r < 0) {
			unit_line_error(c, r == -E2BIG ? "value too long after specifier expansion"
					: bad ? "unknown specifier %%%c" : "'%%' at the end of a word", bad);
			return;
		}
		const char *eq = strchr(c->buf, '=');
		if (!eq || !env_name_ok(c->buf, (size_t)(eq - c->buf))) {
			unit_line_error(c, "Environment=: \"%.100s\" is not a NAME=value assignment (ignored)", c->buf);
			continue;
		}
		size_t n = (size_t)(eq - c->buf) + 1;
		size_t i = 0;
		while (i < env->n && strncmp(env->v[i], c->buf, n))
			i++;
		if (i < env->n) {
			char *s = strdup(c->buf);
			if (!s) {
				unit_line_error(c, "out of memory");
				return;
			}
			free(env->v[i]);
			env->v[i] = s;
		} else if ((r = unit_strv_add(env, c->buf)) < 0) {
			unit_line_error(c, "%s", r == -E2BIG ? "too many assignments" : "out of memory");
			return;
		}
	}
	if (r < 0)
		unit_line_error(c, "Environment=: %s", r == -EILSEQ ? "invalid escape sequence" : "unbalanced quotes");
}

/* Room for one more element in a path list (v holding n of size bytes) and a copy of path for it, in
 * *copy; *copy is NULL (the error reported on the line) when the list is full or memory runs out.
 * Returns the list to keep, moved or not. */
static void *list_grow(struct unit_parse_ctx *c, void *v, size_t n, size_t size, const char *what, const char *path,
		       char **copy)
{
	*copy = NULL;
	if (n >= UNIT_LIST_MAX) {
		unit_line_error(c, "too many %s", what);
		return v;
	}
	void *nv = realloc(v, (n + 1) * size);
	if (nv)
		*copy = strdup(path);
	if (!*copy)
		unit_line_error(c, "out of memory");
	return nv ? nv : v;
}

static void add_environment_file(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	struct unit_envfile_list *l = &c->u->environment_files;
	if (!expand(c, value))
		return;
	if (!c->buf[0]) {
		for (size_t i = 0; i < l->n; i++)
			free(l->v[i].path);
		free(l->v);
		l->v = NULL;
		l->n = 0;
		return;
	}
	bool optional = c->buf[0] == '-';
	const char *p = c->buf + optional;
	if (!path_ok(c, k, p))
		return;
	char *s;
	l->v = list_grow(c, l->v, l->n, sizeof *l->v, "EnvironmentFile= entries", p, &s);
	if (!s)
		return;
	l->v[l->n++] = (struct unit_envfile){.path = s, .optional = optional};
}

/* Condition*= and Assert*= (arg: the kind; the key name says which of the two). */
static void add_condition(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	struct unit_cond_list *l = &c->u->conds;
	bool assert = !strncmp(k->name, "Assert", 6);
	if (!expand(c, value))
		return;
	if (!c->buf[0]) { /* reset: drops all conditions (or assertions) so far */
		size_t o = 0;
		for (size_t i = 0; i < l->n; i++) {
			if (l->v[i].assert == assert)
				free(l->v[i].path);
			else
				l->v[o++] = l->v[i];
		}
		l->n = o;
		return;
	}
	const char *p = c->buf;
	bool trigger = false, negate = false;
	for (; *p == '|' || *p == '!'; p++) {
		bool *flag = *p == '|' ? &trigger : &negate;
		if (*flag) {
			unit_line_error(c, "%s=: '%c' given twice", k->name, *p);
			return;
		}
		*flag = true;
	}
	if (!path_ok(c, k, p))
		return;
	char *s;
	l->v = list_grow(c, l->v, l->n, sizeof *l->v, "conditions", p, &s);
	if (!s)
		return;
	l->v[l->n++] = (struct unit_cond){.kind = (enum unit_cond_kind)k->arg, .assert = assert,
					  .trigger = trigger, .negate = negate, .path = s};
}

static int lookup_name(const char *const names[], const char *v)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], v))
			return i;
	return -1;
}

static void set_type(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	static const char *const names[] = {"simple", "exec", "forking", "oneshot", "notify", NULL};
	int i = lookup_name(names, value);
	(void)k;
	if (i < 0 && (!strcmp(value, "idle") || !strcmp(value, "dbus") || !strcmp(value, "notify-reload"))) {
		/* Close enough to run, but not what the author asked for: say so. */
		i = !strcmp(value, "notify-reload") ? UNIT_TYPE_NOTIFY : UNIT_TYPE_SIMPLE;
		unit_diag_add(c->diag, false, "%s:%u: Type=%s is not supported by ekinit (treated as %s)", c->file,
			      c->line, value, unit_type_name((enum unit_type)i));
	}
	if (i < 0) {
		unit_line_error(c, "Type=: unknown type \"%.60s\" (simple, exec, forking, oneshot, notify)", value);
		return;
	}
	c->u->type = (enum unit_type)i;
	c->u->type_set = true;
}

static void set_restart(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	static const char *const names[] = {"no",       "on-success",  "on-failure", "on-abnormal",
					    "on-abort", "on-watchdog", "always",     NULL};
	int i = lookup_name(names, value);
	(void)k;
	if (i < 0)
		unit_line_error(c, "Restart=: unknown policy \"%.60s\"", value);
	else
		c->u->restart = (enum unit_restart)i;
}

static void set_kill_mode(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	static const char *const names[] = {"control-group", "mixed", "process", "none", NULL};
	int i = lookup_name(names, value);
	(void)k;
	if (i < 0)
		unit_line_error(c, "KillMode=: unknown mode \"%.60s\"", value);
	else
		c->u->kill_mode = (enum unit_kill_mode)i;
}

static void set_signal(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	if (unit_parse_signal(value, AT(c, k, int)) < 0)
		unit_line_error(c, "%s=: unknown signal \"%.60s\"", k->name, value);
}

static void set_rlimit(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	if (unit_parse_rlimit(value, k->arg, AT(c, k, struct unit_rlimit)) < 0)
		unit_line_error(c, "%s=: \"%.60s\" is not a limit (N, SOFT:HARD or infinity)", k->name, value);
}

static void set_status_set(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	struct unit_status_set *s = AT(c, k, struct unit_status_set);
	if (!value[0])
		memset(s, 0, sizeof *s);
	else if (unit_parse_status_set(value, s) < 0)
		unit_line_error(c, "%s=: \"%.100s\" is not a list of exit codes (0-255) and signal names", k->name, value);
}

static void set_tasks_max(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	struct unit *u = c->u;
	size_t n = strlen(value);
	uint64_t v;
	(void)k;
	if (!strcmp(value, "infinity")) {
		v = UNIT_INFINITY;
		u->tasks_max_percent = false;
	} else if (n > 1 && value[n - 1] == '%') {
		char num[16];
		if (n - 1 >= sizeof num || (snprintf(num, sizeof num, "%.*s", (int)(n - 1), value),
					    unit_parse_uint(num, 100, &v) < 0)) {
			unit_line_error(c, "TasksMax=: \"%.60s\" is not a percentage", value);
			return;
		}
		v *= 10;
		u->tasks_max_percent = true;
	} else if (unit_parse_uint(value, UINT64_MAX - 1, &v) < 0 || v == 0) {
		unit_line_error(c, "TasksMax=: \"%.60s\" is not a count, a percentage or infinity", value);
		return;
	} else {
		u->tasks_max_percent = false;
	}
	u->tasks_max = v;
	u->tasks_max_set = true;
}

static void set_oom(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	(void)k;
	if (unit_parse_int(value, -1000, 1000, &c->u->oom_score_adjust) < 0)
		unit_line_error(c, "OOMScoreAdjust=: \"%.60s\" is not a number from -1000 to 1000", value);
	else
		c->u->oom_score_adjust_set = true;
}

static void set_mode(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	if (unit_parse_mode(value, AT(c, k, mode_t)) < 0)
		unit_line_error(c, "%s=: \"%.60s\" is not an octal mode", k->name, value);
}

static void set_roles(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	const char *p = value;
	unsigned roles = 0;
	int r;
	(void)k;
	while ((r = unit_word(&p, c->word, NULL)) > 0) {
		if (!strcmp(c->word, "control"))
			roles |= UNIT_ROLE_CONTROL;
		else if (!strcmp(c->word, "worker"))
			roles |= UNIT_ROLE_WORKER;
		else {
			unit_line_error(c, "Roles=: unknown role \"%.60s\" (control, worker)", c->word);
			return;
		}
	}
	if (r < 0)
		unit_line_error(c, "Roles=: unbalanced quotes");
	else
		c->u->roles = roles; /* empty: every role */
}

static void set_probe(struct unit_parse_ctx *c, const struct key *k, const char *value)
{
	struct unit_probe p = {0};
	char err[256];
	(void)k;
	if (value[0] && unit_probe_parse(value, &c->spec, &p, c->file, c->line, err, sizeof err) < 0) {
		unit_line_error(c, "ReadyProbe=: %s", err);
		return;
	}
	free(c->u->ready_probe.host);
	free(c->u->ready_probe.path);
	unit_exec_free(&c->u->ready_probe.exec);
	c->u->ready_probe = p; /* an empty value resets to none */
}

static const struct key keys[] = {
	{SEC_UNIT, "Description", set_string, FIELD(description), 0},
	{SEC_UNIT, "Documentation", add_words, FIELD(documentation), W_ANY},
	{SEC_UNIT, "After", add_words, FIELD(after), W_UNIT_NAME},
	{SEC_UNIT, "Before", add_words, FIELD(before), W_UNIT_NAME},
	{SEC_UNIT, "Requires", add_words, FIELD(requires), W_UNIT_NAME},
	{SEC_UNIT, "Wants", add_words, FIELD(wants), W_UNIT_NAME},
	{SEC_UNIT, "BindsTo", add_words, FIELD(binds_to), W_UNIT_NAME},
	{SEC_UNIT, "ConditionPathExists", add_condition, 0, UNIT_COND_PATH_EXISTS},
	{SEC_UNIT, "ConditionPathExistsGlob", add_condition, 0, UNIT_COND_PATH_EXISTS_GLOB},
	{SEC_UNIT, "ConditionPathIsDirectory", add_condition, 0, UNIT_COND_PATH_IS_DIRECTORY},
	{SEC_UNIT, "ConditionPathIsSymbolicLink", add_condition, 0, UNIT_COND_PATH_IS_SYMBOLIC_LINK},
	{SEC_UNIT, "ConditionPathIsMountPoint", add_condition, 0, UNIT_COND_PATH_IS_MOUNT_POINT},
	{SEC_UNIT, "ConditionPathIsReadWrite", add_condition, 0, UNIT_COND_PATH_IS_READ_WRITE},
	{SEC_UNIT, "ConditionDirectoryNotEmpty", add_condition, 0, UNIT_COND_DIRECTORY_NOT_EMPTY},
	{SEC_UNIT, "ConditionFileNotEmpty", add_condition, 0, UNIT_COND_FILE_NOT_EMPTY},
	{SEC_UNIT, "ConditionFileIsExecutable", add_condition, 0, UNIT_COND_FILE_IS_EXECUTABLE},
	{SEC_UNIT, "AssertPathExists", add_condition, 0, UNIT_COND_PATH_EXISTS},
	{SEC_UNIT, "AssertPathIsDirectory", add_condition, 0, UNIT_COND_PATH_IS_DIRECTORY},
	{SEC_UNIT, "AssertFileNotEmpty", add_condition, 0, UNIT_COND_FILE_NOT_EMPTY},
	{SEC_UNIT, "AssertFileIsExecutable", add_condition, 0, UNIT_COND_FILE_IS_EXECUTABLE},
	{SEC_UNIT, "DefaultDependencies", set_bool, FIELD(default_dependencies), 0},
	{SEC_UNIT, "StartLimitBurst", set_uint, FIELD(start_limit_burst), 0},
	{SEC_UNIT, "StartLimitIntervalSec", set_time, FIELD(start_limit_interval), 0},
	{SEC_UNIT, "StartLimitInterval", set_time, FIELD(start_limit_interval), 0},

	{SEC_SERVICE, "Type", set_type, 0, 0},
	{SEC_SERVICE, "ExecStartPre", add_exec, 0, UNIT_EXEC_START_PRE},
	{SEC_SERVICE, "ExecStart", add_exec, 0, UNIT_EXEC_START},
	{SEC_SERVICE, "ExecStartPost", add_exec, 0, UNIT_EXEC_START_POST},
	{SEC_SERVICE, "ExecReload", add_exec, 0, UNIT_EXEC_RELOAD},
	{SEC_SERVICE, "ExecStop", add_exec, 0, UNIT_EXEC_STOP},
	{SEC_SERVICE, "ExecStopPost", add_exec, 0, UNIT_EXEC_STOP_POST},
	{SEC_SERVICE, "Environment", add_environment, 0, 0},
	{SEC_SERVICE, "EnvironmentFile", add_environment_file, 0, 0},
	{SEC_SERVICE, "WorkingDirectory", set_working_directory, 0, 0},
	{SEC_SERVICE, "User", set_string, FIELD(user), 0},
	{SEC_SERVICE, "Group", set_string, FIELD(group), 0},
	{SEC_SERVICE, "PIDFile", set_path, FIELD(pid_file), 1},
	{SEC_SERVICE, "RemainAfterExit", set_bool, FIELD(remain_after_exit), 0},
	{SEC_SERVICE, "Restart", set_restart, 0, 0},
	{SEC_SERVICE, "RestartSec", set_time, FIELD(restart_sec), 0},
	{SEC_SERVICE, "RestartPreventExitStatus", set_status_set, FIELD(restart_prevent), 0},
	{SEC_SERVICE, "SuccessExitStatus", set_status_set, FIELD(success_status), 0},
	{SEC_SERVICE, "StartLimitBurst", set_uint, FIELD(start_limit_burst), 0},
	{SEC_SERVICE, "StartLimitIntervalSec", set_time, FIELD(start_limit_interval), 0},
	{SEC_SERVICE, "StartLimitInterval", set_time, FIELD(start_limit_interval), 0},
	{SEC_SERVICE, "TimeoutStartSec", set_time, FIELD(timeout_start), 1},
	{SEC_SERVICE, "TimeoutStopSec", set_time, FIELD(timeout_stop), 1},
	{SEC_SERVICE, "TimeoutSec", set_time, 0, 2},
	{SEC_SERVICE, "KillMode", set_kill_mode, 0, 0},
	{SEC_SERVICE, "KillSignal", set_signal, FIELD(kill_signal), 0},
	{SEC_SERVICE, "LimitNOFILE", set_rlimit, FIELD(limit_nofile), 0},
	{SEC_SERVICE, "LimitNPROC", set_rlimit, FIELD(limit_nproc), 0},
	{SEC_SERVICE, "LimitCORE", set_rlimit, FIELD(limit_core), 1},
	{SEC_SERVICE, "TasksMax", set_tasks_max, 0, 0},
	{SEC_SERVICE, "Delegate", set_delegate, 0, 0},
	{SEC_SERVICE, "OOMScoreAdjust", set_oom, 0, 0},
	{SEC_SERVICE, "RuntimeDirectory", add_words, FIELD(runtime_directory), W_REL_DIR},
	{SEC_SERVICE, "StateDirectory", add_words, FIELD(state_directory), W_REL_DIR},
	{SEC_SERVICE, "RuntimeDirectoryMode", set_mode, FIELD(runtime_directory_mode), 0},
	{SEC_SERVICE, "RuntimeDirectoryPreserve", set_preserve, 0, 0},

	{SEC_INSTALL, "WantedBy", add_words, FIELD(wanted_by), W_UNIT_NAME},
	{SEC_INSTALL, "RequiredBy", add_words, FIELD(required_by), W_UNIT_NAME},
	{SEC_INSTALL, "Alias", add_words, FIELD(install_alias), W_UNIT_NAME},

	{SEC_EKINIT, "Roles", set_roles, 0, 0},
	{SEC_EKINIT, "ReadyProbe", set_probe, 0, 0},
	{SEC_EKINIT, "StartWhenExists", set_path, FIELD(start_when_exists), 0},
};

enum unit_section unit_section_of(const char *name)
{
	if (!strcmp(name, "Unit"))
		return SEC_UNIT;
	if (!strcmp(name, "Service"))
		return SEC_SERVICE;
	if (!strcmp(name, "Install"))
		return SEC_INSTALL;
	if (!strcmp(name, "X-Ekinit"))
		return SEC_EKINIT;
	if (!strncmp(name, "X-", 2))
		return SEC_IGNORED;
	return SEC_NONE;
}

void unit_key_apply(struct unit_parse_ctx *c, const char *key, const char *value)
{
	if (c->section == SEC_IGNORED)
		return;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (keys[i].section == c->section && !strcmp(keys[i].name, key)) {
			keys[i].fn(c, &keys[i], value);
			return;
		}
	}
	if (!strncmp(key, "X-", 2))
		return; /* extension keys: ignored by systemd too */
	char what[80];
	snprintf(what, sizeof what, "%.70s=", key);
	unit_line_unsupported(c, what);
}
