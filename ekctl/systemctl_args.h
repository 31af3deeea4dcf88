/* The systemctl personality's command line and exit codes (pure: no socket, no output), so that
 * tests/unit/test_systemctl.c can check the mapping that kubeadm and operators rely on. */
#ifndef EK_EKCTL_SYSTEMCTL_ARGS_H
#define EK_EKCTL_SYSTEMCTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define SC_UNITS_MAX 32

enum sc_verb {
	SC_LIST_UNITS, SC_IS_ACTIVE, SC_IS_ENABLED, SC_IS_FAILED, SC_START, SC_STOP, SC_RESTART,
	SC_TRY_RESTART, SC_RELOAD, SC_DAEMON_RELOAD, SC_STATUS, SC_ENABLE, SC_DISABLE,
};

struct sc_cmd {
	enum sc_verb verb;
	bool quiet, no_block, now;
	int nunits;
	const char *units[SC_UNITS_MAX]; /* as typed: normalise with ekc_unit_name */
};

/* The verbs, space-separated, for messages. */
extern const char sc_supported[];

/* Parses argv (argv[0] is the program name). Options may come before or after the verb, as with
 * systemctl. Returns 0, or the exit status to end with (1, as systemctl for bad usage) with a
 * message for stderr in err. */
int sc_parse(int argc, char *const argv[], struct sc_cmd *c, char *err, size_t cap);

/* Whether one unit's state counts as yes for is-active, is-enabled and is-failed. */
bool sc_check_good(enum sc_verb v, const char *active, bool enabled);
/* The exit status of is-active/is-enabled/is-failed when `good` of the units answered yes: as
 * systemctl, 0 when at least one did, else 3 for is-active and 1 for the others. */
int sc_check_exit(enum sc_verb v, int good);
/* The word is-active/is-failed print for a unit PID 1 does not know ("inactive", like systemctl),
 * and the exit status a not-found unit gives each verb (4 for status, 5 for jobs, else 1 or 3). */
int sc_not_found_exit(enum sc_verb v);
/* `status NAME`: 0 when active, 3 when not running (LSB's "program is not running"). */
int sc_status_exit(const char *active);

#endif
