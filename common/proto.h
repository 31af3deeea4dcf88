/* The control protocol between ekctl and PID 1.
 *
 * Transport: a SOCK_SEQPACKET unix socket at EK_CONTROL_PATH, so message boundaries come for free.
 * A request is one message of text: a verb and up to EK_MAX_ARGS arguments separated by single spaces.
 * The reply is one message: "ok\n" or "error\n" followed by a body (text or JSON).
 * Everything that arrives on the socket is validated here before PID 1 acts on it. */
#ifndef EK_PROTO_H
#define EK_PROTO_H

#include <stddef.h>

#define EK_CONTROL_DIR "/run/ekinit"
#define EK_CONTROL_PATH EK_CONTROL_DIR "/control"
#define EK_REQUEST_MAX 1024
/* A reply is one message of at most EK_REPLY_MAX bytes. PID 1 renders into EK_REPLY_FIRST bytes
 * and, for a read-only request whose reply did not fit (status --json of hundreds of units), renders
 * again into a larger buffer for that reply only: a reply is whole or an error, never cut. */
#define EK_REPLY_FIRST (64 * 1024)
#define EK_REPLY_MAX (4 * 1024 * 1024)
#define EK_MAX_ARGS 4
#define EK_ARG_MAX 128

enum ek_verb {
	EK_VERB_STATUS,   /* status [--json] | status NAME [--json] */
	EK_VERB_REBOOT,
	EK_VERB_POWEROFF,
	EK_VERB_HALT,
	EK_VERB_START,    /* start NAME */
	EK_VERB_STOP,     /* stop NAME */
	EK_VERB_RESTART,  /* restart NAME */
	EK_VERB_RELOAD,   /* reload NAME */
	EK_VERB_ENABLE,   /* enable NAME: for this boot (ekctl --now sends a start after it) */
	EK_VERB_DISABLE,  /* disable NAME [--now] */
	EK_VERB_STATE,    /* state NAME: one word (active, inactive, failed, ...) and enabled/disabled */
	EK_VERB_LIST,     /* list [--json]: every unit */
	EK_VERB_LOGS,     /* logs NAME [N] */
	EK_VERB_ANALYZE,  /* analyze [--json]: blame and critical chain */
	EK_VERB_RELOAD_UNITS, /* daemon-reload */
};

/* A failed request's reply body starts with one of these words and a colon, so that clients (the
 * systemctl shim) can map it to an exit status. */
#define EK_ERR_NOT_FOUND "not-found"
#define EK_ERR_INVALID "invalid"
#define EK_ERR_FAILED "failed"

struct ek_request {
	enum ek_verb verb;
	int argc;
	char argv[EK_MAX_ARGS][EK_ARG_MAX];
};

/* Parses a request of len bytes (not NUL-terminated). Returns 0, or -EINVAL with a reason in err. */
int proto_parse_request(const char *msg, size_t len, struct ek_request *req, char *err, size_t errlen);
/* Formats a request into out (NUL-terminated); returns its length or -EINVAL/-ENAMETOOLONG. */
int proto_format_request(char *out, size_t cap, const char *verb, int argc, char *const argv[]);
const char *proto_verb_name(enum ek_verb verb);

#endif
