#include "api.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valid.h"

struct api {
	struct MHD_Daemon *d;
	char secret[65];
	struct api_handlers h;
};

struct request {
	char body[API_MAX_BODY + 1];
	size_t len;
	bool too_big;
};

bool api_authorized(const char *header, const char *secret)
{
	char given[64];
	if (!header || strncmp(header, "Bearer ", 7) || strlen(header + 7) != 64 || strlen(secret) != 64)
		return false;
	memcpy(given, header + 7, 64);
	/* Constant time: how much of a guess was right must not show in the answer's timing. */
	return CRYPTO_memcmp(given, secret, 64) == 0;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, char *json_malloced)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(json_malloced), json_malloced, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(json_malloced);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *code, const char *msg)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "error", code);
	cJSON_AddStringToObject(j, "message", msg);
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s ? send_json(c, status, s) : MHD_NO;
}

static enum MHD_Result do_refresh(struct api *a, struct MHD_Connection *c, struct request *req)
{
	cJSON *j = cJSON_ParseWithLength(req->body, req->len);
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "event");
	const cJSON *fan = cJSON_GetObjectItemCaseSensitive(j, "fanout");
	const char *event = cJSON_IsString(ev) ? ev->valuestring : NULL;
	if (!cJSON_IsObject(j) || !event || (strcmp(event, "registry") && strcmp(event, "leader_ready")) ||
	    (fan && !cJSON_IsBool(fan))) {
		cJSON_Delete(j);
		return send_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				  "expected a JSON object {\"event\":\"registry\"|\"leader_ready\", \"fanout\":bool}");
	}
	char msg[256] = "", ev_copy[16];
	snprintf(ev_copy, sizeof ev_copy, "%s", event);
	bool fanout = cJSON_IsTrue(fan);
	cJSON_Delete(j);
	if (a->h.refresh(a->h.ctx, ev_copy, fanout, msg, sizeof msg) < 0)
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "refresh_failed", msg);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddStringToObject(o, "event", ev_copy);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s ? send_json(c, MHD_HTTP_OK, s) : MHD_NO;
}

static enum MHD_Result do_join_creds(struct api *a, struct MHD_Connection *c, struct request *req)
{
	/* The body is optional; if present it must be a JSON object (room for options later). */
	if (req->len) {
		cJSON *j = cJSON_ParseWithLength(req->body, req->len);
		bool ok = cJSON_IsObject(j);
		cJSON_Delete(j);
		if (!ok)
			return send_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", "expected an empty body or a JSON object");
	}
	struct join_creds jc;
	char msg[256] = "";
	if (a->h.join_creds(a->h.ctx, &jc, msg, sizeof msg) < 0)
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "credentials_unavailable", msg);
	char *s = join_creds_json(&jc);
	return s ? send_json(c, MHD_HTTP_OK, s) : MHD_NO;
}

static enum MHD_Result send_text(struct MHD_Connection *c, char *text_malloced)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text_malloced), text_malloced, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text_malloced);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* A string member that passes check; absent is "" when optional. false when present but wrong. */
static bool field(const cJSON *j, const char *key, bool required, bool (*check)(const char *), char *out, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	out[0] = '\0';
	if (!v)
		return !required;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap || !check(v->valuestring))
		return false;
	snprintf(out, cap, "%s", v->valuestring);
	return true;
}

static bool ipv4_ok(const char *s)
{
	return valid_ipv4(s, NULL);
}

static enum MHD_Result do_forget(struct api *a, struct MHD_Connection *c, struct request *req, bool evict)
{
	cJSON *j = cJSON_ParseWithLength(req->body, req->len);
	const cJSON *ctl = cJSON_GetObjectItemCaseSensitive(j, "control");
	char name[64], ip[16];
	bool ok = cJSON_IsObject(j) && field(j, "name", true, valid_node_name, name, sizeof name) &&
		  field(j, "ip", !evict, ipv4_ok, ip, sizeof ip) && (!ctl || cJSON_IsBool(ctl));
	bool control = evict || cJSON_IsTrue(ctl);
	cJSON_Delete(j);
	if (!ok)
		return send_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
				  evict ? "expected {\"name\":\"<node name>\"[, \"ip\":\"<IPv4>\"]}"
					: "expected {\"name\":\"<node name>\", \"ip\":\"<IPv4>\"[, \"control\":bool]}");
	char msg[400] = "", *json = NULL;
	int r = a->h.forget(a->h.ctx, name, ip, control, evict, &json, msg, sizeof msg);
	if (r < 0) {
		free(json);
		unsigned st = r == -EBUSY || r == -EPERM ? MHD_HTTP_CONFLICT
			      : r == -EINVAL		 ? MHD_HTTP_BAD_REQUEST
						 : MHD_HTTP_SERVICE_UNAVAILABLE;
		return send_error(c, st, r == -EBUSY ? "quorum" : r == -EPERM ? "refused" : "forget_failed", msg);
	}
	return json ? send_json(c, MHD_HTTP_OK, json) : send_error(c, 500, "internal", "out of memory");
}

static enum MHD_Result do_reboot(struct api *a, struct MHD_Connection *c, struct request *req)
{
	cJSON *j = req->len ? cJSON_ParseWithLength(req->body, req->len) : NULL;
	bool ok = !req->len || cJSON_IsObject(j);
	cJSON_Delete(j);
	if (!ok)
		return send_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", "expected an empty body or a JSON object");
	char msg[256] = "";
	if (a->h.reboot(a->h.ctx, msg, sizeof msg) < 0)
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "reboot_refused", msg);
	char *s = strdup("{\"ok\":true,\"rebooting\":true}");
	return s ? send_json(c, MHD_HTTP_ACCEPTED, s) : MHD_NO;
}

static bool is(const char *url, const char *path)
{
	return !strcmp(url, path);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct api *a = cls;
	bool post = !strcmp(method, "POST"), get = !strcmp(method, "GET");
	if (!*con_cls) {
		/* First call: headers only. Refuse what can be refused before reading a body. */
		if (!strcmp(url, "/healthz")) {
			if (!get)
				return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", "GET /healthz");
			char *s = strdup("{\"ok\":true}");
			return s ? send_json(c, MHD_HTTP_OK, s) : MHD_NO;
		}
		if (is(url, "/metrics")) {
			if (!get)
				return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed", "GET /metrics");
			char *s = a->h.metrics_text(a->h.ctx);
			return s ? send_text(c, s) : send_error(c, 500, "internal", "out of memory");
		}
		bool known = is(url, "/status") || is(url, "/refresh") || is(url, "/join-credentials") ||
			     is(url, "/forget") || is(url, "/evict") || is(url, "/reboot");
		if (!known)
			return send_error(c, MHD_HTTP_NOT_FOUND, "not_found",
					  "no such endpoint (GET /healthz, GET /metrics, GET /status, POST /refresh, "
					  "POST /join-credentials, POST /forget, POST /evict, POST /reboot)");
		if (!api_authorized(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"), a->secret))
			return send_error(c, MHD_HTTP_UNAUTHORIZED, "unauthorized",
					  "missing or wrong 'Authorization: Bearer <cluster secret>'");
		if ((!strcmp(url, "/status") && !get) || (strcmp(url, "/status") && !post))
			return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
					  !strcmp(url, "/status") ? "use GET" : "use POST");
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		unsigned long long n;
		if (cl && (!valid_uint(cl, 0, ~0ULL >> 1, &n) || n > API_MAX_BODY))
			return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", "request body over 4096 bytes");
		struct request *req = calloc(1, sizeof *req);
		if (!req)
			return MHD_NO;
		*con_cls = req;
		return MHD_YES;
	}
	struct request *req = *con_cls;
	if (*upload_size) {
		/* Chunked bodies have no Content-Length: count as they come, keep nothing beyond the bound. */
		if (req->len + *upload_size > API_MAX_BODY)
			req->too_big = true;
		else
			memcpy(req->body + req->len, upload_data, *upload_size), req->len += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->too_big)
		return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", "request body over 4096 bytes");
	req->body[req->len] = '\0';
	if (!strcmp(url, "/status")) {
		char *s = a->h.status_json(a->h.ctx);
		return s ? send_json(c, MHD_HTTP_OK, s) : send_error(c, 500, "internal", "out of memory");
	}
	if (is(url, "/refresh"))
		return do_refresh(a, c, req);
	if (is(url, "/forget") || is(url, "/evict"))
		return do_forget(a, c, req, is(url, "/evict"));
	if (is(url, "/reboot"))
		return do_reboot(a, c, req);
	return do_join_creds(a, c, req);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

struct api *api_start(const char *addr, unsigned port, const char *secret, const struct api_handlers *h, char *err,
		      size_t errlen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (!valid_ipv4(addr, &sa.sin_addr)) {
		snprintf(err, errlen, "listen address '%.64s' is not an IPv4 address", addr);
		return NULL;
	}
	struct api *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	snprintf(a->secret, sizeof a->secret, "%s", secret);
	a->h = *h;
	a->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY, (uint16_t)port, NULL, NULL,
				on_request, a, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)API_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)64, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	if (!a->d) {
		snprintf(err, errlen, "cannot listen on %s:%u", addr, port);
		free(a);
		return NULL;
	}
	return a;
}

void api_stop(struct api *a)
{
	if (!a)
		return;
	MHD_stop_daemon(a->d);
	explicit_bzero(a->secret, sizeof a->secret);
	free(a);
}
