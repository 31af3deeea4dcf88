#include "kjson.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubeconfig.h"
#include "valid.h"

static cJSON *parse(const char *body, size_t len, char *err, size_t errlen)
{
	if (!body || len == 0) {
		snprintf(err, errlen, "empty body");
		return NULL;
	}
	if (len > KJSON_MAX_BODY) {
		snprintf(err, errlen, "body of %zu bytes exceeds %d", len, KJSON_MAX_BODY);
		return NULL;
	}
	cJSON *j = cJSON_ParseWithLength(body, len);
	if (!j)
		snprintf(err, errlen, "not JSON");
	else if (!cJSON_IsObject(j)) {
		snprintf(err, errlen, "expected a JSON object");
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

/* Copies a string member into out; false when absent, not a string, or too long. */
static bool get_str(const cJSON *o, const char *key, char *out, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsString(v) || !v->valuestring || strlen(v->valuestring) >= cap)
		return false;
	snprintf(out, cap, "%s", v->valuestring);
	return true;
}

static bool kind_is(const cJSON *j, const char *kind)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "kind");
	return cJSON_IsString(k) && !strcmp(k->valuestring, kind);
}

int k8s_status_parse(const char *body, size_t len, struct k8s_status *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	cJSON *j = parse(body, len, err, errlen);
	if (!j)
		return -EBADMSG;
	int r = 0;
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code");
	if (!kind_is(j, "Status")) {
		snprintf(err, errlen, "expected kind Status");
		r = -EBADMSG;
	} else if (!cJSON_IsNumber(code) || code->valuedouble < 100 || code->valuedouble > 599) {
		snprintf(err, errlen, "Status without a valid code");
		r = -EBADMSG;
	} else {
		out->code = code->valueint;
		get_str(j, "reason", out->reason, sizeof out->reason);
		/* A message longer than the buffer is cut rather than dropped: it is for humans. */
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
		if (cJSON_IsString(m))
			snprintf(out->message, sizeof out->message, "%s", m->valuestring);
	}
	cJSON_Delete(j);
	return r;
}

static bool node_ready(const cJSON *node)
{
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(node, "status");
	const cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
	const cJSON *c;
	cJSON_ArrayForEach(c, (cJSON_IsArray(conds) ? conds : NULL))
	{
		char type[32], st[16];
		if (get_str(c, "type", type, sizeof type) && !strcmp(type, "Ready"))
			return get_str(c, "status", st, sizeof st) && !strcmp(st, "True");
	}
	return false;
}

int k8s_nodelist_parse(const char *body, size_t len, struct k8s_node *out, int max, int *n, char *err, size_t errlen)
{
	*n = 0;
	cJSON *j = parse(body, len, err, errlen);
	if (!j)
		return -EBADMSG;
	int r = 0;
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "items");
	if (!kind_is(j, "NodeList") || !(cJSON_IsArray(items) || cJSON_IsNull(items))) {
		snprintf(err, errlen, "expected kind NodeList with an items array");
		r = -EBADMSG;
	}
	const cJSON *item;
	cJSON_ArrayForEach(item, (r == 0 && cJSON_IsArray(items) ? items : NULL))
	{
		const cJSON *meta = cJSON_GetObjectItemCaseSensitive(item, "metadata");
		struct k8s_node node = {0};
		if (!cJSON_IsObject(item) || !get_str(meta, "name", node.name, sizeof node.name) ||
		    !valid_dns_name(node.name)) {
			snprintf(err, errlen, "item %d: expected metadata.name, a DNS name", *n);
			r = -EBADMSG;
			break;
		}
		node.ready = node_ready(item);
		if (*n >= max) {
			snprintf(err, errlen, "more than %d nodes", max);
			r = -EBADMSG;
			break;
		}
		out[(*n)++] = node;
	}
	cJSON_Delete(j);
	return r;
}

/* The first string of an array member, if any. */
static void first_url(const cJSON *m, const char *key, char *out, size_t cap)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(m, key);
	const cJSON *u = cJSON_IsArray(a) ? cJSON_GetArrayItem(a, 0) : NULL;
	out[0] = '\0';
	if (cJSON_IsString(u) && strlen(u->valuestring) < cap)
		snprintf(out, cap, "%s", u->valuestring);
}

int etcd_members_parse(const char *body, size_t len, struct etcd_member *out, int max, int *n, char *err,
		       size_t errlen)
{
	*n = 0;
	cJSON *j = parse(body, len, err, errlen);
	if (!j)
		return -EBADMSG;
	int r = 0;
	const cJSON *members = cJSON_GetObjectItemCaseSensitive(j, "members");
	if (!cJSON_IsArray(members)) {
		snprintf(err, errlen, "expected a members array");
		r = -EBADMSG;
	}
	const cJSON *m;
	cJSON_ArrayForEach(m, (r == 0 ? members : NULL))
	{
		struct etcd_member em = {0};
		char id[24];
		unsigned long long v;
		/* The gateway prints uint64 as strings; a JSON number would have lost precision above 2^53. */
		if (!get_str(m, "ID", id, sizeof id) || !valid_uint(id, 1, UINT64_MAX, &v)) {
			snprintf(err, errlen, "member %d: expected ID as a decimal string", *n);
			r = -EBADMSG;
			break;
		}
		em.id = v;
		get_str(m, "name", em.name, sizeof em.name); /* empty until the member has started */
		first_url(m, "peerURLs", em.peer_url, sizeof em.peer_url);
		first_url(m, "clientURLs", em.client_url, sizeof em.client_url);
		em.learner = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "isLearner"));
		if (*n >= max) {
			snprintf(err, errlen, "more than %d members", max);
			r = -EBADMSG;
			break;
		}
		out[(*n)++] = em;
	}
	cJSON_Delete(j);
	return r;
}

bool valid_bootstrap_token(const char *s)
{
	if (strlen(s) != 23 || s[6] != '.')
		return false;
	for (int i = 0; i < 23; i++)
		if (i != 6 && !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

int join_creds_parse(const char *body, size_t len, struct join_creds *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	cJSON *j = parse(body, len, err, errlen);
	if (!j)
		return -EBADMSG;
	int r = -EBADMSG;
	if (!get_str(j, "token", out->token, sizeof out->token) || !valid_bootstrap_token(out->token))
		snprintf(err, errlen, "token: expected a bootstrap token like abcdef.0123456789abcdef");
	else if (!get_str(j, "ca_cert_hash", out->ca_cert_hash, sizeof out->ca_cert_hash) ||
		 strncmp(out->ca_cert_hash, "sha256:", 7) || !valid_hex(out->ca_cert_hash + 7, 64))
		snprintf(err, errlen, "ca_cert_hash: expected sha256:<64 hex>");
	else if (!get_str(j, "certificate_key", out->certificate_key, sizeof out->certificate_key) ||
		 !valid_hex(out->certificate_key, 64))
		snprintf(err, errlen, "certificate_key: expected 64 hex digits");
	else if (!get_str(j, "endpoint", out->endpoint, sizeof out->endpoint) || !strchr(out->endpoint, ':'))
		snprintf(err, errlen, "endpoint: expected host:port");
	else
		r = 0;
	cJSON_Delete(j);
	return r;
}

char *join_creds_json(const struct join_creds *c)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "token", c->token);
	cJSON_AddStringToObject(j, "ca_cert_hash", c->ca_cert_hash);
	cJSON_AddStringToObject(j, "certificate_key", c->certificate_key);
	cJSON_AddStringToObject(j, "endpoint", c->endpoint);
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

int kjson_secret_value(const char *body, size_t len, const char *key, unsigned char **out, size_t *outlen,
		       char *why, size_t whylen)
{
	*out = NULL;
	*outlen = 0;
	if (len > KJSON_MAX_BODY) {
		snprintf(why, whylen, "Secret: body of %zu bytes is too large", len);
		return -EBADMSG;
	}
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
	if (!cJSON_IsObject(root) || !cJSON_IsString(kind) || strcmp(kind->valuestring, "Secret")) {
		snprintf(why, whylen, "not a Secret object");
		cJSON_Delete(root);
		return -EBADMSG;
	}
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
	const cJSON *v = cJSON_IsObject(data) ? cJSON_GetObjectItemCaseSensitive(data, key) : NULL;
	int r = 1;
	if (v && !cJSON_IsString(v)) {
		snprintf(why, whylen, "Secret: data.%s is not a string", key);
		r = -EBADMSG;
	} else if (v) {
		size_t n = strlen(v->valuestring);
		unsigned char *buf = malloc(n / 4 * 3 + 1);
		long got = buf ? base64_decode(v->valuestring, n, buf) : -1;
		if (got < 0) {
			free(buf);
			snprintf(why, whylen, "Secret: data.%s is not base64", key);
			r = buf ? -EBADMSG : -ENOMEM;
		} else {
			*out = buf;
			*outlen = (size_t)got;
			r = 0;
		}
	}
	cJSON_Delete(root);
	return r;
}
