/* Requests to etcd's v3 JSON gateway (see etcd.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etcd.h"
#include "http.h"
#include "valid.h"

int etcd_client_certs(struct etcd_client *c, const char *pki_dir, char *err, size_t errlen)
{
	static const char *const pairs[] = {"etcd/healthcheck-client", "apiserver-etcd-client"};
	snprintf(c->cacert, sizeof c->cacert, "%s/etcd/ca.crt", pki_dir);
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		snprintf(c->cert, sizeof c->cert, "%s/%s.crt", pki_dir, pairs[i]);
		snprintf(c->key, sizeof c->key, "%s/%s.key", pki_dir, pairs[i]);
		if (access(c->cert, R_OK) == 0 && access(c->key, R_OK) == 0 && access(c->cacert, R_OK) == 0)
			return 0;
	}
	c->cacert[0] = c->cert[0] = c->key[0] = '\0';
	snprintf(err, errlen, "no etcd client certificate under %s (healthcheck-client or apiserver-etcd-client)",
		 pki_dir);
	return -ENOENT;
}

int etcd_error_parse(const char *body, size_t len, int *code, char *msg, size_t msglen)
{
	if (!body || !len || len > KJSON_MAX_BODY)
		return -EBADMSG;
	cJSON *j = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return -EBADMSG;
	}
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "code");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	int r = -ENOENT;
	if (cJSON_IsNumber(c) && c->valuedouble >= 0 && c->valuedouble <= 100 && (cJSON_IsString(m) || cJSON_IsString(e))) {
		*code = c->valueint;
		snprintf(msg, msglen, "%s", cJSON_IsString(m) ? m->valuestring : e->valuestring);
		r = 0;
	}
	cJSON_Delete(j);
	return r;
}

int etcd_health_parse(const char *body, size_t len, bool *healthy, char *err, size_t errlen)
{
	if (!body || !len || len > KJSON_MAX_BODY) {
		snprintf(err, errlen, "empty or oversized /health answer");
		return -EBADMSG;
	}
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "health");
	int r = 0;
	if (cJSON_IsObject(j) && cJSON_IsString(h) && (!strcmp(h->valuestring, "true") || !strcmp(h->valuestring, "false")))
		*healthy = !strcmp(h->valuestring, "true");
	else if (cJSON_IsObject(j) && cJSON_IsBool(h))
		*healthy = cJSON_IsTrue(h);
	else {
		snprintf(err, errlen, "expected {\"health\":\"true\"|\"false\"}");
		r = -EBADMSG;
	}
	cJSON_Delete(j);
	return r;
}

static void sleep_real(long ms)
{
	/* Backoff between retries of an unhealthy cluster: waiting is the point. */
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0)
		;
}

/* One POST to the gateway. 0 with a malloc'd 2xx body in resp, -EAGAIN/-EIO for gateway errors
 * (*code set), other -errno for transport errors. */
static int post_once(const struct etcd_client *c, const char *path, const char *body, struct http_resp *resp, int *code,
		     char *err, size_t errlen)
{
	char url[200];
	snprintf(url, sizeof url, "%s%s", c->endpoint, path);
	struct http_req req = {.method = "POST", .url = url, .body = body, .timeout_ms = c->timeout_ms ? c->timeout_ms : 3000,
			       .connect_timeout_ms = 1500, .max_body = KJSON_MAX_BODY,
			       .cacert = c->cacert[0] ? c->cacert : NULL, .client_cert = c->cert[0] ? c->cert : NULL,
			       .client_key = c->key[0] ? c->key : NULL};
	*code = -1;
	int r = http_do(&req, resp, err, errlen);
	if (r < 0)
		return r;
	char msg[200];
	if (etcd_error_parse(resp->body, resp->len, code, msg, sizeof msg) == 0) {
		snprintf(err, errlen, "%s: etcd error %d: %s", path, *code, msg);
		http_resp_free(resp);
		return *code == ETCD_CODE_UNAVAILABLE || *code == ETCD_CODE_FAILED_PRECONDITION ? -EAGAIN : -EIO;
	}
	if (resp->status < 200 || resp->status > 299) {
		snprintf(err, errlen, "%s: HTTP %ld", path, resp->status);
		http_resp_free(resp);
		return -EIO;
	}
	return 0;
}

/* post_once, retrying "unhealthy cluster" with a doubling backoff within the retry budget. */
static int post(const struct etcd_client *c, const char *path, const char *body, struct http_resp *resp, char *err,
		size_t errlen)
{
	long budget = c->retry_budget_ms ? c->retry_budget_ms : 30000, spent = 0, backoff = 250;
	for (;;) {
		int code, r = post_once(c, path, body, resp, &code, err, errlen);
		if (r != -EAGAIN || code != ETCD_CODE_UNAVAILABLE || spent + backoff > budget)
			return r;
		(c->sleep_ms ? c->sleep_ms : sleep_real)(backoff);
		spent += backoff;
		backoff = backoff * 2 > 4000 ? 4000 : backoff * 2;
	}
}

int etcd_member_list(const struct etcd_client *c, struct etcd_member *out, int max, int *n, char *err, size_t errlen)
{
	struct http_resp resp;
	*n = 0;
	int r = post(c, "/v3/cluster/member/list", "{}", &resp, err, errlen);
	if (r < 0)
		return r;
	char why[200];
	r = etcd_members_parse(resp.body, resp.len, out, max, n, why, sizeof why);
	if (r < 0)
		snprintf(err, errlen, "member list: %s", why);
	http_resp_free(&resp);
	return r;
}

bool etcd_member_healthy(const struct etcd_client *c, const struct etcd_member *m)
{
	if (!m->client_url[0])
		return false;
	char url[200], err[200];
	snprintf(url, sizeof url, "%s/health", m->client_url);
	long timeout = c->timeout_ms > ETCD_HEALTH_TIMEOUT_MS ? c->timeout_ms : ETCD_HEALTH_TIMEOUT_MS;
	struct http_req req = {.url = url, .timeout_ms = timeout, .connect_timeout_ms = 1500,
			       .max_body = 4096, .cacert = c->cacert[0] ? c->cacert : NULL,
			       .client_cert = c->cert[0] ? c->cert : NULL, .client_key = c->key[0] ? c->key : NULL};
	struct http_resp resp;
	bool healthy = false;
	if (http_do(&req, &resp, err, sizeof err) == 0) {
		if (resp.status != 200 || etcd_health_parse(resp.body, resp.len, &healthy, err, sizeof err) < 0)
			healthy = false;
		http_resp_free(&resp);
	}
	return healthy;
}

static int by_id(const struct etcd_client *c, const char *path, uint64_t id, char *err, size_t errlen)
{
	char body[64];
	snprintf(body, sizeof body, "{\"ID\":\"%" PRIu64 "\"}", id); /* a string: uint64 does not fit a double */
	struct http_resp resp;
	int r = post(c, path, body, &resp, err, errlen);
	if (r == 0)
		http_resp_free(&resp);
	return r;
}

int etcd_member_remove(const struct etcd_client *c, uint64_t id, char *err, size_t errlen)
{
	return by_id(c, "/v3/cluster/member/remove", id, err, errlen);
}

int etcd_member_promote(const struct etcd_client *c, uint64_t id, char *err, size_t errlen)
{
	return by_id(c, "/v3/cluster/member/promote", id, err, errlen);
}

static bool id_of(const cJSON *o, const char *key, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	unsigned long long n;
	if (!cJSON_IsString(v) || !valid_uint(v->valuestring, 1, UINT64_MAX, &n))
		return false;
	*out = n;
	return true;
}

int etcd_status_parse(const char *body, size_t len, uint64_t *member_id, uint64_t *leader, char *err, size_t errlen)
{
	if (!body || !len || len > KJSON_MAX_BODY) {
		snprintf(err, errlen, "empty or oversized status answer");
		return -EBADMSG;
	}
	cJSON *j = cJSON_ParseWithLength(body, len);
	int r = 0;
	if (!cJSON_IsObject(j) || !id_of(cJSON_GetObjectItemCaseSensitive(j, "header"), "member_id", member_id) ||
	    !id_of(j, "leader", leader)) {
		snprintf(err, errlen, "expected header.member_id and leader as decimal strings");
		r = -EBADMSG;
	}
	cJSON_Delete(j);
	return r;
}

int etcd_is_leader(const struct etcd_client *c, bool *leader, char *err, size_t errlen)
{
	struct http_resp resp;
	int r = post(c, "/v3/maintenance/status", "{}", &resp, err, errlen);
	if (r < 0)
		return r;
	uint64_t me, lead;
	char why[200];
	if ((r = etcd_status_parse(resp.body, resp.len, &me, &lead, why, sizeof why)) < 0)
		snprintf(err, errlen, "status: %s", why);
	else
		*leader = me == lead;
	http_resp_free(&resp);
	return r;
}
