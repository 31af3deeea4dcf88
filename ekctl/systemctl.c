/* The systemctl personality (systemctl.h): systemctl_args.c decides what was asked and which exit
 * status each answer means; this file asks PID 1 and prints what systemctl would. */
#include "systemctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "jobs.h"
#include "mapping.h"
#include "output.h"
#include "systemctl_args.h"

#define PROG "systemctl"

static char names[SC_UNITS_MAX][EK_ARG_MAX];

/* Normalises every unit name into names[]; returns 0 or 1 (message printed). */
static int normalise(struct sc_cmd *c)
{
	for (int i = 0; i < c->nunits; i++) {
		if (ekc_unit_name(c->units[i], names[i], sizeof names[i]) < 0) {
			fprintf(stderr, PROG " (ekinit): '%s' is not a valid unit name\n", c->units[i]);
			return 1;
		}
		c->units[i] = names[i];
	}
	return 0;
}

/* is-active, is-enabled, is-failed. */
static int check(const struct sc_cmd *c)
{
	int good = 0;
	for (int i = 0; i < c->nunits; i++) {
		char active[32], err[256];
		bool enabled = false;
		int r = ekc_state(c->units[i], active, sizeof active, &enabled, err, sizeof err);
		if (r == EKC_NO_UNIT) {
			if (c->verb == SC_IS_ENABLED)
				fprintf(stderr, "Failed to get unit file state for %s: No such file or directory\n", c->units[i]);
			else if (!c->quiet)
				puts("inactive"); /* what systemctl says of a unit it does not know */
			continue;
		}
		if (r < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			return 1;
		}
		if (!c->quiet)
			puts(c->verb == SC_IS_ENABLED ? (enabled ? "enabled" : "disabled") : active);
		good += sc_check_good(c->verb, active, enabled);
	}
	return sc_check_exit(c->verb, good);
}

static int status(const struct sc_cmd *c)
{
	int rc = 0;
	if (c->nunits == 0)
		return ekc_pass(PROG, "status", NULL, NULL) == EKC_OK ? 0 : 1;
	for (int i = 0; i < c->nunits; i++) {
		char active[32], err[256];
		bool enabled;
		int r = ekc_state(c->units[i], active, sizeof active, &enabled, err, sizeof err);
		if (r == EKC_NO_UNIT) {
			fprintf(stderr, "Unit %s could not be found.\n", c->units[i]);
			rc = rc > sc_not_found_exit(c->verb) ? rc : sc_not_found_exit(c->verb);
			continue;
		}
		if (r < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			return 1;
		}
		if (i)
			putchar('\n');
		if (ekc_pass(PROG, "status", c->units[i], NULL) < 0)
			return 1;
		int e = sc_status_exit(active);
		rc = rc > e ? rc : e;
	}
	return rc;
}

static int try_restart(const struct sc_cmd *c)
{
	const char *act[SC_UNITS_MAX];
	int n = 0, rc = 0;
	for (int i = 0; i < c->nunits; i++) {
		char active[32], err[256];
		bool enabled;
		int r = ekc_state(c->units[i], active, sizeof active, &enabled, err, sizeof err);
		if (r != 0) {
			fprintf(stderr, PROG ": %s\n", err);
			rc = r == EKC_NO_UNIT ? sc_not_found_exit(c->verb) : 1;
			continue;
		}
		/* Only what runs (or is on its way) is restarted; the rest is left alone. */
		if (!strcmp(active, "active") || !strcmp(active, "activating") || !strcmp(active, "reloading"))
			act[n++] = c->units[i];
	}
	int r = ekc_jobs(EKC_JOB_RESTART, n, act, c->no_block, EKC_JOB_TIMEOUT_S);
	return rc > r ? rc : r;
}

static int enable(const struct sc_cmd *c)
{
	const char *verb = c->verb == SC_ENABLE ? "enable" : "disable";
	const char *ok[SC_UNITS_MAX];
	int n = 0, rc = 0;
	for (int i = 0; i < c->nunits; i++) {
		int k = ekc_pass(PROG, verb, c->units[i], NULL);
		if (k == EKC_OK)
			ok[n++] = c->units[i];
		else
			rc = 1;
	}
	if (c->now && n) {
		int r = ekc_jobs(c->verb == SC_ENABLE ? EKC_JOB_START : EKC_JOB_STOP, n, ok, c->no_block,
				 EKC_JOB_TIMEOUT_S);
		rc = rc > r ? rc : r;
	}
	return rc;
}

int systemctl_main(int argc, char *argv[])
{
	struct sc_cmd c;
	char err[300];
	int r = sc_parse(argc, argv, &c, err, sizeof err);
	if (r) {
		fprintf(stderr, "%s\n", err);
		return r;
	}
	if (normalise(&c))
		return 1;
	switch (c.verb) {
	case SC_LIST_UNITS:
		return ekc_pass(PROG, "list", NULL, NULL) == EKC_OK ? 0 : 1;
	case SC_DAEMON_RELOAD:
		return ekc_pass(PROG, "daemon-reload", NULL, NULL) == EKC_OK ? 0 : 1;
	case SC_IS_ACTIVE:
	case SC_IS_ENABLED:
	case SC_IS_FAILED:
		return check(&c);
	case SC_STATUS:
		return status(&c);
	case SC_START:
		return ekc_jobs(EKC_JOB_START, c.nunits, c.units, c.no_block, EKC_JOB_TIMEOUT_S);
	case SC_STOP:
		return ekc_jobs(EKC_JOB_STOP, c.nunits, c.units, c.no_block, EKC_JOB_TIMEOUT_S);
	case SC_RESTART:
		return ekc_jobs(EKC_JOB_RESTART, c.nunits, c.units, c.no_block, EKC_JOB_TIMEOUT_S);
	case SC_RELOAD:
		return ekc_jobs(EKC_JOB_RELOAD, c.nunits, c.units, c.no_block, EKC_JOB_TIMEOUT_S);
	case SC_TRY_RESTART:
		return try_restart(&c);
	case SC_ENABLE:
	case SC_DISABLE:
		return enable(&c);
	}
	return 1;
}
