/* The systemctl personality's argument and exit-code mapping (systemctl_args.h). */
#include "systemctl_args.h"

#include <stdio.h>
#include <string.h>

const char sc_supported[] = "is-active is-enabled is-failed start stop restart try-restart reload "
			    "daemon-reload status enable disable list-units";

struct verb_info {
	const char *name;
	enum sc_verb verb;
	int min_units; /* systemctl's "Too few arguments" */
	bool units_ok;
};

static const struct verb_info verbs[] = {
	{"list-units", SC_LIST_UNITS, 0, false},   {"is-active", SC_IS_ACTIVE, 1, true},
	{"is-enabled", SC_IS_ENABLED, 1, true},    {"is-failed", SC_IS_FAILED, 1, true},
	{"start", SC_START, 1, true},              {"stop", SC_STOP, 1, true},
	{"restart", SC_RESTART, 1, true},          {"try-restart", SC_TRY_RESTART, 1, true},
	{"reload", SC_RELOAD, 1, true},            {"daemon-reload", SC_DAEMON_RELOAD, 0, false},
	{"status", SC_STATUS, 0, true},            {"enable", SC_ENABLE, 1, true},
	{"disable", SC_DISABLE, 1, true},
};

/* Options that change nothing here: there is one system manager and no pager; --type and --state
 * filters would only matter with more unit types than services. */
static const char *const ignored[] = {"--no-pager", "--system", "--no-legend", "--no-ask-password", "--plain",
				      "--full", "-l", "--all", "-a", "--type=service", "--type=service,target",
				      NULL};

static bool in(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* One option; returns 0, or 1 with err set. *skip is set when it consumed the next argument. */
static int option(struct sc_cmd *c, const char *a, const char *next, int *skip, char *err, size_t cap)
{
	if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
		c->quiet = true;
	else if (!strcmp(a, "--no-block"))
		c->no_block = true;
	else if (!strcmp(a, "--now"))
		c->now = true;
	else if (in(ignored, a))
		;
	else if (!strcmp(a, "-t") || !strcmp(a, "--type")) {
		if (!next || strcmp(next, "service")) {
			snprintf(err, cap, "systemctl (ekinit): %s: only 'service' units exist here", a);
			return 1;
		}
		*skip = 1;
	} else {
		snprintf(err, cap, "systemctl (ekinit): unknown option '%s'", a);
		return 1;
	}
	return 0;
}

int sc_parse(int argc, char *const argv[], struct sc_cmd *c, char *err, size_t cap)
{
	const char *verb = NULL;
	bool opts_done = false;

	memset(c, 0, sizeof *c);
	err[0] = '\0';
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!opts_done && !strcmp(a, "--")) {
			opts_done = true;
		} else if (!opts_done && a[0] == '-' && a[1]) {
			int skip = 0;
			if (option(c, a, i + 1 < argc ? argv[i + 1] : NULL, &skip, err, cap))
				return 1;
			i += skip;
		} else if (!verb) {
			verb = a;
		} else if (c->nunits == SC_UNITS_MAX) {
			snprintf(err, cap, "systemctl (ekinit): more than %d units", SC_UNITS_MAX);
			return 1;
		} else {
			c->units[c->nunits++] = a;
		}
	}
	if (!verb) { /* plain `systemctl` lists the units */
		c->verb = SC_LIST_UNITS;
		return 0;
	}
	for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++) {
		if (strcmp(verbs[v].name, verb))
			continue;
		c->verb = verbs[v].verb;
		if (c->nunits < verbs[v].min_units) {
			snprintf(err, cap, "systemctl (ekinit): %s: too few arguments (a unit name is needed)", verb);
			return 1;
		}
		if (c->nunits && !verbs[v].units_ok) {
			snprintf(err, cap, "systemctl (ekinit): %s takes no unit names", verb);
			return 1;
		}
		return 0;
	}
	snprintf(err, cap, "systemctl (ekinit): '%s' is not supported; supported: %s", verb, sc_supported);
	return 1;
}

bool sc_check_good(enum sc_verb v, const char *active, bool enabled)
{
	switch (v) {
	case SC_IS_ACTIVE:
		return active && !strcmp(active, "active");
	case SC_IS_FAILED:
		return active && !strcmp(active, "failed");
	case SC_IS_ENABLED:
		return active && enabled;
	default:
		return false;
	}
}

int sc_check_exit(enum sc_verb v, int good)
{
	if (good > 0)
		return 0;
	return v == SC_IS_ACTIVE ? 3 : 1;
}

int sc_not_found_exit(enum sc_verb v)
{
	switch (v) {
	case SC_STATUS:
		return 4; /* LSB: program or service status is unknown */
	case SC_START:
	case SC_STOP:
	case SC_RESTART:
	case SC_TRY_RESTART:
	case SC_RELOAD:
		return 5; /* LSB: program is not installed */
	case SC_IS_ACTIVE:
		return 3;
	default:
		return 1;
	}
}

int sc_status_exit(const char *active)
{
	return active && !strcmp(active, "active") ? 0 : 3;
}
