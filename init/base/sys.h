/* The system-call seam: the calls whose effects unit tests must observe or forbid go through this
 * table, so a test can swap in fakes without touching the kernel (dinit's baseproc-sys idea).
 * Everything else is called directly. */
#ifndef EK_SYS_H
#define EK_SYS_H

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

struct ek_sys {
	int (*mount)(const char *src, const char *target, const char *fstype, unsigned long flags,
		     const void *data);
	int (*umount2)(const char *target, int flags);
	int (*reboot)(int cmd);
	void (*sync)(void);
	int (*kill)(pid_t pid, int sig);
	/* Milliseconds since the kernel started (CLOCK_BOOTTIME). */
	double (*now_ms)(void);
	/* fork, then child(arg) in the child, which must not return (it execs or _exits). Returns the
	 * child's pid, or -1 with errno. A fake records arg and returns a made-up pid. */
	pid_t (*spawn)(void (*child)(void *arg), void *arg);
	pid_t (*waitpid)(pid_t pid, int *status, int options);
	int (*waitid)(idtype_t type, id_t id, siginfo_t *info, int options);
	/* A pidfd for pid (close-on-exec), or -1 with errno. */
	int (*pidfd_open)(pid_t pid);
	int (*pidfd_send_signal)(int pidfd, int sig);
	/* open(2) of files that describe processes (/proc/PID/..., cgroup.procs, PIDFile=), and of the
	 * console for PID 1's own log description (log_console.c). */
	int (*open)(const char *path, int flags, mode_t mode);
};

extern struct ek_sys ek_sys;

#endif
