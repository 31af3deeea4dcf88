/* The system-call seam: the calls whose effects unit tests must observe or forbid go through this
 * table, so a test can swap in fakes without touching the kernel (dinit's baseproc-sys idea).
 * Everything else is called directly. */
#ifndef EK_SYS_H
#define EK_SYS_H

#include <sys/types.h>

struct ek_sys {
	int (*mount)(const char *src, const char *target, const char *fstype, unsigned long flags,
		     const void *data);
	int (*umount2)(const char *target, int flags);
	int (*reboot)(int cmd);
	void (*sync)(void);
	int (*kill)(pid_t pid, int sig);
	/* Milliseconds since the kernel started (CLOCK_BOOTTIME). */
	double (*now_ms)(void);
};

extern struct ek_sys ek_sys;

#endif
