/* An HTTP(S) client for the stages (libcurl): every request has a total and a connect timeout, the
 * answer's body is bounded (a larger one is an error, not a truncation), and a Bearer token is sent
 * when given. No redirects are followed; no proxy from the environment is used. */
#ifndef STAGES_HTTP_H
#define STAGES_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct http_req {
	const char *method; /* "GET" (default) or "POST" */
	const char *url;
	const char *bearer;       /* NULL: no Authorization header */
	const char *body;         /* POST body (JSON), NULL for none */
	long timeout_ms;          /* whole request; default 5000 */
	long connect_timeout_ms;  /* default 2000 */
	size_t max_body;          /* default 1 MiB */
	const char *cacert;       /* HTTPS: verify against this CA file */
	const char *client_cert;  /* HTTPS: client certificate and key (PEM) */
	const char *client_key;
	/* The same from memory (PEM), e.g. decoded from a kubeconfig; used when data is not NULL. */
	struct http_blob {
		const void *data;
		size_t len;
	} cacert_blob, cert_blob, key_blob;
	bool insecure;            /* HTTPS without verification (health checks of a node's own API only) */
};

struct http_resp {
	long status;
	char *body; /* NUL-terminated, malloc'd; NULL when none */
	size_t len;
};

/* Runs the request. 0 with resp filled in (any HTTP status), or -errno with err saying why
 * (-ETIMEDOUT, -ECONNREFUSED, -EFBIG for a body over max_body, -EIO otherwise). */
int http_do(const struct http_req *req, struct http_resp *resp, char *err, size_t errlen);
void http_resp_free(struct http_resp *resp);

/* Call once at program start (curl_global_init is not thread-safe). */
void http_global_init(void);

#endif
