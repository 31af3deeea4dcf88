/* sd_notify (svc_notify.c): the socket every service reports to, a datagram read and its sender
 * identified, and the message decoded into a value the state machine applies (svc_run.c). */
#ifndef EK_SVC_NOTIFY_H
#define EK_SVC_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "svc.h"

#define SVC_NOTIFY_STATUS_MAX 128

/* What one datagram says, as far as ekinit acts on it. When a key is repeated, the last wins. */
struct svc_notify {
	bool ready;                 /* READY=1 */
	bool has_status;            /* STATUS=: printable ASCII, anything else as '?', truncated */
	char status[SVC_NOTIFY_STATUS_MAX];
	bool has_mainpid;           /* MAINPID= */
	pid_t mainpid;              /* > 1 when the value is a PID; 0 when it is not */
	char mainpid_text[24];      /* the value as sent (truncated), for the refusal message */
	bool has_extend;            /* EXTEND_TIMEOUT_USEC= with a number */
	uint64_t extend_usec;
	unsigned ignored;           /* known keys ekinit does not act on (STOPPING=1, WATCHDOG=1, ...) */
	unsigned unknown;           /* lines that are none of the above */
	char first_unknown[64];
};

/* Decodes a NUL-terminated datagram of KEY=VALUE lines. Pure: no state, no system calls. */
void svc_notify_parse(const char *msg, struct svc_notify *out);

/* Binds m->notify_path (world-writable; senders are told apart by their credentials) and
 * registers it in epoll; 0 or -errno (reported: Type=notify units cannot become ready). */
int svc_notify_open(struct svcmgr *m);
/* Reads one datagram. 1: *who sent it (by SCM_CREDENTIALS: a main process, or a process in the
 * service's cgroup), decoded into *msg; -1: one was dropped (no credentials, too long, a NUL byte,
 * a sender that belongs to no service); 0: none is waiting. Passed descriptors are closed. */
int svc_notify_recv(struct svcmgr *m, struct svc **who, struct svc_notify *msg, pid_t *sender);

#endif
