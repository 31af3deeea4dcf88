#include "kube_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "kjson.h"
#include "valid.h"

/* One request to the API with the target's credentials. 0 with resp filled (any HTTP status), or -errno
 * with why. */
static int kube_request(const struct kube_target *t, const char *method, const char *path, struct http_resp *resp,
			char *why, size_t whylen)
{
	char url[512];
	snprintf(url, sizeof url, "%s%s", t->base, path);
	struct http_req req = {.method = method, .url = url, .timeout_ms = t->timeout_ms ? t->timeout_ms : 5000,
			       .max_body = 256 * 1024};
	if (t->kc) {
		req.cacert_blob = (struct http_blob){t->kc->ca, t->kc->ca_len};
		req.cert_blob = (struct http_blob){t->kc->cert, t->kc->cert_len};
		req.key_blob = (struct http_blob){t->kc->key, t->kc->key_len};
	}
	return http_do(&req, resp, why, whylen);
}

/* The answer to a GET or DELETE of one object: 0 for 200/202, 1 for 404 NotFound (a 404 Status with
 * another reason is an error: the path, not the object, is missing), else -errno with err. */
static int object_answer(const struct http_resp *resp, const char *what, char *err, size_t errlen)
{
	char why[300];
	struct k8s_status st;
	bool is_status = k8s_status_parse(resp->body, resp->len, &st, why, sizeof why) == 0;
	if (resp->status == 200 || resp->status == 202)
		return 0;
	if (resp->status == 404 && (!is_status || !st.reason[0] || !strcmp(st.reason, "NotFound")))
		return 1;
	snprintf(err, errlen, "%s: HTTP %ld%s%s", what, resp->status, is_status ? ": " : "", is_status ? st.message : "");
	return resp->status == 401 || resp->status == 403 ? -EACCES : -EIO;
}

static int object_call(const struct kube_target *t, const char *method, const char *path, const char *what,
		       char *err, size_t errlen)
{
	char why[300];
	struct http_resp resp;
	int r = kube_request(t, method, path, &resp, why, sizeof why);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", what, why);
		return r;
	}
	r = object_answer(&resp, what, err, errlen);
	http_resp_free(&resp);
	return r;
}

int kube_node_delete(const struct kube_target *t, const char *name, char *err, size_t errlen)
{
	if (!valid_node_name(name)) {
		snprintf(err, errlen, "'%.64s' is not a node name", name);
		return -EINVAL;
	}
	char path[300], what[300];
	snprintf(path, sizeof path, "/api/v1/nodes/%s", name);
	snprintf(what, sizeof what, "delete node %s", name);
	return object_call(t, "DELETE", path, what, err, errlen);
}

int kube_secret_value(const struct kube_target *t, const char *ns, const char *name, const char *key,
		      unsigned char **out, size_t *outlen, char *err, size_t errlen)
{
	*out = NULL;
	*outlen = 0;
	if (!valid_node_name(ns) || !valid_node_name(name)) {
		snprintf(err, errlen, "'%.64s/%.64s' is not a namespace and Secret name", ns, name);
		return -EINVAL;
	}
	char path[400], what[300], why[300];
	snprintf(path, sizeof path, "/api/v1/namespaces/%s/secrets/%s", ns, name);
	snprintf(what, sizeof what, "get secret %s/%s", ns, name);
	struct http_resp resp;
	int r = kube_request(t, "GET", path, &resp, why, sizeof why);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", what, why);
		return r;
	}
	r = object_answer(&resp, what, err, errlen);
	if (r == 0 && (r = kjson_secret_value(resp.body, resp.len, key, out, outlen, why, sizeof why)) < 0)
		snprintf(err, errlen, "%s: %s", what, why);
	http_resp_free(&resp);
	return r;
}
