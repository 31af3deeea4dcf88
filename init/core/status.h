/* What `ekctl status` shows: PID 1's state, the boot timeline and the warnings so far, as text for
 * people and as JSON for scripts and tests. */
#ifndef EK_STATUS_H
#define EK_STATUS_H

#include <stdbool.h>

#include "strbuf.h"

struct ek_status {
	const char *state; /* booting, running, stopping */
	const char *boot_id;
	const char *hostname;
	bool container;
	double now_ms;
	long rss_kib; /* PID 1's resident memory, -1 if unknown */
};

void status_render_text(struct strbuf *sb, const struct ek_status *s);
void status_render_json(struct strbuf *sb, const struct ek_status *s);
/* VmRSS of /proc/self/status in KiB, or -1. */
long status_self_rss_kib(void);

#endif
