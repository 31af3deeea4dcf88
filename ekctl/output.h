/* Printing PID 1's replies the same way in every verb. */
#ifndef EK_EKCTL_OUTPUT_H
#define EK_EKCTL_OUTPUT_H

#include "mapping.h"

/* Prints an ok reply's body on stdout (with a final newline), an error's on stderr prefixed
 * "PROG: VERB: ". Returns the reply's kind. */
enum ekc_reply ekc_print_reply(const char *prog, const char *verb, const char *reply);

/* Sends a request and prints its reply. Returns the reply's kind, or -1 (message printed) when
 * PID 1 could not be reached or the request is not valid. */
int ekc_pass(const char *prog, const char *verb, const char *a, const char *b);

#endif
