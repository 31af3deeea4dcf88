/* The control socket PID 1 serves to ekctl: a SOCK_SEQPACKET unix socket, root only (checked with
 * SO_PEERCRED), non-blocking throughout so a stuck or hostile client cannot stall PID 1. */
#ifndef EK_CONTROL_H
#define EK_CONTROL_H

#include <sys/types.h>

#include "proto.h"
#include "strbuf.h"

#define EK_CONTROL_CLIENTS 16
/* A client must send its request this soon after connecting (ekctl sends at once): an idle client
 * would otherwise hold one of the few slots forever, and 16 of them would lock everybody out. */
#define EK_CONTROL_DEADLINE_MS 5000

/* Executes a parsed request; writes the reply body into out and returns 0 (ok) or -1 (error). */
typedef int (*control_handler)(const struct ek_request *req, struct strbuf *out, void *ctx);

struct control {
	int listen_fd;
	int epoll_fd;
	int clients[EK_CONTROL_CLIENTS];
	pid_t client_pid[EK_CONTROL_CLIENTS]; /* from SO_PEERCRED, to name the peer in messages */
	double client_deadline[EK_CONTROL_CLIENTS]; /* ek_sys.now_ms() by which its request must arrive */
	control_handler handler;
	void *ctx;
};

/* Creates the socket at path and registers it with epoll_fd (data.fd = the socket). */
int control_open(struct control *c, const char *path, int epoll_fd, control_handler h, void *ctx);
/* Call when fd from epoll belongs to the control server; returns 1 if it did, 0 otherwise. */
int control_event(struct control *c, int fd);
/* Drops the clients whose request did not arrive by their deadline. Returns the ms until the next
 * deadline (for the loop's epoll timeout), -1 when no client is waiting. */
int control_expire(struct control *c);

#endif
