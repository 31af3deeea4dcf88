/* What ekctl shows about services: the list, one unit in detail, and `analyze` (blame: how long
 * each start took; critical chain: what the last service to become ready waited for). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_internal.h"
#include "sys.h"

static void json_service(struct svcmgr *m, struct svc *s, struct strbuf *sb)
{
	sb_puts(sb, "{\"name\":");
	sb_json_str(sb, s->name);
	sb_printf(sb, ",\"state\":\"%s\",\"active\":\"%s\",\"enabled\":%s,\"target\":%s,\"pid\":%d", svc_state_name(s->state),
		  svc_active_word(s), s->enabled ? "true" : "false", s->is_target ? "true" : "false", (int)s->main_pid);
	sb_printf(sb, ",\"since_ms\":%.3f,\"start_ms\":%.3f,\"ready_ms\":%.3f,\"restarts\":%u", s->since_ms, s->start_ms,
		  s->ready_ms, s->restarts);
	sb_printf(sb, ",\"memory_bytes\":%lld,\"tasks\":%lld", s->is_target ? -1 : svc_cgroup_read_ll(m, s, "memory.current"),
		  s->is_target ? -1 : svc_cgroup_read_ll(m, s, "pids.current"));
	sb_puts(sb, ",\"why\":");
	sb_json_str(sb, s->why);
	sb_puts(sb, ",\"status_text\":");
	sb_json_str(sb, s->status_text);
	sb_puts(sb, ",\"description\":");
	sb_json_str(sb, s->loaded && s->u.description ? s->u.description : "");
	sb_printf(sb, ",\"warnings\":%u,\"errors\":%u}", s->diag.warnings, s->diag.errors);
}

void svcmgr_render_list(struct svcmgr *m, struct strbuf *sb, bool json)
{
	if (json) {
		sb_putc(sb, '[');
		for (size_t i = 0; i < m->n; i++) {
			if (i)
				sb_putc(sb, ',');
			json_service(m, &m->v[i], sb);
		}
		sb_putc(sb, ']');
		return;
	}
	sb_printf(sb, "%-32s %-10s %-12s %7s %8s  %s\n", "UNIT", "STATE", "ACTIVE", "PID", "RESTARTS", "WHY");
	for (size_t i = 0; i < m->n; i++) {
		struct svc *s = &m->v[i];
		sb_printf(sb, "%-32s %-10s %-12s %7d %8u  %s\n", s->name, svc_state_name(s->state), svc_active_word(s),
			  (int)s->main_pid, s->restarts, s->why);
	}
}

void svcmgr_render_one(struct svcmgr *m, struct svc *s, struct strbuf *sb, bool json)
{
	if (json) {
		/* The service object plus its last log lines. */
		json_service(m, s, sb);
		sb->len--; /* reopen the object */
		sb->buf[sb->len] = '\0';
		char tail[4096];
		struct strbuf t;
		sb_init(&t, tail, sizeof tail);
		svcmgr_log_tail(m, s->name, 10, &t);
		sb_puts(sb, ",\"log\":[");
		int first = 1;
		for (char *save, *l = strtok_r(tail, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			if (!first)
				sb_putc(sb, ',');
			sb_json_str(sb, l);
			first = 0;
		}
		sb_puts(sb, "]}\n");
		return;
	}
	double now = ek_sys.now_ms();
	if (s->loaded && s->u.description)
		sb_printf(sb, "%s - %s\n", s->name, s->u.description);
	else
		sb_printf(sb, "%s\n", s->name);
	if (s->loaded)
		sb_printf(sb, "  loaded: %s%s\n", s->u.path ? s->u.path : "?", s->enabled ? " (enabled)" : "");
	else if (s->load_error[0])
		sb_printf(sb, "  loaded: no: %s\n", s->load_error);
	sb_printf(sb, "  state: %s (%s) for %.1f s\n", svc_state_name(s->state), svc_active_word(s), (now - s->since_ms) / 1000.0);
	if (s->why[0])
		sb_printf(sb, "  why: %s\n", s->why);
	if (s->main_pid > 0)
		sb_printf(sb, "  main pid: %d\n", (int)s->main_pid);
	if (s->status_text[0])
		sb_printf(sb, "  status: %s\n", s->status_text);
	sb_printf(sb, "  restarts: %u\n", s->restarts);
	long long mem = svc_cgroup_read_ll(m, s, "memory.current"), tasks = svc_cgroup_read_ll(m, s, "pids.current");
	if (mem >= 0)
		sb_printf(sb, "  memory: %.1f MiB\n", (double)mem / 1048576.0);
	if (tasks >= 0)
		sb_printf(sb, "  tasks: %lld\n", tasks);
	for (size_t i = 0; i < s->diag.n; i++)
		sb_printf(sb, "  %s: %s\n", s->diag.msg[i].error ? "error" : "warning", s->diag.msg[i].text);
	sb_puts(sb, "  last log lines:\n");
	svcmgr_log_tail(m, s->name, 10, sb);
}

static int by_duration(const void *a, const void *b)
{
	const struct svc *x = *(struct svc *const *)a, *y = *(struct svc *const *)b;
	double dx = x->ready_ms - x->start_ms, dy = y->ready_ms - y->start_ms;
	return dx < dy ? 1 : dx > dy ? -1 : strcmp(x->name, y->name);
}

void svcmgr_render_analyze(struct svcmgr *m, struct strbuf *sb, bool json)
{
	struct svc **v = calloc(m->n ? m->n : 1, sizeof *v);
	size_t n = 0;
	if (!v) {
		sb_puts(sb, "out of memory");
		return;
	}
	for (size_t i = 0; i < m->n; i++)
		if (!m->v[i].is_target && m->v[i].ready_ms > 0)
			v[n++] = &m->v[i];
	qsort(v, n, sizeof *v, by_duration);
	/* Critical chain: from the service that became ready last, follow the dependency that became
	 * ready last before it started. */
	struct svc *chain[64];
	size_t nchain = 0;
	struct svc *last = NULL;
	for (size_t i = 0; i < n; i++)
		if (!last || v[i]->ready_ms > last->ready_ms)
			last = v[i];
	for (struct svc *c = last; c && nchain < 64;) {
		chain[nchain++] = c;
		struct svc *next = NULL;
		for (size_t k = 0; k < c->nafter; k++) {
			struct svc *d = &m->v[c->after[k]];
			if (d->ready_ms > 0 && d->ready_ms <= c->start_ms + 1 && (!next || d->ready_ms > next->ready_ms))
				next = d;
		}
		c = next;
	}
	if (json) {
		sb_puts(sb, "{\"blame\":[");
		for (size_t i = 0; i < n; i++) {
			sb_puts(sb, i ? ",{\"name\":" : "{\"name\":");
			sb_json_str(sb, v[i]->name);
			sb_printf(sb, ",\"start_ms\":%.3f,\"ready_ms\":%.3f}", v[i]->start_ms, v[i]->ready_ms);
		}
		sb_puts(sb, "],\"critical_chain\":[");
		for (size_t i = 0; i < nchain; i++) {
			if (i)
				sb_putc(sb, ',');
			sb_json_str(sb, chain[i]->name);
		}
		sb_puts(sb, "]}\n");
	} else {
		sb_puts(sb, "blame (time from start to ready):\n");
		for (size_t i = 0; i < n; i++)
			sb_printf(sb, "  %9.1f ms  %s\n", v[i]->ready_ms - v[i]->start_ms, v[i]->name);
		sb_puts(sb, "critical chain (ready at, s since boot):\n");
		for (size_t i = 0; i < nchain; i++)
			sb_printf(sb, "  %*s%s @%.3f s (+%.1f ms)\n", (int)(2 * i), "", chain[i]->name,
				  chain[i]->ready_ms / 1000.0, chain[i]->ready_ms - chain[i]->start_ms);
	}
	free(v);
}
