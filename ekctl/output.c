/* Reply printing (output.h). */
#include "output.h"

#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "client.h"

static char reply[EK_REPLY_MAX + 1];

static void put_body(FILE *f, const char *body)
{
	size_t n = strlen(body);
	fputs(body, f);
	if (n && body[n - 1] != '\n')
		fputc('\n', f);
}

enum ekc_reply ekc_print_reply(const char *prog, const char *verb, const char *r)
{
	const char *body;
	enum ekc_reply k = ekc_reply_kind(r, &body);
	if (k == EKC_OK) {
		put_body(stdout, body);
	} else {
		fprintf(stderr, "%s: %s: ", prog, verb);
		put_body(stderr, body);
	}
	return k;
}

int ekc_pass(const char *prog, const char *verb, const char *a, const char *b)
{
	char err[256];
	if (ekc_call2(verb, a, b, reply, sizeof reply, err, sizeof err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	return (int)ekc_print_reply(prog, verb, reply);
}
