/* The control requests (requests.h). */
#include <stdlib.h>
#include <string.h>

#include "requests.h"

#include "ekinit.h"
#include "shutdown.h"
#include "status.h"
#include "svc.h"
#include "sys.h"

static int unit_reply(int r, const char *err, struct strbuf *out, const char *name, const char *what)
{
	if (r < 0) {
		sb_puts(out, err[0] ? err : "failed: ");
		return -1;
	}
	sb_printf(out, "%s: %s\n", name, what);
	return 0;
}

int requests_handle(const struct ek_request *req, struct strbuf *out, void *ctx)
{
	struct ekinit *ek = ctx;
	struct svcmgr *m = &ek->svc;
	bool json = req->argc >= 1 && !strcmp(req->argv[req->argc - 1], "--json");
	int words = req->argc - json; /* arguments other than --json */
	const char *name = words >= 1 ? req->argv[0] : NULL;
	char err[300] = "";

	switch (req->verb) {
	case EK_VERB_STATUS: {
		if (words > 1) {
			sb_puts(out, EK_ERR_INVALID ": usage: status [NAME] [--json]");
			return -1;
		}
		if (name) {
			struct svc *s = svcmgr_get(m, name, err, sizeof err);
			if (!s) {
				sb_puts(out, err);
				return -1;
			}
			svcmgr_render_one(m, s, out, json);
			return 0;
		}
		struct ek_status st = {.state = ek->state, .boot_id = ek->boot_id, .hostname = ek->boot.hostname,
				       .container = ek->boot.container, .now_ms = ek_sys.now_ms(),
				       .rss_kib = status_self_rss_kib()};
		if (json) {
			status_render_json(out, &st);
			/* splice the services in before the closing brace */
			while (out->len && (out->buf[out->len - 1] == '\n' || out->buf[out->len - 1] == '}'))
				out->buf[--out->len] = '\0';
			sb_puts(out, ",\"services\":");
			svcmgr_render_list(m, out, true);
			sb_puts(out, "}\n");
		} else {
			status_render_text(out, &st);
			sb_puts(out, "\nservices:\n");
			svcmgr_render_list(m, out, false);
		}
		return 0;
	}
	case EK_VERB_REBOOT:
	case EK_VERB_POWEROFF:
	case EK_VERB_HALT:
		if (req->argc) {
			sb_printf(out, EK_ERR_INVALID ": %s takes no arguments", proto_verb_name(req->verb));
			return -1;
		}
		ek->pending_shutdown = req->verb == EK_VERB_REBOOT ? EK_REBOOT : req->verb == EK_VERB_POWEROFF ? EK_POWEROFF : EK_HALT;
		sb_printf(out, "%s started", proto_verb_name(req->verb));
		return 0;
	case EK_VERB_START:
	case EK_VERB_STOP:
	case EK_VERB_RESTART:
	case EK_VERB_RELOAD:
	case EK_VERB_ENABLE:
	case EK_VERB_DISABLE:
	case EK_VERB_STATE:
		if (words != 1 || json) {
			sb_printf(out, EK_ERR_INVALID ": usage: %s NAME", proto_verb_name(req->verb));
			return -1;
		}
		break;
	case EK_VERB_LIST:
		svcmgr_render_list(m, out, json);
		return 0;
	case EK_VERB_ANALYZE:
		svcmgr_render_analyze(m, out, json);
		return 0;
	case EK_VERB_RELOAD_UNITS:
		svcmgr_reload_units(m, err, sizeof err);
		sb_puts(out, "units reloaded\n");
		return 0;
	case EK_VERB_LOGS: {
		unsigned n = 20;
		if (words < 1 || words > 2 || json) {
			sb_puts(out, EK_ERR_INVALID ": usage: logs NAME [LINES]");
			return -1;
		}
		if (words == 2) {
			char *end;
			unsigned long v = strtoul(req->argv[1], &end, 10);
			if (*end || v == 0 || v > 10000) {
				sb_puts(out, EK_ERR_INVALID ": LINES must be a number from 1 to 10000");
				return -1;
			}
			n = (unsigned)v;
		}
		if (svcmgr_log_tail(m, name, n, out) < 0) {
			sb_printf(out, EK_ERR_NOT_FOUND ": no such unit %s", name);
			return -1;
		}
		return 0;
	}
	}
	switch (req->verb) {
	case EK_VERB_START:
		return unit_reply(svcmgr_start(m, name, err, sizeof err), err, out, name, "start queued");
	case EK_VERB_STOP:
		return unit_reply(svcmgr_stop(m, name, err, sizeof err), err, out, name, "stop queued");
	case EK_VERB_RESTART:
		return unit_reply(svcmgr_restart(m, name, err, sizeof err), err, out, name, "restart queued");
	case EK_VERB_RELOAD:
		return unit_reply(svcmgr_reload(m, name, err, sizeof err), err, out, name, "reload queued");
	case EK_VERB_ENABLE:
	case EK_VERB_DISABLE:
		return unit_reply(svcmgr_enable(m, name, req->verb == EK_VERB_ENABLE, err, sizeof err), err, out, name,
				  req->verb == EK_VERB_ENABLE ? "enabled for this boot" : "disabled for this boot");
	case EK_VERB_STATE: {
		struct svc *s = svcmgr_get(m, name, err, sizeof err);
		if (!s) {
			sb_puts(out, err);
			return -1;
		}
		sb_printf(out, "%s %s\n", svc_active_word(s), s->enabled ? "enabled" : "disabled");
		return 0;
	}
	default:
		break;
	}
	sb_puts(out, EK_ERR_INVALID ": unknown request");
	return -1;
}
