/* The boot steps in `ekctl analyze` (boot_analyze.h). */
#include <string.h>

#include "boot_analyze.h"

#include "timeline.h"

static double end_of(const struct ek_event *e)
{
	return e->result == EK_PENDING ? -1 : e->start_ms + e->duration_ms;
}

static bool in_child(const struct ekinit *ek, const char *step)
{
	for (size_t i = 0; i < ek->nsteps; i++)
		if (!strcmp(ek->steps[i].name, step))
			return ek->steps[i].in_child || ek->steps[i].done;
	return false;
}

/* The critical chain, last first: from the step that ended last, each time the step that ended
 * last before it started (what it waited for, by the table or by .after). */
static size_t critical_chain(size_t *chain, size_t max)
{
	size_t n = 0, cur = (size_t)-1;
	double last = -1;
	for (size_t i = 0; i < timeline_count(); i++)
		if (end_of(timeline_event(i)) > last) {
			last = end_of(timeline_event(i));
			cur = i;
		}
	while (cur != (size_t)-1 && n < max) {
		chain[n++] = cur;
		const struct ek_event *c = timeline_event(cur);
		size_t prev = (size_t)-1;
		double best = -1;
		for (size_t i = 0; i < timeline_count(); i++) {
			double e = end_of(timeline_event(i));
			if (i != cur && e >= 0 && e <= c->start_ms + 1 && e > best) {
				best = e;
				prev = i;
			}
		}
		cur = prev;
	}
	return n;
}

void boot_render_analyze(const struct ekinit *ek, struct strbuf *sb, bool json)
{
	size_t chain[EK_EVENTS_MAX];
	size_t nchain = critical_chain(chain, EK_EVENTS_MAX);
	if (json) {
		if (sb->len >= 2 && !strcmp(sb->buf + sb->len - 2, "}\n"))
			sb->len -= 2;
		sb_puts(sb, ",\"boot_steps\":[");
		for (size_t i = 0; i < timeline_count(); i++) {
			const struct ek_event *e = timeline_event(i);
			sb_puts(sb, i ? ",{\"step\":" : "{\"step\":");
			sb_json_str(sb, e->step);
			sb_printf(sb, ",\"start_ms\":%.3f,\"end_ms\":%.3f,\"in_child\":%s}", e->start_ms, end_of(e),
				  in_child(ek, e->step) ? "true" : "false");
		}
		sb_puts(sb, "],\"boot_critical_chain\":[");
		for (size_t i = nchain; i-- > 0;) {
			sb_json_str(sb, timeline_event(chain[i])->step);
			if (i)
				sb_putc(sb, ',');
		}
		sb_puts(sb, "]}\n");
		return;
	}
	sb_puts(sb, "boot steps (s since kernel start; [child]: ran beside the others):\n");
	for (size_t i = 0; i < timeline_count(); i++) {
		const struct ek_event *e = timeline_event(i);
		if (end_of(e) < 0)
			sb_printf(sb, "  %8.3f → running   %s%s\n", e->start_ms / 1000, e->step,
				  in_child(ek, e->step) ? " [child]" : "");
		else
			sb_printf(sb, "  %8.3f → %8.3f  %s%s\n", e->start_ms / 1000, end_of(e) / 1000, e->step,
				  in_child(ek, e->step) ? " [child]" : "");
	}
	sb_puts(sb, "boot critical chain:");
	for (size_t i = nchain; i-- > 0;)
		sb_printf(sb, " %s%s", timeline_event(chain[i])->step, i ? " →" : "\n");
	if (!nchain)
		sb_putc(sb, '\n');
}
