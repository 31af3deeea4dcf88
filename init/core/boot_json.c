/* boot.json (boot_json.h). */
#include <errno.h>
#include <string.h>

#include "boot_json.h"

#include "log.h"
#include "strbuf.h"
#include "timeline.h"

/* boot.json: the steps, plus each service's start and ready times once services settled. */
void boot_json_write(struct ekinit *ek)
{
	static char extra[48 * 1024];
	struct strbuf sb;
	sb_init(&sb, extra, sizeof extra);
	sb_printf(&sb, ",\"services_settled_ms\":");
	if (ek->services_settled)
		sb_printf(&sb, "%.3f", ek->svc_settled_ms);
	else
		sb_puts(&sb, "null");
	sb_puts(&sb, ",\"services\":[");
	for (size_t i = 0, k = 0; i < ek->svc.n; i++) {
		struct svc *s = &ek->svc.v[i];
		if (s->is_target)
			continue;
		sb_puts(&sb, k++ ? ",{\"name\":" : "{\"name\":");
		sb_json_str(&sb, s->name);
		sb_printf(&sb, ",\"state\":\"%s\",\"start_ms\":%.3f,\"ready_ms\":%.3f}", svc_state_name(s->state),
			  s->start_ms, s->ready_ms);
	}
	sb_putc(&sb, ']');
	int r = sb.truncated ? -E2BIG : timeline_write_json_with(EK_BOOT_JSON, ek->boot_id, extra);
	if (r < 0)
		ek_warn("%s: %s", EK_BOOT_JSON, strerror(-r));
}
