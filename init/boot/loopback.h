#ifndef EK_LOOPBACK_H
#define EK_LOOPBACK_H
/* Brings "lo" up; the kernel then assigns 127.0.0.1 and ::1 itself. Returns 0 or -errno. */
int loopback_up(void);
#endif
