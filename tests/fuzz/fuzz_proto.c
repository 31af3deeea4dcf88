/* libFuzzer target: everything a client can send to PID 1's control socket goes through
 * proto_parse_request first. It must never crash, read out of bounds or accept a request that does
 * not format back to itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ek_request req;
	char err[128];
	if (proto_parse_request((const char *)data, size, &req, err, sizeof err) < 0)
		return 0;
	/* Accepted: the words must round-trip exactly. */
	char *argv[EK_MAX_ARGS];
	for (int i = 0; i < req.argc; i++)
		argv[i] = req.argv[i];
	char out[EK_REQUEST_MAX + 1];
	int len = proto_format_request(out, sizeof out, proto_verb_name(req.verb), req.argc, argv);
	if (len < 0 || (size_t)len != size || memcmp(out, data, size) != 0)
		abort();
	return 0;
}
