/* ekinit's ReadyProbe= (the [X-Ekinit] section): how a service without a readiness protocol shows
 * that it is ready. */
#ifndef EK_UNIT_PROBE_H
#define EK_UNIT_PROBE_H

#include <stddef.h>

#include "unit.h"
#include "unit_name.h"

/* Parses tcp:HOST:PORT | http://HOST[:PORT][/PATH] | unix:/PATH | file:/PATH | exec:CMD into out
 * (which must be empty: kind UNIT_PROBE_NONE). Returns 0, or -EINVAL/-ENOMEM with err saying why. */
int unit_probe_parse(const char *value, const struct unit_spec_ctx *ctx, struct unit_probe *out,
		     const char *file, unsigned line, char *err, size_t errcap);

#endif
