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
#define EK_REPLY_MAX (64 * 1024)
#define EK_MAX_ARGS 4
#define EK_ARG_MAX 128

enum ek_verb {
	EK_VERB_STATUS,
	EK_VERB_REBOOT,
	EK_VERB_POWEROFF,
	EK_VERB_HALT,
};

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
