#include "fatal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console_shell.h"
#include "sys.h"

/* Only async-signal-safe calls from here on: this runs inside a crash handler too. */
static void say(const char *a, const char *b)
{
	ssize_t w = write(2, a, strlen(a));
	if (b)
		w = write(2, b, strlen(b));
	(void)w;
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
	for (int i = EK_FATAL_COUNTDOWN; i > 0; i--) {
		char n[32] = "ekinit: reboot in ";
		size_t l = strlen(n);
		if (i >= 10)
			n[l++] = (char)('0' + i / 10);
		n[l++] = (char)('0' + i % 10);
		n[l] = '\0';
		say(n, " s\n");
		sleep(1); /* a countdown for the human watching, not synchronisation */
	}
	sync();
	ek_sys.reboot(RB_AUTOBOOT);
	say("ekinit: reboot(2) failed; halting here\n", NULL);
	for (;;)
		pause();
}

_Noreturn void ek_fatal(const char *why)
{
	say("ekinit: FATAL: ", why);
	say("\n", NULL);
	last_resort();
}

static void on_crash(int sig)
{
	say("ekinit: FATAL: PID 1 crashed with signal ", sig == SIGSEGV ? "SEGV" : sig == SIGBUS ? "BUS"
							  : sig == SIGILL  ? "ILL"
							  : sig == SIGFPE  ? "FPE"
									   : "ABRT");
	say("\n", NULL);
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
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}
