/* sd_notify for the stages: READY=1 and STATUS= lines to $NOTIFY_SOCKET (ekinit shows STATUS in
 * `ekctl status`). Without NOTIFY_SOCKET (a workstation run) it does nothing. */
#ifndef STAGES_NOTIFY_H
#define STAGES_NOTIFY_H

int notify_send(const char *msg); /* 0, or -errno */

/* Prints "ek-join: TEXT" (prog's name) on stdout and sends STATUS=TEXT. */
void notify_status(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
