/* modules-load.d parsing (never loading: that would touch the host's kernel). */
#include <errno.h>
#include <fcntl.h>

#include "t.h"
#include "log.h"
#include "modules.h"

static char base[64];
static int logpipe[2];
static char logbuf[8192];

static int read_conf(const char *text, struct ek_modlist *list, char *path, size_t cap)
{
	snprintf(path, cap, "%s/m.conf", base);
	t_write(path, text);
	int r = modules_read_file(path, list);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	return r;
}

TEST(test_read_file_good_and_bad_lines)
{
	static struct ek_modlist l;
	char path[128], want[256];
	memset(&l, 0, sizeof l);
	T_EQ_INT(read_conf("# comment\n; another\n\n  overlay  \n\tbr_netfilter\r\nip_vs\n"
			   "bad/name\nnf-conntrack\noverlay\nwith space\n",
			   &l, path, sizeof path),
		 0);
	T_EQ_INT(l.n, 4);
	T_EQ_STR(l.name[0], "overlay");
	T_EQ_STR(l.name[1], "br_netfilter");
	T_EQ_STR(l.name[2], "ip_vs");
	T_EQ_STR(l.name[3], "nf-conntrack");
	snprintf(want, sizeof want, "warning: %s:7: 'bad/name' is not a module name", path);
	T_CONTAINS(logbuf, want);
	snprintf(want, sizeof want, "%s:10: 'with space' is not a module name", path);
	T_CONTAINS(logbuf, want);
	/* The duplicate on line 9 is dropped without a warning. */
	T_ASSERT(!strstr(logbuf, ":9:"));
}

TEST(test_read_missing_file)
{
	static struct ek_modlist l;
	memset(&l, 0, sizeof l);
	T_EQ_INT(modules_read_file("/nonexistent/ekinit/m.conf", &l), -ENOENT);
	T_EQ_INT(l.n, 0);
}

TEST(test_add_limits)
{
	static struct ek_modlist l;
	char name[80];
	memset(&l, 0, sizeof l);
	T_EQ_INT(modules_add(&l, ""), -EINVAL);
	T_EQ_INT(modules_add(&l, "../evil"), -EINVAL);
	T_EQ_INT(modules_add(&l, "a.b"), -EINVAL);
	memset(name, 'm', sizeof name);
	name[EK_MODNAME_MAX] = '\0'; /* 64 bytes: one too many */
	T_EQ_INT(modules_add(&l, name), -EINVAL);
	name[EK_MODNAME_MAX - 1] = '\0';
	T_EQ_INT(modules_add(&l, name), 0);
	T_EQ_INT(modules_add(&l, name), 1);
	T_EQ_INT(l.n, 1);
	for (int i = 1; i < EK_MODULES_MAX; i++) {
		snprintf(name, sizeof name, "mod%d", i);
		if (modules_add(&l, name) != 0)
			T_FAIL("adding %s failed", name);
	}
	T_EQ_INT(l.n, EK_MODULES_MAX);
	T_EQ_INT(modules_add(&l, "one_more"), -E2BIG);
	T_EQ_INT(modules_add(&l, "mod5"), 1);
	T_EQ_INT(l.n, EK_MODULES_MAX);
}

TEST(test_read_file_full_list_warns)
{
	static struct ek_modlist l;
	char path[128];
	memset(&l, 0, sizeof l);
	for (int i = 0; i < EK_MODULES_MAX; i++) {
		char name[16];
		snprintf(name, sizeof name, "m%d", i);
		modules_add(&l, name);
	}
	T_EQ_INT(read_conf("extra\n", &l, path, sizeof path), 0);
	T_CONTAINS(logbuf, "m.conf:1: more than 128 modules listed, 'extra' ignored");
}

TEST(test_builtin_list)
{
	T_EQ_STR(ek_builtin_modules[0], "overlay");
	T_EQ_STR(ek_builtin_modules[1], "br_netfilter");
	T_ASSERT(ek_builtin_modules[2] == NULL);
}

int main(void)
{
	if (!t_tmpdir(base, sizeof base) || pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	ek_log_set_fd(logpipe[1]);
	T_RUN(test_read_file_good_and_bad_lines);
	T_RUN(test_read_missing_file);
	T_RUN(test_add_limits);
	T_RUN(test_read_file_full_list_warns);
	T_RUN(test_builtin_list);
	t_rmtree(base);
	return T_END();
}
