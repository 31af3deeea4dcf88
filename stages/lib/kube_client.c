#include "kube_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "kjson.h"
#include "valid.h"

int kube_node_delete(const struct kube_target *t, const char *name, char *err, size_t errlen)
{
	if (!valid_node_name(name)) {
		snprintf(err, errlen, "'%.64s' is not a node name", name);
		return -EINVAL;
	}
	char url[400], why[300];
	snprintf(url, sizeof url, "%s/api/v1/nodes/%s", t->base, name);
	struct http_req req = {.method = "DELETE", .url = url, .timeout_ms = t->timeout_ms ? t->timeout_ms : 5000,
			       .max_body = 256 * 1024};
	if (t->kc) {
		req.cacert_blob = (struct http_blob){t->kc->ca, t->kc->ca_len};
		req.cert_blob = (struct http_blob){t->kc->cert, t->kc->cert_len};
		req.key_blob = (struct http_blob){t->kc->key, t->kc->key_len};
	}
	struct http_resp resp;
	int r = http_do(&req, &resp, why, sizeof why);
	if (r < 0) {
		snprintf(err, errlen, "delete node %s: %s", name, why);
		return r;
	}
	struct k8s_status st;
	bool is_status = k8s_status_parse(resp.body, resp.len, &st, why, sizeof why) == 0;
	if (resp.status == 200 || resp.status == 202)
		r = 0; /* the deleted Node (or a Success Status) */
	else if (resp.status == 404 && (!is_status || !st.reason[0] || !strcmp(st.reason, "NotFound")))
		r = 1;
	else {
		snprintf(err, errlen, "delete node %s: HTTP %ld%s%s", name, resp.status, is_status ? ": " : "",
			 is_status ? st.message : "");
		r = resp.status == 401 || resp.status == 403 ? -EACCES : -EIO;
	}
	http_resp_free(&resp);
	return r;
}
