#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int run_cmd(char *const argv[], int timeout_ms, char *out, size_t cap, struct run_result *res, char *err,
	    size_t errlen)
{
	int p[2] = {-1, -1};
	memset(res, 0, sizeof *res);
	if (out && pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		snprintf(err, errlen, "fork: %s", strerror(e));
		if (out)
			close(p[0]), close(p[1]);
		return -e;
	}
	if (pid == 0) {
		setpgid(0, 0);
		if (out)
			dup2(p[1], 1);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid); /* both sides: whichever runs first */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (out)
		close(p[1]);
	long long deadline = now_ms() + timeout_ms;
	bool exited = false;
	int status = 0;
	while (!exited) {
		struct pollfd fds[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = out ? p[0] : -1, .events = POLLIN}};
		long long left = deadline - now_ms();
		if (left <= 0) {
			res->timed_out = true;
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		/* Without pidfd (old kernels) fall back to a short wait per turn. */
		int pr = poll(fds, 2, pidfd >= 0 ? (int)left : (int)(left < 50 ? left : 50));
		if (pr < 0 && errno != EINTR)
			break;
		if (fds[1].fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
			char chunk[4096];
			ssize_t n = read(p[0], chunk, sizeof chunk);
			if (n <= 0) {
				close(p[0]);
				p[0] = -1;
			} else {
				size_t room = cap - 1 - res->len, take = (size_t)n < room ? (size_t)n : room;
				memcpy(out + res->len, chunk, take);
				res->len += take;
				res->truncated |= take < (size_t)n;
			}
		}
		if ((pidfd < 0 || (fds[0].revents & POLLIN)) && waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
	}
	/* What the program printed just before it exited is still in the pipe. */
	while (out && p[0] >= 0) {
		char chunk[4096];
		int ready = poll(&(struct pollfd){.fd = p[0], .events = POLLIN}, 1, 0);
		ssize_t n = ready > 0 ? read(p[0], chunk, sizeof chunk) : 0;
		if (n <= 0)
			break;
		size_t room = cap - 1 - res->len, take = (size_t)n < room ? (size_t)n : room;
		memcpy(out + res->len, chunk, take);
		res->len += take;
		res->truncated |= take < (size_t)n;
	}
	if (out) {
		out[res->len] = '\0';
		if (p[0] >= 0)
			close(p[0]);
	}
	if (pidfd >= 0)
		close(pidfd);
	res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (res->timed_out)
		res->exit_code = 128 + SIGKILL;
	return 0;
}
