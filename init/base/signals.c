#include "signals.h"

#include <errno.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>

#include "sys.h"

static const int managed[] = {SIGCHLD, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGPWR, SIGHUP};

int signals_setup(void)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof managed / sizeof managed[0]; i++)
		sigaddset(&set, managed[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	/* Ctrl-Alt-Del: the kernel then signals SIGINT instead of rebooting on the spot. In a PID
	 * namespace this is refused (EINVAL) and harmless. */
	ek_sys.reboot(RB_DISABLE_CAD);
	signal(SIGPIPE, SIG_IGN);
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void signals_reset_for_child(void)
{
	sigset_t none;
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
