/* A boot step in a child process: its result, detail and warnings come back to PID 1's side; a
 * child that dies without a report fails the step. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "log.h"
#include "step_child.h"

static int logpipe[2];
static char logbuf[8192];

static enum ek_result warns_and_fails(struct boot_state *b, char *detail, size_t cap)
{
	ek_warn("from the child: %s", b->hostname);
	ek_warn("second warning");
	snprintf(detail, cap, "3 of 4 done\nsecond line dropped");
	return EK_FAILED;
}

static enum ek_result quiet_ok(struct boot_state *b, char *detail, size_t cap)
{
	(void)b;
	snprintf(detail, cap, "all fine");
	return EK_OK;
}

/* A library's own message (libkmod writes its errors to stderr) in a step's child. */
static enum ek_result writes_to_stderr(struct boot_state *b, char *detail, size_t cap)
{
	(void)b;
	fputs("libfoo: a stray message\n", stderr);
	fflush(stderr);
	snprintf(detail, cap, "done");
	return EK_OK;
}

static enum ek_result dies(struct boot_state *b, char *detail, size_t cap)
{
	(void)b;
	(void)detail;
	(void)cap;
	raise(SIGKILL);
	return EK_OK;
}

static enum ek_result run(step_fn fn, struct boot_state *b, int *status, char *detail, size_t cap)
{
	int fd = -1;
	pid_t pid = step_child_start(fn, b, &fd);
	if (pid <= 0 || fd < 0)
		return (enum ek_result)-1;
	if (waitpid(pid, status, 0) != pid)
		return (enum ek_result)-2;
	enum ek_result r = step_child_collect(fd, *status, detail, cap);
	/* The read end is closed by collect. */
	if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
		return (enum ek_result)-3;
	return r;
}

TEST(test_result_detail_and_warnings_come_back)
{
	static struct boot_state b;
	char detail[EK_DETAIL_MAX];
	int status;
	snprintf(b.hostname, sizeof b.hostname, "node1");
	unsigned before = ek_log_problem_count();
	T_EQ_INT(run(warns_and_fails, &b, &status, detail, sizeof detail), EK_FAILED);
	T_EQ_STR(detail, "3 of 4 done");
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_CONTAINS(logbuf, "ekinit: warning: from the child: node1\n"); /* printed by the child */
	const char *kept[EK_WARN_KEEP];
	size_t n = ek_log_kept(kept);
	T_ASSERT(n >= 2);
	T_EQ_STR(kept[n - 2], "warning: from the child: node1");
	T_EQ_STR(kept[n - 1], "warning: second warning");
	T_EQ_INT(ek_log_problem_count() - before, 2);
}

TEST(test_ok_without_warnings)
{
	static struct boot_state b;
	char detail[EK_DETAIL_MAX];
	int status;
	unsigned before = ek_log_problem_count();
	T_EQ_INT(run(quiet_ok, &b, &status, detail, sizeof detail), EK_OK);
	T_EQ_STR(detail, "all fine");
	T_EQ_INT(ek_log_problem_count(), before);
}

TEST(test_a_dead_child_fails_the_step)
{
	static struct boot_state b;
	char detail[EK_DETAIL_MAX];
	int status;
	T_EQ_INT(run(dies, &b, &status, detail, sizeof detail), EK_FAILED);
	T_EQ_STR(detail, "the step's process died of signal 9");
}

/* On the console PID 1's lines go through a non-blocking description of its own, while fd 2 is
 * the kernel's blocking one: a step's child (which PID 1 may wait for) writes its stdout and
 * stderr where the log goes, so a stopped console cannot block it. */
TEST(test_stray_output_goes_where_the_log_goes)
{
	static struct boot_state b;
	char detail[EK_DETAIL_MAX];
	int status;
	T_EQ_INT(run(writes_to_stderr, &b, &status, detail, sizeof detail), EK_OK);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_CONTAINS(logbuf, "libfoo: a stray message\n");
}

int main(void)
{
	if (pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	ek_log_set_fd(logpipe[1]);
	T_RUN(test_result_detail_and_warnings_come_back);
	T_RUN(test_ok_without_warnings);
	T_RUN(test_a_dead_child_fails_the_step);
	T_RUN(test_stray_output_goes_where_the_log_goes);
	return T_END();
}
