#include "fatal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "console_shell.h"
#include "log.h"
#include "sys.h"

int ek_fatal_countdown = EK_FATAL_COUNTDOWN;
int ek_fatal_sync_ms = EK_FATAL_SYNC_MS;

/* Only async-signal-safe calls from here on: this runs inside a crash handler too. */
/* One writev for the whole line (async-signal-safe): written in pieces, a console shell's prompt
 * could land in the middle of "crashed with signal SEGV" (seen in the crash scenario). It goes
 * where the log's lines go: on the console that is PID 1's own non-blocking description, not fd 2,
 * which is blocking (the processes PID 1 starts share it) and would hang the crash path on a
 * stopped console. A busy one gets a short grace, once per line. */
static void say3(const char *a, const char *b, const char *c)
{
	struct iovec iov[3];
	int n = 0;
	const char *parts[3] = {a, b, c};
	for (int i = 0; i < 3; i++)
		if (parts[i])
			iov[n++] = (struct iovec){.iov_base = (void *)parts[i], .iov_len = strlen(parts[i])};
	int fd = ek_log_fd();
	ssize_t w = writev(fd, iov, n);
	if (w < 0 && errno == EAGAIN) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, 100) > 0)
			w = writev(fd, iov, n);
	}
	(void)w;
}

static void say(const char *a, const char *b)
{
	say3(a, b, NULL);
}

/* sync(2) in a child, waited for at most ek_fatal_sync_ms: on a node whose NFS server is gone,
 * sync never returns, and the reboot must not wait for it. A raw clone, not glibc's fork(): after
 * a crash inside malloc, fork's handlers could deadlock on its locks. */
static void sync_with_deadline(void)
{
	pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		ek_sys.sync();
		_exit(0);
	}
	if (pid < 0) {
		say("ekinit: cannot fork for sync; rebooting without it\n", NULL);
		return;
	}
	for (int waited = 0; waited < ek_fatal_sync_ms; waited += 50) {
		pid_t p = waitpid(pid, NULL, WNOHANG);
		if (p == pid || (p < 0 && errno != EINTR))
			return;
		struct timespec ts = {.tv_nsec = 50 * 1000000L}; /* polling a child under a deadline */
		nanosleep(&ts, NULL);
	}
	say("ekinit: sync did not finish in time; rebooting without it\n", NULL);
}

static _Noreturn void last_resort(void)
{
	if (ek_shell_allowed) {
		/* A console shell may already run: hang it up so only one shell reads the console. */
		if (ek_console_sid > 0)
			kill(-ek_console_sid, SIGHUP);
		say("ekinit: starting a console shell; exit it to reboot\n", NULL);
		pid_t pid = console_shell_spawn(ek_console_path);
		pid_t p = 0;
		while (pid > 0 && p != pid && !(p < 0 && errno != EINTR))
			p = waitpid(-1, NULL, 0);
	}
	for (int i = ek_fatal_countdown; i > 0; i--) {
		char n[32] = "ekinit: reboot in ";
		size_t l = strlen(n);
		if (i >= 10)
			n[l++] = (char)('0' + i / 10);
		n[l++] = (char)('0' + i % 10);
		n[l] = '\0';
		say(n, " s\n");
		sleep(1); /* a countdown for the human watching, not synchronisation */
	}
	sync_with_deadline();
	ek_sys.reboot(RB_AUTOBOOT);
	say("ekinit: reboot(2) failed; halting here\n", NULL);
	for (;;)
		pause();
}

_Noreturn void ek_fatal(const char *why)
{
	say3("ekinit: FATAL: ", why, "\n");
	last_resort();
}

static void on_crash(int sig)
{
	say3("ekinit: FATAL: PID 1 crashed with signal ", sig == SIGSEGV ? "SEGV" : sig == SIGBUS ? "BUS"
							       : sig == SIGILL  ? "ILL"
							       : sig == SIGFPE  ? "FPE"
										: "ABRT", "\n");
	last_resort();
}

void fatal_install_crash_handlers(void)
{
	static char altstack[16384];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_crash;
	/* No SA_NODEFER, and every crash signal blocked while the handler runs: a crash inside the
	 * handler must not recurse on the alternate stack. The kernel then ends PID 1 (a panic, which
	 * reboots with panic=N) rather than the node hanging in a loop. */
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}
