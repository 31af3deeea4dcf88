/* cgroups_delegate against a fake cgroup root: the controllers the "kernel" offers are each enabled
 * with a "+name" write to cgroup.subtree_control. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "t.h"
#include "cgroups.h"
#include "log.h"

static char base[64];
static int logpipe[2];
static char logbuf[4096];

static void at(char *out, size_t cap, const char *rel)
{
	snprintf(out, cap, "%s/%s", base, rel);
}

TEST(test_delegate_enables_every_controller)
{
	char p[128], enabled[128], written[256];
	at(p, sizeof p, "cgroup.controllers");
	t_write(p, "cpuset cpu io memory pids\n");
	/* subtree_control as a FIFO: every write the code makes can be read back in order. */
	at(p, sizeof p, "cgroup.subtree_control");
	unlink(p);
	T_EQ_INT(mkfifo(p, 0644), 0);
	int rd = open(p, O_RDONLY | O_NONBLOCK);
	T_ASSERT(rd >= 0);
	int r = cgroups_delegate(base, enabled, sizeof enabled);
	t_drain(rd, written, sizeof written);
	close(rd);
	unlink(p);
	T_EQ_INT(r, 0);
	T_EQ_STR(enabled, "cpuset cpu io memory pids");
	T_EQ_STR(written, "+cpuset+cpu+io+memory+pids");
}

TEST(test_delegate_regular_file)
{
	char p[128], enabled[128];
	at(p, sizeof p, "cgroup.controllers");
	t_write(p, "memory pids");
	at(p, sizeof p, "cgroup.subtree_control");
	t_write(p, "");
	T_EQ_INT(cgroups_delegate(base, enabled, sizeof enabled), 0);
	T_EQ_STR(enabled, "memory pids");
	/* An empty controller list enables nothing and is not an error. */
	at(p, sizeof p, "cgroup.controllers");
	t_write(p, "");
	T_EQ_INT(cgroups_delegate(base, enabled, sizeof enabled), 0);
	T_EQ_STR(enabled, "");
}

TEST(test_delegate_write_failures_counted)
{
	char p[128], enabled[128];
	at(p, sizeof p, "cgroup.controllers");
	t_write(p, "cpu io memory\n");
	at(p, sizeof p, "cgroup.subtree_control");
	unlink(p);
	T_EQ_INT(cgroups_delegate(base, enabled, sizeof enabled), 3);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_EQ_STR(enabled, "");
	T_CONTAINS(logbuf, "warning: cgroups: enabling cpu: No such file or directory\n");
	T_CONTAINS(logbuf, "enabling memory:");
}

TEST(test_delegate_missing_controllers)
{
	char enabled[16] = "junk", p[128];
	at(p, sizeof p, "cgroup.controllers");
	unlink(p);
	T_EQ_INT(cgroups_delegate(base, enabled, sizeof enabled), -ENOENT);
	T_EQ_STR(enabled, "");
	T_EQ_INT(cgroups_delegate("/nonexistent/ekinit-cgroup", enabled, sizeof enabled), -ENOENT);
}

TEST(test_delegate_small_buffer)
{
	char p[128], enabled[8];
	at(p, sizeof p, "cgroup.controllers");
	t_write(p, "cpuset cpu io memory pids\n");
	at(p, sizeof p, "cgroup.subtree_control");
	t_write(p, "");
	T_EQ_INT(cgroups_delegate(base, enabled, sizeof enabled), 0);
	T_ASSERT(strlen(enabled) < sizeof enabled);
	T_ASSERT(!strncmp(enabled, "cpuset", 6));
}

int main(void)
{
	if (!t_tmpdir(base, sizeof base) || pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	ek_log_set_fd(logpipe[1]);
	T_RUN(test_delegate_enables_every_controller);
	T_RUN(test_delegate_regular_file);
	T_RUN(test_delegate_write_failures_counted);
	T_RUN(test_delegate_missing_controllers);
	T_RUN(test_delegate_small_buffer);
	t_rmtree(base);
	return T_END();
}
