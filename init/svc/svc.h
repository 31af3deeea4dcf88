/* The service manager: the units to run, their dependency graph, and the state machine that starts,
 * watches, restarts and stops them. PID 1's loop feeds it events (child exits, notify messages,
 * log output, time passing); it never blocks.
 *
 * A service's life: WAITING (dependencies not ready, or its conditions and StartWhenExists= being
 * looked at in a check child) -> STARTING (its directories made in a check child, ExecStartPre,
 * ExecStart, waiting for readiness, ExecStartPost) -> RUNNING (or EXITED for a finished oneshot) -> STOPPING -> INACTIVE,
 * or FAILED, or RESTARTING (backoff before the next start). Targets are pseudo-units. The ones a
 * boot step reaches (init/main.c's step table: network-online.target after the network) are awaited
 * until PID 1 says the step ended, and reached at once when loaded after that; every other target
 * is reached as soon as it is loaded. */
#ifndef EK_SVC_H
#define EK_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"
#include "start_limit.h"
#include "unit.h"
#include "unit_parse.h"

enum svc_state {
	SVC_INACTIVE,  /* not wanted, or stopped */
	SVC_WAITING,   /* wanted; dependencies, conditions or StartWhenExists not met yet */
	SVC_STARTING,
	SVC_RUNNING,   /* ready */
	SVC_EXITED,    /* a oneshot that finished successfully */
	SVC_STOPPING,
	SVC_RESTARTING, /* waiting RestartSec before the next start */
	SVC_FAILED,
	SVC_SKIPPED,   /* a condition was false, or not for this node's role */
};

/* A file-system check of a unit's paths, run in a child under a deadline (svc_check.c): PID 1
 * never stats, globs, watches or makes a path named by a unit itself, because a path on a hung
 * mount (a dead NFS server) would hang it. */
enum svc_check_kind {
	SVC_CHECK_NONE,
	SVC_CHECK_COND, /* Condition*=, Assert*=, then StartWhenExists= (svc_conditions.c); state WAITING */
	SVC_CHECK_DIRS, /* RuntimeDirectory=, StateDirectory= (svc_dirs.c); STARTING, phase PH_DIRS */
};

/* How the last run ended, for the restart decision and the final state. */
enum svc_result { SVC_R_OK, SVC_R_FAILED, SVC_R_TIMEOUT };

enum svc_phase { PH_NONE, PH_DIRS, PH_PRE, PH_START, PH_READY_WAIT, PH_POST, PH_STOP, PH_SIGTERM, PH_SIGKILL, PH_STOP_POST };

struct svc {
	char name[UNIT_NAME_MAX + 1];
	bool is_target;
	bool loaded;          /* u holds a parsed unit */
	struct unit u;
	struct unit_diag diag;
	char load_error[200]; /* why it could not be loaded */

	bool wanted;          /* part of what should run (enabled, pulled in, or started by hand) */
	bool enabled;         /* enabled at boot or by `ekctl enable` */
	enum svc_state state;
	enum svc_phase phase;
	char why[200];        /* what it waits for, why it failed or was skipped */
	size_t exec_idx;      /* which command of the phase runs */

	pid_t main_pid, ctl_pid, probe_pid;
	/* A pidfd for a main process PID 1 did not fork (MAINPID=, PIDFile=): its exit is noticed
	 * through epoll (no SIGCHLD comes for it) and signals go to that process even after its PID
	 * is reused. -1 when none. */
	int main_pidfd;
	/* The check child running for it (SVC_CHECK_*), its deadline, and the read end of the pipe
	 * it names the path it is looking at on (progress, for the timeout message). */
	enum svc_check_kind check;
	pid_t check_pid;
	int check_fd;
	double check_deadline_ms;
	/* A check child killed at its deadline that has not been reaped yet: in a hung file system
	 * it may never die. While it lives no other check is forked for the unit, so a unit that
	 * keeps restarting holds at most one such process, not one per attempt. */
	pid_t check_stuck_pid;
	double check_at_ms;   /* StartWhenExists= not there yet: when to look again (0 = now) */
	bool check_passed;    /* the conditions hold: start when the dependencies still allow */
	bool ready;           /* readiness reported (notify, pidfile) but maybe the probe still pending */
	bool stop_requested, restart_requested, reload_pending;
	int last_status;      /* wait status of the main process's last exit */
	enum svc_result result;
	double since_ms;      /* entered the current state */
	double deadline_ms;   /* start/stop timeout, restart time, next probe: 0 = none */
	double probe_at_ms;
	double start_ms, ready_ms; /* last start and when it became ready (analyze) */
	unsigned restarts;    /* automatic restarts since boot */
	unsigned backoff;     /* consecutive restarts without a stable run */
	struct start_limit start_limit; /* StartLimitBurst= within StartLimitIntervalSec= */

	/* Resolved dependencies: indexes into the manager's array. */
	size_t *after, *requires, *binds;
	size_t nafter, nrequires, nbinds;

	int log_rd, log_wr;   /* the pipe the service's stdout and stderr go to */
	int log_fd;           /* the current ring file */
	size_t log_size;
	char partial[256];    /* an unfinished line, for the console echo */
	size_t partial_len;
	char status_text[128]; /* STATUS= from sd_notify */
	unsigned echoed;       /* lines echoed to the console during this start */
	char stop_reason[120]; /* why a stop that nobody typed happened (BindsTo=); kept as why */
	/* A daemon-reload's new definition of a unit that was busy (starting, running, stopping):
	 * the state machine keeps indexing the definition it started with until the unit is idle. */
	struct svc_next_def *next_def;
};

#define SVC_AWAITED_MAX 16

struct svcmgr {
	struct svc *v;
	size_t n, cap;
	const char *const *dirs; /* unit search path */
	const char *cgroup_root; /* /sys/fs/cgroup */
	const char *log_dir;     /* /run/log/ekinit */
	const char *enabled_file; /* /etc/ekinit/enabled */
	unsigned role;           /* UNIT_ROLE_* of this node, 0 = unknown (everything runs) */
	size_t log_cap;          /* bytes per service log (two halves) */
	int epfd;                /* PID 1's epoll: log pipes are registered here with data.u64 tagged */
	int notify_fd;
	char notify_path[108];
	bool shutting_down;
	bool console_echo;       /* echo every service line to the console (ekinit.debug) */
	/* Targets something else reaches (a boot step, or the manager itself for multi-user.target):
	 * kept whether or not a unit has loaded them yet (svc_targets.c). */
	struct svc_awaited { char name[64]; bool reached; } awaited[SVC_AWAITED_MAX];
	size_t nawaited;
	/* What svcmgr_get loaded for a read-only lookup of a unit nobody wants: valid until the next
	 * lookup, never part of v, so status and is-active leave nothing behind. */
	struct svc *scratch;
	/* The last lines of a log are read here (svcmgr_log_tail): PID 1 allocates nothing for it. */
	char tail_buf[64 * 1024];
};

#define SVC_EPOLL_TAG_LOG (1ull << 40)
#define SVC_EPOLL_TAG_NOTIFY (1ull << 41)
#define SVC_EPOLL_TAG_PIDFD (1ull << 43)

/* Sets up the manager (no units yet). */
int svcmgr_init(struct svcmgr *m, int epfd);
/* Releases everything the manager holds (units, graph, log pipes and files, pidfds, the notify
 * socket); the epoll descriptor is the caller's. Processes are left alone. */
void svcmgr_free(struct svcmgr *m);
/* Loads the enabled units and everything they pull in; reports load problems. Returns how many
 * units were loaded. */
int svcmgr_load(struct svcmgr *m);
/* A target that is not reached until svcmgr_target_reached says so (a boot step will reach it);
 * call before the step ends. -ENOSPC when SVC_AWAITED_MAX targets are awaited already. */
int svcmgr_target_await(struct svcmgr *m, const char *target);
/* Marks a target reached (a boot step finished) so units ordered after it can start, now or
 * whenever one is loaded later. */
void svcmgr_target_reached(struct svcmgr *m, const char *target);
/* Starts whatever can start, checks deadlines. Returns ms until the next deadline, -1 for none. */
int svcmgr_dispatch(struct svcmgr *m);
/* A child was reaped: returns true if it belonged to a service. */
bool svcmgr_child_exited(struct svcmgr *m, pid_t pid, int status);
/* An epoll event tagged by the manager (log pipe or notify socket). */
void svcmgr_epoll_event(struct svcmgr *m, unsigned long long tag);
/* Begins stopping everything in reverse dependency order; svcmgr_all_stopped says when done. */
void svcmgr_shutdown(struct svcmgr *m);
bool svcmgr_all_stopped(const struct svcmgr *m);

struct svc *svcmgr_find(struct svcmgr *m, const char *name);
/* Like svcmgr_find, but a unit that was not loaded yet is loaded for this lookup only (into
 * m->scratch, valid until the next lookup; svcmgr_add makes it permanent). NULL with
 * "not-found: ..." in err when there is no such unit. */
struct svc *svcmgr_get(struct svcmgr *m, const char *name, char *err, size_t cap);
/* Loads a unit that was not part of the boot (for `ekctl start`), with what it pulls in when
 * wanted; its index or -1. */
long svcmgr_add(struct svcmgr *m, const char *name, bool wanted);
/* Operator requests; return 0 or -errno with a message in err. */
int svcmgr_start(struct svcmgr *m, const char *name, char *err, size_t cap);
int svcmgr_stop(struct svcmgr *m, const char *name, char *err, size_t cap);
int svcmgr_restart(struct svcmgr *m, const char *name, char *err, size_t cap);
int svcmgr_reload(struct svcmgr *m, const char *name, char *err, size_t cap);
int svcmgr_enable(struct svcmgr *m, const char *name, bool enable, char *err, size_t cap);
int svcmgr_reload_units(struct svcmgr *m, char *err, size_t cap);

const char *svc_state_name(enum svc_state s);
/* systemd's ActiveState word for is-active: active, activating, deactivating, inactive, failed. */
const char *svc_active_word(const struct svc *s);

/* Status output for ekctl. */
void svcmgr_render_list(struct svcmgr *m, struct strbuf *sb, bool json);
void svcmgr_render_one(struct svcmgr *m, struct svc *s, struct strbuf *sb, bool json);
void svcmgr_render_analyze(struct svcmgr *m, struct strbuf *sb, bool json);
/* Last n lines of a service's log. */
int svcmgr_log_tail(struct svcmgr *m, const char *name, unsigned n, struct strbuf *sb);

#endif
