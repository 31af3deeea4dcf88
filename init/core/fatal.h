/* The last resort. PID 1 must never exit (the kernel would panic), so a fatal internal error or a
 * crash prints why, offers the console shell when allowed, then reboots after a visible countdown. */
#ifndef EK_FATAL_H
#define EK_FATAL_H

#define EK_FATAL_COUNTDOWN 10

void fatal_install_crash_handlers(void);
/* Never returns. */
_Noreturn void ek_fatal(const char *why);

#endif
