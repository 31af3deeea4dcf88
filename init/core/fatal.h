/* The last resort. PID 1 must never exit (the kernel would panic), so a fatal internal error or a
 * crash prints why, offers the console shell when allowed, then reboots after a visible countdown. */
#ifndef EK_FATAL_H
#define EK_FATAL_H

#define EK_FATAL_COUNTDOWN 10
#define EK_FATAL_SYNC_MS 5000

/* Seconds of countdown and how long sync(2) may take before the reboot goes ahead without it
 * (a dead NFS server blocks sync forever). Variables so tests can shorten them. */
extern int ek_fatal_countdown;
extern int ek_fatal_sync_ms;

void fatal_install_crash_handlers(void);
/* Never returns. */
_Noreturn void ek_fatal(const char *why);

#endif
