#include "status.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "proc_status.h"
#include "timeline.h"

long status_self_rss_kib(void)
{
	return proc_self_status_kib("VmRSS");
}

void status_render_text(struct strbuf *sb, const struct ek_status *s)
{
	const char *kept[EK_WARN_KEEP];
	size_t nkept = ek_log_kept(kept);
	double done = timeline_complete_ms();

	sb_printf(sb, "state: %s\n", s->state);
	sb_printf(sb, "host: %s%s\n", s->hostname, s->container ? " (container mode)" : "");
	sb_printf(sb, "boot id: %s\n", s->boot_id);
	sb_printf(sb, "uptime: %.1f s\n", s->now_ms / 1000.0);
	if (done > 0)
		sb_printf(sb, "boot complete: %.3f s after kernel start\n", done / 1000.0);
	if (s->rss_kib >= 0)
		sb_printf(sb, "pid 1 memory: %ld KiB\n", s->rss_kib);
	sb_puts(sb, "\nboot timeline:\n");
	for (size_t i = 0; i < timeline_count(); i++) {
		const struct ek_event *e = timeline_event(i);
		sb_printf(sb, "  %9.3f  %-10s %-8s %8.1f ms  %s\n", e->start_ms / 1000.0, e->step,
			  timeline_result_name(e->result), e->duration_ms, e->detail);
	}
	if (ek_log_console_dropped())
		sb_printf(sb, "console lines dropped: %u (the console was stopped or slow)\n", ek_log_console_dropped());
	sb_printf(sb, "\nwarnings and errors: %u\n", ek_log_problem_count());
	for (size_t i = 0; i < nkept; i++)
		sb_printf(sb, "  %s\n", kept[i]);
}

void status_render_json(struct strbuf *sb, const struct ek_status *s)
{
	const char *kept[EK_WARN_KEEP];
	size_t nkept = ek_log_kept(kept);
	double done = timeline_complete_ms();

	sb_puts(sb, "{\"state\":");
	sb_json_str(sb, s->state);
	sb_puts(sb, ",\"hostname\":");
	sb_json_str(sb, s->hostname);
	sb_puts(sb, ",\"boot_id\":");
	sb_json_str(sb, s->boot_id);
	sb_printf(sb, ",\"container\":%s,\"uptime_ms\":%.3f", s->container ? "true" : "false", s->now_ms);
	if (done > 0)
		sb_printf(sb, ",\"complete_ms\":%.3f", done);
	else
		sb_puts(sb, ",\"complete_ms\":null");
	sb_printf(sb, ",\"pid1_rss_kib\":%ld,\"console_dropped\":%u,\"events\":", s->rss_kib,
		  ek_log_console_dropped());
	timeline_json_events(sb);
	sb_printf(sb, ",\"problems\":%u,\"warnings\":[", ek_log_problem_count());
	for (size_t i = 0; i < nkept; i++) {
		if (i)
			sb_putc(sb, ',');
		sb_json_str(sb, kept[i]);
	}
	sb_puts(sb, "]}\n");
}
