/* The unit file parser: every supported key, the Exec prefixes and quoting, continuation lines,
 * drop-in precedence, aliases, templates and specifiers, $VAR expansion, unsupported keys warned
 * once, and bad input of every kind reported as file:line without crashing (plus a fuzz loop). */
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>

#include "t.h"
#include "unit.h"
#include "unit_exec.h"
#include "unit_parse.h"
#include "unit_values.h"

static char root[64], hi[128], lo[128];
static const char *dirs[3];
static struct unit_diag diag;
static char diagtext[UNIT_DIAG_MAX * UNIT_DIAG_LEN];

static void put(const char *dir, const char *rel, const char *text)
{
	char p[512], cmd[700];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", p);
	if (system(cmd) != 0)
		printf("  could not create the directory of %s\n", p);
	t_write(p, text);
}

static void link_unit(const char *dir, const char *rel, const char *target)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	unlink(p);
	if (symlink(target, p) < 0)
		printf("  symlink %s: %s\n", p, strerror(errno));
}

/* Loads name from the two test directories; the messages are joined into diagtext. */
static int load(const char *name, struct unit *u)
{
	unit_diag_init(&diag);
	int r = unit_load(name, dirs, u, &diag);
	diagtext[0] = '\0';
	for (size_t i = 0; i < diag.n; i++) {
		strcat(diagtext, diag.msg[i].text);
		strcat(diagtext, "\n");
	}
	return r;
}

/* Writes text as NAME in the high-priority directory and loads it. */
static int load_text(const char *name, const char *text, struct unit *u)
{
	put(hi, name, text);
	return load(name, u);
}

static void reset_dirs(void)
{
	t_rmtree(hi);
	t_rmtree(lo);
	mkdir(hi, 0755);
	mkdir(lo, 0755);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

TEST(test_simple_service_every_key)
{
	struct unit u;
	T_EQ_INT(load_text("full.service",
			   "# a comment\n; another\n"
			   "[Unit]\n"
			   "Description=Full example\n"
			   "Documentation=man:x(8) https://example.org\n"
			   "After=network.target local-fs.target\nAfter=x.service\n"
			   "Before=multi-user.target\nRequires=a.service\nWants=b.service c.service\n"
			   "BindsTo=d.service\n"
			   "ConditionPathExists=!/etc/nope\nConditionPathIsDirectory=/etc\n"
			   "ConditionFileIsExecutable=|/bin/sh\n"
			   "StartLimitBurst=3\nStartLimitIntervalSec=1min 30s\n"
			   "[Service]\n"
			   "Type=notify\n"
			   "ExecStartPre=/bin/true\nExecStart=/usr/bin/daemon --flag\nExecStartPost=/bin/echo up\n"
			   "ExecReload=/bin/kill -HUP $MAINPID\nExecStop=/bin/stop\nExecStopPost=/bin/cleanup\n"
			   "Environment=A=1 \"B=two words\"\nEnvironmentFile=-/etc/default/full\n"
			   "EnvironmentFile=/etc/full.env\n"
			   "WorkingDirectory=-/var/lib/full\nUser=daemon\nGroup=daemon\nPIDFile=full.pid\n"
			   "RemainAfterExit=yes\nRestart=on-abnormal\nRestartSec=250ms\n"
			   "RestartPreventExitStatus=255 SIGABRT\nSuccessExitStatus=143 SIGTERM\n"
			   "TimeoutStartSec=2min\nTimeoutStopSec=infinity\n"
			   "KillMode=mixed\nKillSignal=SIGINT\n"
			   "LimitNOFILE=1024:65536\nLimitNPROC=infinity\nLimitCORE=2M\n"
			   "TasksMax=50%\nDelegate=true\nOOMScoreAdjust=-999\n"
			   "RuntimeDirectory=full full/sub\nStateDirectory=full\nRuntimeDirectoryMode=0700\n"
			   "[Install]\nWantedBy=multi-user.target\nRequiredBy=x.target\nAlias=fully.service\n"
			   "[X-Ekinit]\nRoles=control worker\nReadyProbe=tcp:127.0.0.1:6443\n"
			   "StartWhenExists=/etc/kubernetes/kubelet.conf\n",
			   &u),
		 0);
	T_EQ_STR(diagtext, "");
	T_EQ_STR(u.name, "full.service");
	T_EQ_STR(u.description, "Full example");
	T_EQ_INT(u.documentation.n, 2);
	T_EQ_INT(u.after.n, 3);
	T_EQ_STR(u.after.v[2], "x.service");
	T_EQ_STR(u.before.v[0], "multi-user.target");
	T_EQ_STR(u.requires.v[0], "a.service");
	T_EQ_INT(u.wants.n, 2);
	T_EQ_STR(u.binds_to.v[0], "d.service");
	T_EQ_INT(u.conds.n, 3);
	T_ASSERT(u.conds.v[0].negate && u.conds.v[0].kind == UNIT_COND_PATH_EXISTS);
	T_EQ_STR(u.conds.v[0].path, "/etc/nope");
	T_ASSERT(!u.conds.v[1].negate && u.conds.v[1].kind == UNIT_COND_PATH_IS_DIRECTORY);
	T_ASSERT(u.conds.v[2].trigger && u.conds.v[2].kind == UNIT_COND_FILE_IS_EXECUTABLE);
	T_EQ_INT(u.start_limit_burst, 3);
	T_EQ_INT(u.start_limit_interval, 90000000);
	T_EQ_INT(u.type, UNIT_TYPE_NOTIFY);
	for (int k = 0; k < UNIT_EXEC_KINDS; k++)
		T_EQ_INT(u.exec[k].n, 1);
	T_EQ_STR(u.exec[UNIT_EXEC_START].v[0].path, "/usr/bin/daemon");
	T_EQ_STR(u.exec[UNIT_EXEC_START].v[0].argv.v[1], "--flag");
	T_EQ_INT(u.exec[UNIT_EXEC_START].v[0].line, 20);
	T_EQ_INT(u.environment.n, 2);
	T_EQ_STR(u.environment.v[1], "B=two words");
	T_EQ_INT(u.environment_files.n, 2);
	T_ASSERT(u.environment_files.v[0].optional && !u.environment_files.v[1].optional);
	T_EQ_STR(u.environment_files.v[0].path, "/etc/default/full");
	T_EQ_STR(u.working_directory, "/var/lib/full");
	T_ASSERT(u.working_directory_optional);
	T_EQ_STR(u.user, "daemon");
	T_EQ_STR(u.pid_file, "/run/full.pid");
	T_ASSERT(u.remain_after_exit);
	T_EQ_INT(u.restart, UNIT_RESTART_ON_ABNORMAL);
	T_EQ_INT(u.restart_sec, 250000);
	T_ASSERT(unit_status_has_code(&u.restart_prevent, 255) && unit_status_has_signal(&u.restart_prevent, SIGABRT));
	T_ASSERT(unit_status_has_code(&u.success_status, 143) && !unit_status_has_code(&u.success_status, 1));
	T_EQ_INT(u.timeout_start, 120000000);
	T_ASSERT(u.timeout_stop == UNIT_INFINITY);
	T_EQ_INT(u.kill_mode, UNIT_KILL_MIXED);
	T_EQ_INT(u.kill_signal, SIGINT);
	T_ASSERT(u.limit_nofile.set && u.limit_nofile.soft == 1024 && u.limit_nofile.hard == 65536);
	T_ASSERT(u.limit_nproc.soft == UNIT_INFINITY && u.limit_nproc.hard == UNIT_INFINITY);
	T_EQ_INT(u.limit_core.soft, 2 * 1024 * 1024);
	T_ASSERT(u.tasks_max_set && u.tasks_max_percent && u.tasks_max == 500);
	T_ASSERT(u.delegate);
	T_ASSERT(u.oom_score_adjust_set && u.oom_score_adjust == -999);
	T_EQ_INT(u.runtime_directory.n, 2);
	T_EQ_STR(u.runtime_directory.v[1], "full/sub");
	T_EQ_STR(u.state_directory.v[0], "full");
	T_EQ_INT(u.runtime_directory_mode, 0700);
	T_EQ_STR(u.wanted_by.v[0], "multi-user.target");
	T_EQ_STR(u.required_by.v[0], "x.target");
	T_EQ_STR(u.install_alias.v[0], "fully.service");
	T_EQ_INT(u.roles, UNIT_ROLE_CONTROL | UNIT_ROLE_WORKER);
	T_EQ_INT(u.ready_probe.kind, UNIT_PROBE_TCP);
	T_EQ_STR(u.ready_probe.host, "127.0.0.1");
	T_EQ_INT(u.ready_probe.port, 6443);
	T_EQ_STR(u.start_when_exists, "/etc/kubernetes/kubelet.conf");
	unit_free(&u);
	T_ASSERT(u.name == NULL);
	unit_free(&u); /* twice is fine */
}

TEST(test_defaults)
{
	struct unit u;
	T_EQ_INT(load_text("d.service", "[Service]\nExecStart=/bin/d\n", &u), 0);
	T_EQ_INT(u.type, UNIT_TYPE_SIMPLE);
	T_EQ_INT(u.restart, UNIT_RESTART_NO);
	T_EQ_INT(u.restart_sec, 100000);
	T_EQ_INT(u.timeout_start, 90000000);
	T_EQ_INT(u.start_limit_burst, 5);
	T_EQ_INT(u.kill_signal, SIGTERM);
	T_EQ_INT(u.runtime_directory_mode, 0755);
	T_EQ_INT(u.roles, 0);
	T_EQ_INT(u.ready_probe.kind, UNIT_PROBE_NONE);
	unit_free(&u);
	/* No ExecStart and no Type: a oneshot (only ExecStop given). */
	T_EQ_INT(load_text("o.service", "[Service]\nExecStop=/bin/o\n", &u), 0);
	T_EQ_INT(u.type, UNIT_TYPE_ONESHOT);
	unit_free(&u);
	/* A oneshot waits for as long as its work takes, unless it says otherwise (systemd's rule). */
	T_EQ_INT(load_text("o.service", "[Service]\nType=oneshot\nExecStart=/bin/o\n", &u), 0);
	T_ASSERT(u.timeout_start == UNIT_INFINITY);
	unit_free(&u);
	T_EQ_INT(load_text("o2.service", "[Service]\nType=oneshot\nExecStart=/bin/o\nTimeoutStartSec=5\n", &u), 0);
	T_EQ_INT(u.timeout_start, 5000000);
	unit_free(&u);
}

TEST(test_values_time_bool_timeout)
{
	uint64_t t;
	T_EQ_INT(unit_parse_timespan("5", &t), 0);
	T_EQ_INT(t, 5000000);
	T_EQ_INT(unit_parse_timespan("1min 30s", &t), 0);
	T_EQ_INT(t, 90000000);
	T_EQ_INT(unit_parse_timespan("1h30min", &t), 0);
	T_EQ_INT(t, 5400000000LL);
	T_EQ_INT(unit_parse_timespan("100ms", &t), 0);
	T_EQ_INT(t, 100000);
	T_EQ_INT(unit_parse_timespan("2.5s", &t), 0);
	T_EQ_INT(t, 2500000);
	T_EQ_INT(unit_parse_timespan("infinity", &t), 0);
	T_ASSERT(t == UNIT_INFINITY);
	T_EQ_INT(unit_parse_timespan("", &t), -EINVAL);
	T_EQ_INT(unit_parse_timespan("5 parsecs", &t), -EINVAL);
	T_EQ_INT(unit_parse_timespan("s", &t), -EINVAL);
	T_EQ_INT(unit_parse_timespan("99999999999999999999y", &t), -ERANGE);
	static const char *const yes[] = {"yes", "true", "on", "1", "YES"}, *const no[] = {"no", "false", "off", "0"};
	bool b;
	for (size_t i = 0; i < 5; i++) {
		b = false;
		T_EQ_INT(unit_parse_bool(yes[i], &b), 0);
		T_ASSERT(b);
	}
	for (size_t i = 0; i < 4; i++) {
		b = true;
		T_EQ_INT(unit_parse_bool(no[i], &b), 0);
		T_ASSERT(!b);
	}
	T_EQ_INT(unit_parse_bool("maybe", &b), -EINVAL);

	struct unit u;
	/* TimeoutSec= sets both; 0 means no timeout; StartLimitInterval= is the old name. */
	T_EQ_INT(load_text("t.service",
			   "[Unit]\nStartLimitInterval=20\n[Service]\nExecStart=/bin/t\nTimeoutSec=7s\n", &u),
		 0);
	T_EQ_INT(u.timeout_start, 7000000);
	T_EQ_INT(u.timeout_stop, 7000000);
	T_EQ_INT(u.start_limit_interval, 20000000);
	unit_free(&u);
	T_EQ_INT(load_text("t.service", "[Service]\nExecStart=/bin/t\nTimeoutStartSec=0\n", &u), 0);
	T_ASSERT(u.timeout_start == UNIT_INFINITY);
	unit_free(&u);
}

TEST(test_restart_values)
{
	static const char *const names[] = {"no", "on-success", "on-failure", "on-abnormal", "on-abort", "on-watchdog", "always"};
	for (int i = 0; i < 7; i++) {
		char text[128];
		struct unit u;
		snprintf(text, sizeof text, "[Service]\nExecStart=/bin/r\nRestart=%s\n", names[i]);
		T_EQ_INT(load_text("r.service", text, &u), 0);
		T_EQ_INT(u.restart, i);
		unit_free(&u);
	}
}

TEST(test_exec_prefixes)
{
	struct unit u;
	T_EQ_INT(load_text("p.service",
			   "[Service]\nType=oneshot\n"
			   "ExecStart=-/bin/a\nExecStart=@/bin/b argv0 x\nExecStart=+/bin/c\nExecStart=!/bin/d\n"
			   "ExecStart=!!/bin/e\nExecStart=:/bin/f $X\nExecStart=-@:/bin/g zero\nExecStart=true\n",
			   &u),
		 0);
	T_EQ_STR(diagtext, "");
	struct unit_exec *e = u.exec[UNIT_EXEC_START].v;
	T_EQ_INT(u.exec[UNIT_EXEC_START].n, 8);
	T_EQ_INT(e[0].flags, UNIT_EXEC_IGNORE_FAILURE);
	T_EQ_INT(e[1].flags, UNIT_EXEC_ARGV0);
	T_EQ_STR(e[1].path, "/bin/b");
	T_EQ_STR(e[1].argv.v[0], "argv0");
	T_EQ_STR(e[1].argv.v[1], "x");
	T_EQ_INT(e[1].argv.n, 2);
	T_EQ_INT(e[2].flags, UNIT_EXEC_FULL_PRIVILEGES);
	T_EQ_INT(e[3].flags, UNIT_EXEC_NO_SETUID);
	T_EQ_INT(e[4].flags, UNIT_EXEC_AMBIENT);
	T_EQ_INT(e[5].flags, UNIT_EXEC_NO_ENV_EXPAND);
	T_EQ_INT(e[6].flags, UNIT_EXEC_IGNORE_FAILURE | UNIT_EXEC_ARGV0 | UNIT_EXEC_NO_ENV_EXPAND);
	T_EQ_STR(e[6].argv.v[0], "zero");
	T_EQ_STR(e[7].path, "true"); /* a bare name, looked up in PATH when started */
	unit_free(&u);
}

TEST(test_exec_bad_prefixes_and_paths)
{
	struct unit u;
	load_text("bp.service",
		  "[Service]\nType=oneshot\nExecStart=--/bin/a\nExecStart=+!/bin/b\nExecStart=@/bin/c\n"
		  "ExecStart=bin/d\nExecStart=-\nExecStart=$X\nExecStart=/bin/ok\n",
		  &u);
	T_CONTAINS(diagtext, "bp.service:3: ExecStart=: prefix '-' given twice");
	T_CONTAINS(diagtext, "bp.service:4: ExecStart=: prefixes '+', '!' and '!!' exclude each other");
	T_CONTAINS(diagtext, "bp.service:5: ExecStart=: prefix '@' needs an argv[0]");
	T_CONTAINS(diagtext, "bp.service:6: ExecStart=: program path \"bin/d\" is neither absolute nor a bare name");
	T_CONTAINS(diagtext, "bp.service:7: ExecStart=: empty command");
	T_CONTAINS(diagtext, "bp.service:8: ExecStart=: the program path may not contain variables");
	T_EQ_INT(diag.errors, 6);
	T_EQ_INT(u.exec[UNIT_EXEC_START].n, 1); /* bad lines are dropped, the rest loads */
	unit_free(&u);
}

TEST(test_quoting_and_escapes)
{
	struct unit u;
	T_EQ_INT(load_text("q.service",
			   "[Service]\nExecStart=/bin/q \"a b\" 'c d' --opt=\"x y\"z \"tab\\there\" \\x41\\102 "
			   "\"\\u00e9\" it\\'s \"say \\\"hi\\\"\" \"\"\n",
			   &u),
		 0);
	T_EQ_STR(diagtext, "");
	struct unit_strv *a = &u.exec[UNIT_EXEC_START].v[0].argv;
	T_EQ_INT(a->n, 10);
	T_EQ_STR(a->v[1], "a b");
	T_EQ_STR(a->v[2], "c d");
	T_EQ_STR(a->v[3], "--opt=x yz");
	T_EQ_STR(a->v[4], "tab\there");
	T_EQ_STR(a->v[5], "AB");
	T_EQ_STR(a->v[6], "\xc3\xa9");
	T_EQ_STR(a->v[7], "it's");
	T_EQ_STR(a->v[8], "say \"hi\"");
	T_EQ_STR(a->v[9], "");
	unit_free(&u);
	/* The empty quoted word "" at the end is a (empty) argument too. */
	T_EQ_INT(load_text("q2.service", "[Service]\nExecStart=/bin/q \"\"\n", &u), 0);
	T_EQ_INT(u.exec[UNIT_EXEC_START].v[0].argv.n, 2);
	T_EQ_STR(u.exec[UNIT_EXEC_START].v[0].argv.v[1], "");
	unit_free(&u);
}

TEST(test_semicolon_separates_commands)
{
	struct unit u;
	T_EQ_INT(load_text("s.service", "[Service]\nType=oneshot\nExecStart=/bin/s\nExecStartPre=/bin/a 1 ; /bin/b \\; \";\"\n", &u), 0);
	T_EQ_INT(u.exec[UNIT_EXEC_START_PRE].n, 2);
	struct unit_exec *e = u.exec[UNIT_EXEC_START_PRE].v;
	T_EQ_INT(e[0].argv.n, 2);
	T_EQ_STR(e[1].path, "/bin/b");
	T_EQ_INT(e[1].argv.n, 3);
	T_EQ_STR(e[1].argv.v[1], ";");
	T_EQ_STR(e[1].argv.v[2], ";");
	unit_free(&u);
}

TEST(test_environment_assignments)
{
	struct unit u;
	T_EQ_INT(load_text("e.service",
			   "[Service]\nExecStart=/bin/e\n"
			   "Environment=\"VAR1=word1 word2\" VAR2=word3 \"VAR3=$word 5 6\"\n"
			   "Environment=VAR2=again EMPTY=\n",
			   &u),
		 0);
	T_EQ_STR(diagtext, "");
	T_EQ_INT(u.environment.n, 4);
	T_EQ_STR(u.environment.v[0], "VAR1=word1 word2");
	T_EQ_STR(u.environment.v[1], "VAR2=again"); /* replaced in place */
	T_EQ_STR(u.environment.v[2], "VAR3=$word 5 6");
	T_EQ_STR(u.environment.v[3], "EMPTY=");
	unit_free(&u);
	load_text("e2.service", "[Service]\nExecStart=/bin/e\nEnvironment=novalue 1X=2 OK=1\nEnvironment=\"A=1\n", &u);
	T_CONTAINS(diagtext, "e2.service:3: Environment=: \"novalue\" is not a NAME=value assignment");
	T_CONTAINS(diagtext, "e2.service:3: Environment=: \"1X=2\" is not a NAME=value assignment");
	T_CONTAINS(diagtext, "e2.service:4: Environment=: unbalanced quotes");
	T_EQ_INT(u.environment.n, 1);
	unit_free(&u);
}

TEST(test_empty_assignment_resets_lists)
{
	struct unit u;
	T_EQ_INT(load_text("z.service",
			   "[Unit]\nAfter=a.service\nAfter=\nAfter=b.service\nConditionPathExists=/x\n"
			   "ConditionPathExists=\n"
			   "[Service]\nExecStart=/bin/one\nExecStart=\nExecStart=/bin/two\nEnvironment=A=1\n"
			   "Environment=\nEnvironmentFile=/e\nEnvironmentFile=\nSuccessExitStatus=3\nSuccessExitStatus=\n",
			   &u),
		 0);
	T_EQ_INT(u.after.n, 1);
	T_EQ_STR(u.after.v[0], "b.service");
	T_EQ_INT(u.conds.n, 0);
	T_EQ_INT(u.exec[UNIT_EXEC_START].n, 1);
	T_EQ_STR(u.exec[UNIT_EXEC_START].v[0].path, "/bin/two");
	T_EQ_INT(u.environment.n, 0);
	T_EQ_INT(u.environment_files.n, 0);
	T_ASSERT(!unit_status_has_code(&u.success_status, 3));
	unit_free(&u);
}

/* Lists stop at UNIT_LIST_MAX entries with an error on the line; what came before is kept. */
TEST(test_path_lists_bounded)
{
	struct unit u;
	size_t cap = (UNIT_LIST_MAX + 2) * 2 * 40 + 64; /* two lists of lines under 40 bytes */
	char *text = malloc(cap);
	T_ASSERT(text != NULL);
	size_t o = (size_t)snprintf(text, cap, "[Unit]\n");
	for (int i = 0; i < UNIT_LIST_MAX + 1; i++)
		o += (size_t)snprintf(text + o, cap - o, "ConditionPathExists=/c%d\n", i);
	o += (size_t)snprintf(text + o, cap - o, "[Service]\nExecStart=/bin/true\n");
	for (int i = 0; i < UNIT_LIST_MAX + 1; i++)
		o += (size_t)snprintf(text + o, cap - o, "EnvironmentFile=-/e%d\n", i);
	T_ASSERT(o < cap);
	load_text("big.service", text, &u);
	free(text);
	T_EQ_INT(u.conds.n, UNIT_LIST_MAX);
	T_EQ_STR(u.conds.v[UNIT_LIST_MAX - 1].path, "/c1023");
	T_EQ_INT(u.environment_files.n, UNIT_LIST_MAX);
	T_ASSERT(u.environment_files.v[0].optional);
	T_ASSERT(strstr(diagtext, "too many conditions") != NULL);
	T_ASSERT(strstr(diagtext, "too many EnvironmentFile= entries") != NULL);
	unit_free(&u);
}

TEST(test_continuation_lines)
{
	struct unit u;
	T_EQ_INT(load_text("c.service",
			   "[Service]\nExecStart=/bin/c \\\n  --one \\\n# a comment inside\n  --two\n"
			   "Environment=A=1 \\\n B=2\nRestart=always\n",
			   &u),
		 0);
	T_EQ_STR(diagtext, "");
	struct unit_strv *a = &u.exec[UNIT_EXEC_START].v[0].argv;
	T_EQ_INT(a->n, 3);
	T_EQ_STR(a->v[2], "--two");
	T_EQ_INT(u.environment.n, 2);
	T_EQ_INT(u.restart, UNIT_RESTART_ALWAYS);
	unit_free(&u);
	/* A continuation at the end of the file (no newline either) still counts. */
	T_EQ_INT(load_text("c2.service", "[Service]\nExecStart=/bin/c \\\n --last \\", &u), 0);
	T_EQ_INT(u.exec[UNIT_EXEC_START].v[0].argv.n, 2);
	unit_free(&u);
}

TEST(test_dropins_precedence)
{
	struct unit u;
	put(lo, "dr.service", "[Unit]\nDescription=base\n[Service]\nExecStart=/bin/base\nRestartSec=1\n");
	/* 10-a in both directories: the high-priority one hides the low one. */
	put(lo, "dr.service.d/10-a.conf", "[Service]\nRestartSec=2\nEnvironment=LOW=1\n");
	put(hi, "dr.service.d/10-a.conf", "[Service]\nRestartSec=3\n");
	/* 20-b in the low directory still applies, after 10-a (file-name order across directories). */
	put(lo, "dr.service.d/20-b.conf", "[Service]\nExecStart=\nExecStart=/bin/replaced\n");
	put(hi, "dr.service.d/30-c.conf", "[Unit]\nDescription=from drop-in\n[X-Ekinit]\nRoles=worker\n");
	put(hi, "dr.service.d/notaconf.txt", "[Service]\nRestartSec=99\n");
	/* A masked drop-in does not apply. */
	link_unit(hi, "dr.service.d/40-masked.conf", "/dev/null");
	put(lo, "dr.service.d/40-masked.conf", "[Service]\nRestartSec=77\n");
	/* Type-wide drop-ins apply to every service. */
	put(lo, "service.d/05-all.conf", "[Service]\nTimeoutStopSec=11\n");
	T_EQ_INT(load("dr.service", &u), 0);
	T_EQ_STR(diagtext, "");
	T_EQ_INT(u.restart_sec, 3000000);
	T_EQ_INT(u.environment.n, 0);
	T_EQ_STR(u.exec[UNIT_EXEC_START].v[0].path, "/bin/replaced");
	T_EQ_INT(u.exec[UNIT_EXEC_START].n, 1);
	T_EQ_STR(u.description, "from drop-in");
	T_EQ_INT(u.roles, UNIT_ROLE_WORKER);
	T_EQ_INT(u.timeout_stop, 11000000);
	T_EQ_INT(u.dropins.n, 4);
	T_CONTAINS(u.dropins.v[0], "service.d/05-all.conf");
	T_CONTAINS(u.dropins.v[1], "ekinit-test");
	unit_free(&u);
	/* The main file in the high directory hides the low one entirely. */
	put(hi, "dr.service", "[Service]\nExecStart=/bin/high\n");
	T_EQ_INT(load("dr.service", &u), 0);
	T_CONTAINS(u.path, hi);
	unit_free(&u);
}

TEST(test_alias_symlink_and_mask)
{
	struct unit u;
	put(lo, "real.service", "[Service]\nExecStart=/bin/real\n[Install]\nAlias=other.service\n");
	link_unit(hi, "other.service", "../lo/real.service");
	put(lo, "other.service.d/x.conf", "[Service]\nRestartSec=4\n");
	T_EQ_INT(load("other.service", &u), 0);
	T_EQ_STR(u.name, "real.service");
	T_EQ_INT(u.aliases.n, 1);
	T_EQ_STR(u.aliases.v[0], "other.service");
	T_EQ_INT(u.restart_sec, 4000000); /* drop-ins of the alias name apply too */
	T_EQ_STR(u.install_alias.v[0], "other.service");
	unit_free(&u);

	link_unit(hi, "masked.service", "/dev/null");
	T_EQ_INT(load("masked.service", &u), -ERFKILL);
	T_CONTAINS(diagtext, "masked.service: unit is masked");
	unit_free(&u);
	T_EQ_INT(load("absent.service", &u), -ENOENT);
	T_CONTAINS(diagtext, "absent.service: no such unit");
	unit_free(&u);
	link_unit(hi, "dangling.service", "/nonexistent/x.service");
	T_EQ_INT(load("dangling.service", &u), -ENOENT);
	unit_free(&u);
	link_unit(hi, "loop1.service", "loop2.service");
	link_unit(hi, "loop2.service", "loop1.service");
	T_EQ_INT(load("loop1.service", &u), -ELOOP);
	unit_free(&u);
	link_unit(hi, "wrongtype.service", "real.socket");
	put(hi, "real.socket", "[Socket]\n");
	T_EQ_INT(load("wrongtype.service", &u), -EINVAL);
	unit_free(&u);
	T_EQ_INT(load("../etc/passwd", &u), -EINVAL);
	T_EQ_INT(load("noext", &u), -EINVAL);
	T_EQ_INT(load("a b.service", &u), -EINVAL);
	unit_free(&u);
}

TEST(test_templates_and_specifiers)
{
	struct unit u;
	put(lo, "getty@.service",
	    "[Unit]\nDescription=Getty on %I (%i) for %n / %N / %p / %f %%\n"
	    "[Service]\nExecStart=/sbin/agetty -o \"-p -- \\\\u\" %I %t/x 100%%\nEnvironment=UNIT=%n\n"
	    "PIDFile=%t/%p-%i.pid\n");
	put(hi, "getty@.service.d/t.conf", "[Service]\nRestartSec=6\n");
	put(lo, "getty@tty1.service.d/i.conf", "[Service]\nRestartSec=7\n");
	T_EQ_INT(load("getty@tty1.service", &u), 0);
	T_EQ_STR(diagtext, "");
	T_EQ_STR(u.name, "getty@tty1.service");
	T_EQ_STR(u.instance, "tty1");
	T_EQ_STR(u.description, "Getty on tty1 (tty1) for getty@tty1.service / getty@tty1 / getty / /tty1 %");
	struct unit_strv *a = &u.exec[UNIT_EXEC_START].v[0].argv;
	T_EQ_STR(a->v[2], "-p -- \\u");
	T_EQ_STR(a->v[3], "tty1");
	T_EQ_STR(a->v[4], "/run/x");
	T_EQ_STR(a->v[5], "100%");
	T_EQ_STR(u.environment.v[0], "UNIT=getty@tty1.service");
	T_EQ_STR(u.pid_file, "/run/getty-tty1.pid");
	/* Template and instance drop-ins merge in file-name order: i.conf, then t.conf. */
	T_EQ_INT(u.restart_sec, 6000000);
	T_EQ_INT(u.dropins.n, 2);
	unit_free(&u);

	/* %I unescapes: '-' is '/', \x2d a dash. */
	T_EQ_INT(load("getty@dev-ttyS0\\x2dx.service", &u), 0);
	T_EQ_STR(u.exec[UNIT_EXEC_START].v[0].argv.v[3], "dev/ttyS0-x");
	T_EQ_STR(u.instance, "dev-ttyS0\\x2dx");
	unit_free(&u);

	/* An instance whose own file exists does not use the template. */
	put(hi, "getty@tty9.service", "[Service]\nExecStart=/bin/own %i\n");
	T_EQ_INT(load("getty@tty9.service", &u), 0);
	T_EQ_STR(u.exec[UNIT_EXEC_START].v[0].argv.v[1], "tty9");
	unit_free(&u);

	/* Unknown specifiers are errors for that line only. */
	load_text("spec.service", "[Unit]\nDescription=%Z bad\n[Service]\nExecStart=/bin/s %Q\nExecStart=/bin/s 50%\n", &u);
	T_CONTAINS(diagtext, "spec.service:2: unknown specifier %Z");
	T_CONTAINS(diagtext, "spec.service:4: ExecStart=: unknown specifier %Q");
	T_CONTAINS(diagtext, "spec.service:5: ExecStart=: '%' at the end of a word");
	unit_free(&u);
}

TEST(test_expand_exec)
{
	struct unit u;
	T_EQ_INT(load_text("x.service",
			   "[Service]\nType=oneshot\n"
			   "ExecStart=/bin/x $OPTS ${OPTS} pre${ONE}post a$ONE.b $$HOME $UNSET ${UNSET} \"$ONE\" $1 ${bad-name}\n"
			   "ExecStart=:/bin/x $OPTS\n",
			   &u),
		 0);
	const char *const env[] = {"OPTS=-a  -b\t-c", "ONE=1", "ONE=uno", NULL};
	struct unit_strv out = {0};
	T_EQ_INT(unit_expand_exec(&u.exec[UNIT_EXEC_START].v[0], env, &out), 0);
	const char *want[] = {"/bin/x", "-a", "-b", "-c", "-a  -b\t-c", "preunopost", "auno.b", "$HOME", "", "uno",
			      "$1", "${bad-name}"};
	T_EQ_INT(out.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < out.n; i++)
		T_EQ_STR(out.v[i], want[i]);
	T_ASSERT(out.v[out.n] == NULL);
	unit_strv_free(&out);
	T_EQ_INT(unit_expand_exec(&u.exec[UNIT_EXEC_START].v[1], env, &out), 0);
	T_EQ_INT(out.n, 2);
	T_EQ_STR(out.v[1], "$OPTS");
	unit_strv_free(&out);
	T_EQ_INT(unit_expand_exec(&u.exec[UNIT_EXEC_START].v[0], NULL, &out), 0);
	unit_strv_free(&out);
	unit_free(&u);
}

TEST(test_unsupported_keys_warned_once)
{
	struct unit u;
	T_EQ_INT(load_text("w.service",
			   "[Unit]\nConflicts=a.service\nX-Custom=fine\n"
			   "[Service]\nExecStart=/bin/w\nProtectSystem=strict\nProtectSystem=full\nPrivateTmp=yes\n"
			   "[Socket]\nListenStream=1\n[X-Vendor]\nAnything=1\n"
			   "[Service]\nProtectSystem=yes\n",
			   &u),
		 0);
	T_EQ_INT(count(diagtext, "ProtectSystem= is not supported by ekinit (ignored)"), 1);
	T_CONTAINS(diagtext, "w.service:6: ProtectSystem= is not supported by ekinit (ignored)");
	T_CONTAINS(diagtext, "w.service:2: Conflicts= is not supported by ekinit (ignored)");
	T_CONTAINS(diagtext, "w.service:8: PrivateTmp= is not supported by ekinit (ignored)");
	T_CONTAINS(diagtext, "w.service:9: [Socket] section is not supported by ekinit (ignored)");
	T_ASSERT(!strstr(diagtext, "ListenStream"));
	T_ASSERT(!strstr(diagtext, "X-"));
	T_EQ_INT(diag.errors, 0);
	T_EQ_INT(diag.warnings, 4);
	unit_free(&u);
	/* Once per unit: the next unit is warned again. */
	T_EQ_INT(load_text("w2.service", "[Service]\nExecStart=/bin/w\nProtectSystem=strict\n", &u), 0);
	T_EQ_INT(diag.warnings, 1);
	unit_free(&u);
}

TEST(test_bad_values)
{
	struct unit u;
	load_text("bad.service",
		  "[Unit]\nAfter=ok.service not/a/unit\nConditionPathExists=relative\nStartLimitBurst=many\n"
		  "[Service]\nExecStart=/bin/b\nType=fancy\nRestart=sometimes\nRestartSec=soon\nRemainAfterExit=maybe\n"
		  "KillMode=all\nKillSignal=SIGNOPE\nLimitNOFILE=10:5\nLimitCORE=lots\nTasksMax=0\nOOMScoreAdjust=5000\n"
		  "RuntimeDirectory=../escape /abs ok\nRuntimeDirectoryMode=999\nWorkingDirectory=rel\n"
		  "EnvironmentFile=rel.env\nSuccessExitStatus=256\nPIDFile=\n"
		  "[X-Ekinit]\nRoles=boss\nReadyProbe=ftp://x\nStartWhenExists=relative\n",
		  &u);
	const char *want[] = {
		"bad.service:2: After=: \"not/a/unit\" is not a valid unit name",
		"bad.service:3: ConditionPathExists= needs an absolute path",
		"bad.service:4: StartLimitBurst=: \"many\" is not a number",
		"bad.service:7: Type=: unknown type \"fancy\"",
		"bad.service:8: Restart=: unknown policy \"sometimes\"",
		"bad.service:9: RestartSec=: \"soon\" is not a time span",
		"bad.service:10: RemainAfterExit=: \"maybe\" is not a boolean",
		"bad.service:11: KillMode=: unknown mode \"all\"",
		"bad.service:12: KillSignal=: unknown signal \"SIGNOPE\"",
		"bad.service:13: LimitNOFILE=: \"10:5\" is not a limit",
		"bad.service:14: LimitCORE=: \"lots\" is not a limit",
		"bad.service:15: TasksMax=: \"0\"",
		"bad.service:16: OOMScoreAdjust=: \"5000\"",
		"bad.service:17: RuntimeDirectory=: \"../escape\" must be a relative path",
		"bad.service:17: RuntimeDirectory=: \"/abs\" must be a relative path",
		"bad.service:18: RuntimeDirectoryMode=: \"999\" is not an octal mode",
		"bad.service:19: WorkingDirectory= needs an absolute path",
		"bad.service:20: EnvironmentFile= needs an absolute path",
		"bad.service:21: SuccessExitStatus=: \"256\"",
		"bad.service:24: Roles=: unknown role \"boss\"",
		"bad.service:25: ReadyProbe=: unknown probe",
		"bad.service:26: StartWhenExists= needs an absolute path",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		T_CONTAINS(diagtext, want[i]);
	T_EQ_INT(diag.errors, sizeof want / sizeof want[0]);
	T_EQ_INT(u.after.n, 1);
	T_EQ_STR(u.runtime_directory.v[0], "ok");
	T_EQ_INT(u.type, UNIT_TYPE_SIMPLE);
	unit_free(&u);
}

TEST(test_ready_probes)
{
	struct {
		const char *value;
		int kind;
		const char *host;
		unsigned port;
		const char *path;
	} good[] = {
		{"tcp:localhost:8443", UNIT_PROBE_TCP, "localhost", 8443, NULL},
		{"tcp:[::1]:6443", UNIT_PROBE_TCP, "::1", 6443, NULL},
		{"http://127.0.0.1:10248/healthz", UNIT_PROBE_HTTP, "127.0.0.1", 10248, "/healthz"},
		{"http://node", UNIT_PROBE_HTTP, "node", 80, "/"},
		{"unix:/run/containerd/containerd.sock", UNIT_PROBE_UNIX, NULL, 0, "/run/containerd/containerd.sock"},
		{"file:/run/ready", UNIT_PROBE_FILE, NULL, 0, "/run/ready"},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char text[256];
		struct unit u;
		snprintf(text, sizeof text, "[Service]\nExecStart=/bin/p\n[X-Ekinit]\nReadyProbe=%s\n", good[i].value);
		T_EQ_INT(load_text("probe.service", text, &u), 0);
		T_EQ_STR(diagtext, "");
		T_EQ_INT(u.ready_probe.kind, good[i].kind);
		if (good[i].host)
			T_EQ_STR(u.ready_probe.host, good[i].host);
		T_EQ_INT(u.ready_probe.port, good[i].port);
		if (good[i].path)
			T_EQ_STR(u.ready_probe.path, good[i].path);
		unit_free(&u);
	}
	struct unit u;
	T_EQ_INT(load_text("probe.service",
			   "[Service]\nExecStart=/bin/p\n[X-Ekinit]\nReadyProbe=exec:/usr/bin/ctr version \"a b\"\n", &u),
		 0);
	T_EQ_INT(u.ready_probe.kind, UNIT_PROBE_EXEC);
	T_EQ_STR(u.ready_probe.exec.path, "/usr/bin/ctr");
	T_EQ_STR(u.ready_probe.exec.argv.v[2], "a b");
	unit_free(&u);
	const char *bad[][2] = {
		{"tcp:host", "missing :PORT"},
		{"tcp:host:0", "invalid port"},
		{"tcp:host:70000", "invalid port"},
		{"tcp::::1:80", "IPv6 address must be written in brackets"},
		{"tcp:[::1:80", "unbalanced '['"},
		{"tcp:bad host:1", "invalid host"},
		{"https://x/", "https probes are not supported"},
		{"http://x/a b", "may not contain spaces"},
		{"unix:relative", "is not absolute"},
		{"unix:/a/very/long/socket/path/that/is/longer/than/the/sun_path/field/of/sockaddr_un/can/hold/at/all/"
		 "/it/has/one/hundred/and/eight/bytes",
		 "path is too long"},
		{"file:x", "is not absolute"},
		{"exec:", "needs exactly one command"},
		{"exec:/bin/a ; /bin/b", "needs exactly one command"},
		{"exec:\"/bin/a", "unbalanced quotes"},
		{"gopher:x", "unknown probe"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "[Service]\nExecStart=/bin/p\n[X-Ekinit]\nReadyProbe=%s\n", bad[i][0]);
		load_text("probe.service", text, &u);
		if (!strstr(diagtext, "probe.service:4: ReadyProbe=: "))
			T_FAIL("ReadyProbe=%s accepted", bad[i][0]);
		T_CONTAINS(diagtext, bad[i][1]);
		T_EQ_INT(u.ready_probe.kind, UNIT_PROBE_NONE);
		unit_free(&u);
	}
}

TEST(test_unusable_services)
{
	struct unit u;
	T_EQ_INT(load_text("n.service", "[Service]\nType=simple\n", &u), -EBADMSG);
	T_CONTAINS(diagtext, "n.service: Type=simple needs an ExecStart= command");
	unit_free(&u);
	T_EQ_INT(load_text("n2.service", "[Unit]\nDescription=nothing\n", &u), -EBADMSG);
	T_CONTAINS(diagtext, "neither ExecStart= nor ExecStop=");
	unit_free(&u);
	T_EQ_INT(load_text("n3.service", "[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n", &u), -EBADMSG);
	T_CONTAINS(diagtext, "n3.service:3: Type=simple allows only one ExecStart= command (2 given)");
	unit_free(&u);
	T_EQ_INT(load_text("n4.service", "[Service]\nType=oneshot\nExecStart=/bin/a\nRestart=always\n", &u), -EBADMSG);
	T_CONTAINS(diagtext, "Restart=always is not allowed for Type=oneshot");
	unit_free(&u);
	/* A target needs no commands. */
	T_EQ_INT(load_text("t.target", "[Unit]\nDescription=t\n", &u), 0);
	unit_free(&u);
	/* Type=idle runs, with a warning. */
	T_EQ_INT(load_text("i.service", "[Service]\nType=idle\nExecStart=/bin/i\n", &u), 0);
	T_CONTAINS(diagtext, "i.service:2: Type=idle is not supported by ekinit (treated as simple)");
	unit_free(&u);
}

TEST(test_syntax_errors)
{
	struct unit u;
	static const char text[] = "Description=before any section\n"
				   "[Unit\n"
				   "[Unit]junk\n"
				   "[Unit]\n"
				   "no equals sign here\n"
				   "=value without key\n"
				   "Two Words=x\n"
				   "Description=ok\n"
				   "[Service]\n"
				   "ExecStart=/bin/s \"unbalanced\n"
				   "ExecStart=/bin/s bad\\escape\n"
				   "ExecStart=/bin/s nul\\x00\n"
				   "ExecStart=/bin/ok\n";
	load_text("syn.service", text, &u);
	const char *want[] = {
		"syn.service:1: Description= outside of a section",
		"syn.service:2: invalid section header \"[Unit\"",
		"syn.service:3: invalid section header \"[Unit]junk\"",
		"syn.service:5: not an assignment (missing '='): \"no equals sign here\"",
		"syn.service:6: assignment without a key",
		"syn.service:7: invalid key \"Two Words\"",
		"syn.service:10: ExecStart=: unbalanced quotes",
		"syn.service:11: ExecStart=: invalid escape sequence",
		"syn.service:12: ExecStart=: invalid escape sequence",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		T_CONTAINS(diagtext, want[i]);
	T_EQ_INT(diag.errors, sizeof want / sizeof want[0]);
	T_EQ_STR(u.description, "ok");
	T_EQ_INT(u.exec[UNIT_EXEC_START].n, 1);
	unit_free(&u);
}

TEST(test_hostile_bytes)
{
	struct unit u;
	char p[256];
	/* NUL bytes in a line: that line is dropped, the rest parses; no newline at the end. */
	static const char nul[] = "[Service]\nExecStart=/bin/a\nDescr\0iption=x\nRestart=always";
	snprintf(p, sizeof p, "%s/nul.service", hi);
	FILE *f = fopen(p, "wb");
	T_ASSERT(f);
	fwrite(nul, 1, sizeof nul - 1, f);
	fclose(f);
	T_EQ_INT(load("nul.service", &u), 0);
	T_CONTAINS(diagtext, "nul.service:3: line contains a NUL byte (ignored)");
	T_EQ_INT(u.restart, UNIT_RESTART_ALWAYS);
	unit_free(&u);

	/* A line longer than UNIT_LINE_MAX (through continuations, too). */
	size_t big = UNIT_LINE_MAX + 100;
	char *text = malloc(big + 200);
	T_ASSERT(text);
	strcpy(text, "[Service]\nExecStart=/bin/a\nDescription=");
	size_t n = strlen(text);
	memset(text + n, 'x', big);
	strcpy(text + n + big, "\nRestart=on-failure\n");
	T_EQ_INT(load_text("long.service", text, &u), 0);
	free(text);
	T_CONTAINS(diagtext, "long.service:3: line longer than 65536 bytes (ignored)");
	T_ASSERT(u.description == NULL);
	T_EQ_INT(u.restart, UNIT_RESTART_ON_FAILURE);
	unit_free(&u);

	/* A FIFO or a directory named like a unit does not hang or crash the loader. */
	snprintf(p, sizeof p, "%s/fifo.service", hi);
	T_EQ_INT(mkfifo(p, 0644), 0);
	T_EQ_INT(load("fifo.service", &u), -EIO);
	T_CONTAINS(diagtext, "fifo.service: not a regular file");
	unit_free(&u);
	snprintf(p, sizeof p, "%s/dir.service", hi);
	mkdir(p, 0755);
	T_EQ_INT(load("dir.service", &u), -EIO);
	unit_free(&u);

	/* More than UNIT_FILE_MAX bytes. */
	snprintf(p, sizeof p, "%s/huge.service", hi);
	f = fopen(p, "w");
	T_ASSERT(f);
	for (int i = 0; i < UNIT_FILE_MAX / 16 + 10; i++)
		fputs("# padding line.\n", f);
	fclose(f);
	T_EQ_INT(load("huge.service", &u), -EFBIG);
	T_CONTAINS(diagtext, "huge.service: file is larger than 1 MiB");
	unit_free(&u);

	/* Exactly UNIT_FILE_MAX bytes still loads, and its last line is read (the buffer is sized
	 * from the file, not fixed). */
	snprintf(p, sizeof p, "%s/full.service", hi);
	f = fopen(p, "w");
	T_ASSERT(f);
	static const char head[] = "[Service]\nExecStart=/bin/a\n", tail[] = "Restart=always\n";
	size_t pad = UNIT_FILE_MAX - (sizeof head - 1) - (sizeof tail - 1);
	fputs(head, f);
	for (size_t i = 0; i < pad; i++)
		fputc(i == pad - 1 || i % 64 == 63 ? '\n' : i % 64 == 0 ? '#' : 'x', f);
	fputs(tail, f);
	T_EQ_INT(ftell(f), UNIT_FILE_MAX);
	fclose(f);
	T_EQ_INT(load("full.service", &u), 0);
	T_EQ_INT(u.restart, UNIT_RESTART_ALWAYS);
	unit_free(&u);
}

TEST(test_messages_bounded)
{
	/* Hundreds of bad lines: the diag keeps UNIT_DIAG_MAX and counts the rest. */
	char *text = malloc(64 * 1024);
	T_ASSERT(text);
	strcpy(text, "[Service]\nExecStart=/bin/a\n");
	for (int i = 0; i < 500; i++)
		strcat(text, "junk\n");
	struct unit u;
	T_EQ_INT(load_text("many.service", text, &u), 0);
	free(text);
	T_EQ_INT(diag.n, UNIT_DIAG_MAX);
	T_EQ_INT(diag.errors, 500);
	T_EQ_INT(diag.dropped, 500 - UNIT_DIAG_MAX);
	unit_free(&u);
}

/* Random bytes and mutations of a valid unit (fixed seed, bounded count): under ASan and UBSan any
 * overrun, leak or undefined behaviour fails the test; every load must return. */
TEST(test_fuzz)
{
	static const char seed[] = "[Unit]\nDescription=fuzz %n\nAfter=a.service\nConditionPathExists=!/x\n"
				   "[Service]\nType=notify\nExecStart=-@/bin/x \"a b\" 'c' \\x41 $V ${W}\n"
				   "Environment=\"A=1\" B=2\nLimitNOFILE=1:2\nRestartSec=1min 5s\nTasksMax=10%\n"
				   "[X-Ekinit]\nReadyProbe=tcp:[::1]:80\nRoles=worker\n";
	static const char alphabet[] = "[]=\\\"' \t\n#;%$@-+!:{}/xyzAB0\0\x80\xff";
	unsigned state = 12345;
	char buf[2048];
	struct unit u;
	for (int iter = 0; iter < 3000; iter++) {
		size_t n;
		state = state * 1103515245u + 12345u;
		if (iter % 3 == 0) { /* pure random bytes */
			n = (state >> 8) % sizeof buf;
			for (size_t i = 0; i < n; i++) {
				state = state * 1103515245u + 12345u;
				buf[i] = (char)(state >> 16);
			}
		} else { /* the seed with some bytes replaced, inserted or deleted */
			n = sizeof seed - 1;
			memcpy(buf, seed, n);
			int edits = 1 + (int)((state >> 8) % 8);
			for (int e = 0; e < edits; e++) {
				state = state * 1103515245u + 12345u;
				size_t at = (state >> 8) % n;
				char c = alphabet[(state >> 20) % (sizeof alphabet - 1)];
				int op = (int)((state >> 4) % 3);
				if (op == 0) {
					buf[at] = c;
				} else if (op == 1 && n + 1 < sizeof buf) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = c;
					n++;
				} else if (n > 1) {
					memmove(buf + at, buf + at + 1, n - at - 1);
					n--;
				}
			}
		}
		char p[256];
		snprintf(p, sizeof p, "%s/fz.service", hi);
		FILE *f = fopen(p, "wb");
		if (!f)
			T_FAIL("cannot write %s", p);
		fwrite(buf, 1, n, f);
		fclose(f);
		unit_diag_init(&diag);
		int r = unit_load("fz.service", dirs, &u, &diag);
		if (r == 0 && u.exec[UNIT_EXEC_START].n) {
			const char *const env[] = {"V=a b", "W=c", NULL};
			struct unit_strv out = {0};
			if (unit_expand_exec(&u.exec[UNIT_EXEC_START].v[0], env, &out) == 0)
				unit_strv_free(&out);
		}
		unit_free(&u);
	}
}

int main(void)
{
	if (!t_tmpdir(root, sizeof root))
		return 1;
	snprintf(hi, sizeof hi, "%s/hi", root);
	snprintf(lo, sizeof lo, "%s/lo", root);
	dirs[0] = hi;
	dirs[1] = lo;
	dirs[2] = NULL;
	reset_dirs();
	T_RUN(test_simple_service_every_key);
	T_RUN(test_defaults);
	T_RUN(test_values_time_bool_timeout);
	T_RUN(test_restart_values);
	T_RUN(test_exec_prefixes);
	T_RUN(test_exec_bad_prefixes_and_paths);
	T_RUN(test_quoting_and_escapes);
	T_RUN(test_semicolon_separates_commands);
	T_RUN(test_environment_assignments);
	T_RUN(test_empty_assignment_resets_lists);
	T_RUN(test_path_lists_bounded);
	T_RUN(test_continuation_lines);
	reset_dirs();
	T_RUN(test_dropins_precedence);
	reset_dirs();
	T_RUN(test_alias_symlink_and_mask);
	reset_dirs();
	T_RUN(test_templates_and_specifiers);
	reset_dirs();
	T_RUN(test_expand_exec);
	T_RUN(test_unsupported_keys_warned_once);
	T_RUN(test_bad_values);
	T_RUN(test_ready_probes);
	T_RUN(test_unusable_services);
	T_RUN(test_syntax_errors);
	T_RUN(test_hostile_bytes);
	T_RUN(test_messages_bounded);
	T_RUN(test_fuzz);
	t_rmtree(root);
	return T_END();
}
