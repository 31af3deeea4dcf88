/* The in-memory model of one unit file (plus its drop-ins), as unit_load (unit_parse.h) fills it.
 *
 * Everything is allocated and owned by the struct; unit_free releases it and leaves a zeroed unit, so
 * it is always safe to call, also after a failed load. Sizes are bounded by the parser (UNIT_LIST_MAX
 * entries per list, UNIT_LINE_MAX bytes per logical line, UNIT_FILE_MAX bytes per file), so a hostile
 * file cannot make PID 1 allocate without limit.
 *
 * Times are microseconds; UNIT_INFINITY means "no limit" (for times and resource limits alike). */
#ifndef EK_UNIT_H
#define EK_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UNIT_NAME_MAX 255
#define UNIT_LIST_MAX 1024 /* entries per list (words, commands, environment assignments) */
#define UNIT_LINE_MAX 65536 /* bytes in one logical line, continuations included */
#define UNIT_FILE_MAX (1024 * 1024)
#define UNIT_INFINITY UINT64_MAX
/* timeout_start before unit_load has seen the Type=: resolved to systemd's default at the end. */
#define UNIT_TIMEOUT_DEFAULT (UINT64_MAX - 1)

/* A NULL-terminated list of allocated strings (v is NULL while empty). */
struct unit_strv {
	char **v;
	size_t n;
};

enum unit_type {
	UNIT_TYPE_SIMPLE,
	UNIT_TYPE_EXEC,
	UNIT_TYPE_FORKING,
	UNIT_TYPE_ONESHOT,
	UNIT_TYPE_NOTIFY,
};

enum unit_restart {
	UNIT_RESTART_NO,
	UNIT_RESTART_ON_SUCCESS,
	UNIT_RESTART_ON_FAILURE,
	UNIT_RESTART_ON_ABNORMAL,
	UNIT_RESTART_ON_ABORT,
	UNIT_RESTART_ON_WATCHDOG,
	UNIT_RESTART_ALWAYS,
};

enum unit_kill_mode {
	UNIT_KILL_CONTROL_GROUP,
	UNIT_KILL_MIXED,
	UNIT_KILL_PROCESS,
	UNIT_KILL_NONE,
};

/* Exec command prefixes (systemd.service "Command lines"). */
enum {
	UNIT_EXEC_IGNORE_FAILURE = 1 << 0, /* '-': a non-zero exit counts as success */
	UNIT_EXEC_ARGV0 = 1 << 1,          /* '@': argv[0] is the word after the path */
	UNIT_EXEC_FULL_PRIVILEGES = 1 << 2, /* '+': no User=, no sandboxing */
	UNIT_EXEC_NO_SETUID = 1 << 3,      /* '!': User= applied by the program itself (it starts as root) */
	UNIT_EXEC_AMBIENT = 1 << 4,        /* '!!': like '!' (ekinit has no ambient-capability emulation) */
	UNIT_EXEC_NO_ENV_EXPAND = 1 << 5,  /* ':': no $VAR expansion */
};

struct unit_exec {
	unsigned flags;        /* UNIT_EXEC_* */
	char *path;            /* absolute, or a bare name looked up in the default PATH when started */
	struct unit_strv argv; /* argv[0] first; specifiers expanded, $VAR not yet (unit_expand_exec) */
	char *file;            /* where it was defined, for messages */
	unsigned line;
};

struct unit_exec_list {
	struct unit_exec *v;
	size_t n;
};

enum unit_exec_kind {
	UNIT_EXEC_START_PRE,
	UNIT_EXEC_START,
	UNIT_EXEC_START_POST,
	UNIT_EXEC_RELOAD,
	UNIT_EXEC_STOP,
	UNIT_EXEC_STOP_POST,
	UNIT_EXEC_KINDS
};

enum unit_cond_kind {
	UNIT_COND_PATH_EXISTS,
	UNIT_COND_PATH_EXISTS_GLOB,
	UNIT_COND_PATH_IS_DIRECTORY,
	UNIT_COND_PATH_IS_SYMBOLIC_LINK,
	UNIT_COND_PATH_IS_MOUNT_POINT,
	UNIT_COND_PATH_IS_READ_WRITE,
	UNIT_COND_DIRECTORY_NOT_EMPTY,
	UNIT_COND_FILE_NOT_EMPTY,
	UNIT_COND_FILE_IS_EXECUTABLE,
};

struct unit_cond {
	enum unit_cond_kind kind;
	bool assert;  /* Assert*= (failure fails the start) rather than Condition*= (skips it) */
	bool trigger; /* '|': the unit runs if any triggering condition holds */
	bool negate;  /* '!' */
	char *path;
};

struct unit_cond_list {
	struct unit_cond *v;
	size_t n;
};

struct unit_envfile {
	char *path;
	bool optional; /* '-': a missing file is not an error */
};

struct unit_envfile_list {
	struct unit_envfile *v;
	size_t n;
};

/* RestartPreventExitStatus=, SuccessExitStatus=: exit codes 0..255 and signals 1..64. */
struct unit_status_set {
	uint8_t code[32];
	uint64_t sig;
};

static inline bool unit_status_has_code(const struct unit_status_set *s, int code)
{
	return code >= 0 && code < 256 && (s->code[code / 8] >> (code % 8)) & 1;
}

static inline bool unit_status_has_signal(const struct unit_status_set *s, int sig)
{
	return sig >= 1 && sig <= 64 && (s->sig >> (sig - 1)) & 1;
}

struct unit_rlimit {
	bool set;
	uint64_t soft, hard; /* UNIT_INFINITY for unlimited */
};

enum unit_probe_kind {
	UNIT_PROBE_NONE,
	UNIT_PROBE_TCP,  /* tcp:HOST:PORT, HOST may be [v6] */
	UNIT_PROBE_HTTP, /* http://HOST[:PORT]/PATH expecting 2xx */
	UNIT_PROBE_UNIX, /* unix:/path, connectable stream socket */
	UNIT_PROBE_FILE, /* file:/path exists */
	UNIT_PROBE_EXEC, /* exec:CMD exits 0 */
};

struct unit_probe {
	enum unit_probe_kind kind;
	char *host;           /* tcp, http (without brackets) */
	unsigned port;        /* tcp, http (default 80) */
	char *path;           /* http request path ("/..."), unix or file path */
	struct unit_exec exec; /* exec */
};

enum {
	UNIT_ROLE_CONTROL = 1 << 0,
	UNIT_ROLE_WORKER = 1 << 1,
};

enum { UNIT_PRESERVE_NO, UNIT_PRESERVE_YES, UNIT_PRESERVE_RESTART };

struct unit {
	char *name;               /* the unit's real name (an alias symlink's target name) */
	struct unit_strv aliases; /* other names it was found by */
	char *path;               /* the main file */
	struct unit_strv dropins; /* applied drop-ins, in order */
	char *instance;           /* foo@bar.service: "bar" (escaped); NULL unless an instance */

	/* [Unit] */
	char *description;
	struct unit_strv documentation;
	struct unit_strv after, before, requires, wants, binds_to;
	struct unit_cond_list conds;
	unsigned start_limit_burst;      /* default 5 */
	uint64_t start_limit_interval;   /* default 10 s; 0 disables rate limiting */

	/* [Service] */
	enum unit_type type;
	bool type_set;
	struct unit_exec_list exec[UNIT_EXEC_KINDS];
	struct unit_strv environment;    /* "NAME=value", one per name, in assignment order */
	struct unit_envfile_list environment_files;
	char *working_directory;         /* absolute or "~"; NULL: "/" */
	bool working_directory_optional; /* '-' prefix */
	char *user, *group;              /* User=, Group= (NULL: root) */
	char *pid_file;
	bool remain_after_exit;
	/* DefaultDependencies=: read so that it is no warning, and changes nothing: ekinit adds no
	 * implicit dependencies, so every unit behaves as with DefaultDependencies=no. */
	bool default_dependencies;
	enum unit_restart restart;
	uint64_t restart_sec;            /* default 100 ms */
	struct unit_status_set restart_prevent, success_status;
	uint64_t timeout_start, timeout_stop; /* default 90 s (start: none for a oneshot); UNIT_INFINITY: none */
	enum unit_kill_mode kill_mode;
	int kill_signal;                 /* default SIGTERM */
	struct unit_rlimit limit_nofile, limit_nproc, limit_core;
	bool tasks_max_set;
	uint64_t tasks_max;              /* UNIT_INFINITY, a count, or a per-mille share if percent */
	bool tasks_max_percent;          /* tasks_max is in 1/1000 of the kernel's pid limit */
	bool delegate;
	bool oom_score_adjust_set;
	int oom_score_adjust;
	struct unit_strv runtime_directory, state_directory; /* relative to /run and /var/lib */
	mode_t runtime_directory_mode;   /* default 0755 */
	/* RuntimeDirectoryPreserve=: UNIT_PRESERVE_NO (default: removed when the service stops),
	 * _YES (kept), _RESTART (kept across a restart, removed at a stop). */
	unsigned char runtime_directory_preserve;

	/* [Install] */
	struct unit_strv wanted_by, required_by, install_alias;

	/* [X-Ekinit] */
	unsigned roles; /* UNIT_ROLE_* mask; 0: every role */
	struct unit_probe ready_probe;
	char *start_when_exists;
};

/* Resets u to the defaults above (without freeing anything: use on a zeroed or freed unit). */
void unit_init(struct unit *u);
/* Frees everything u owns and zeroes it. */
void unit_free(struct unit *u);
void unit_exec_free(struct unit_exec *e);

/* List helpers: 0, -ENOMEM, or -E2BIG past UNIT_LIST_MAX. strv_add copies s. */
int unit_strv_add(struct unit_strv *l, const char *s);
void unit_strv_free(struct unit_strv *l);

const char *unit_type_name(enum unit_type t);
const char *unit_restart_name(enum unit_restart r);

#endif
