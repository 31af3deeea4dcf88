/* A boot step in a child process (step_child.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "step_child.h"

#include "log.h"
#include "log_console.h"
#include "signals.h"

/* What the child sends: "RESULT\nDETAIL\n" then its new kept warnings as ek_log_restore reads them
 * (hex, ';'-separated). At most 2 + 200 + 32 * 1 KiB: less than a pipe holds, so the child never
 * blocks on a PID 1 that reads only after reaping it. */
#define REPORT_MAX (64 + EK_DETAIL_MAX + EK_WARN_KEEP * (EK_LINE_MAX * 2 + 1))

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static _Noreturn void child_run(step_fn fn, struct boot_state *b, int fd)
{
	static char report[REPORT_MAX];
	char detail[EK_DETAIL_MAX] = "";
	/* A child must die on SIGTERM at shutdown, and a crash here is this child's, not PID 1's. */
	signals_reset_for_child();
	log_console_child_stdio();
	unsigned before = ek_log_problem_count();
	enum ek_result r = fn(b, detail, sizeof detail);
	if (r == EK_PENDING) /* a child step has no child of its own to wait for */
		r = EK_FAILED;
	detail[strcspn(detail, "\n")] = '\0';
	int len = snprintf(report, sizeof report, "%d\n%s\n", (int)r, detail);
	const char *kept[EK_WARN_KEEP];
	size_t n = ek_log_kept(kept), fresh = ek_log_problem_count() - before;
	for (size_t i = fresh < n ? n - fresh : 0; i < n && len < (int)sizeof report - 4; i++) {
		if (report[len - 1] != '\n')
			report[len++] = ';';
		for (const unsigned char *p = (const unsigned char *)kept[i]; *p && len < (int)sizeof report - 4; p++)
			len += snprintf(report + len, 3, "%02x", *p);
	}
	write_all(fd, report, (size_t)len);
	_exit(0);
}

pid_t step_child_start(step_fn fn, struct boot_state *b, int *fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		close(p[0]);
		child_run(fn, b, p[1]);
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

enum ek_result step_child_collect(int fd, int status, char *detail, size_t cap)
{
	static char report[REPORT_MAX + 1];
	size_t len = 0;
	ssize_t n;
	/* The child has exited: everything it wrote is in the pipe, and read ends at EOF. */
	while (len < REPORT_MAX && ((n = read(fd, report + len, REPORT_MAX - len)) > 0 || (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	close(fd);
	report[len] = '\0';
	char *nl1 = strchr(report, '\n'), *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
	char *end;
	long r = strtol(report, &end, 10);
	if (!nl2 || end != nl1 || r < EK_OK || r > EK_FAILED) {
		if (WIFSIGNALED(status))
			snprintf(detail, cap, "the step's process died of signal %d", WTERMSIG(status));
		else
			snprintf(detail, cap, "the step's process exited (%d) without a report", WEXITSTATUS(status));
		return EK_FAILED;
	}
	*nl2 = '\0';
	snprintf(detail, cap, "%s", nl1 + 1);
	if (nl2[1] && ek_log_restore(nl2 + 1) < 0)
		ek_warn("a boot step's warnings came back damaged; some are lost");
	return (enum ek_result)r;
}
