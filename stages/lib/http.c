#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sink {
	char *buf;
	size_t len, cap, max;
	bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb;
	if (s->len + n > s->max) {
		s->too_big = true;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + n + 1)
			cap *= 2;
		char *b = realloc(s->buf, cap);
		if (!b)
			return 0;
		s->buf = b, s->cap = cap;
	}
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

void http_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int http_do(const struct http_req *req, struct http_resp *resp, char *err, size_t errlen)
{
	memset(resp, 0, sizeof *resp);
	struct sink s = {.max = req->max_body ? req->max_body : 1 << 20};
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(err, errlen, "curl_easy_init failed");
		return -ENOMEM;
	}
	char auth[600];
	struct curl_slist *hdr = NULL;
	if (req->bearer) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", req->bearer);
		hdr = curl_slist_append(hdr, auth);
	}
	if (req->body)
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Accept: application/json");
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, ""); /* never an http_proxy from the environment */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms ? req->timeout_ms : 5000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms ? req->connect_timeout_ms : 2000L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (req->method && !strcmp(req->method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
	} else if (req->method && strcmp(req->method, "GET")) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	}
	if (req->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, req->cacert);
	if (req->client_cert)
		curl_easy_setopt(c, CURLOPT_SSLCERT, req->client_cert);
	if (req->client_key)
		curl_easy_setopt(c, CURLOPT_SSLKEY, req->client_key);
	struct curl_blob blob[3] = {
		{.data = (void *)req->cacert_blob.data, .len = req->cacert_blob.len, .flags = CURL_BLOB_COPY},
		{.data = (void *)req->cert_blob.data, .len = req->cert_blob.len, .flags = CURL_BLOB_COPY},
		{.data = (void *)req->key_blob.data, .len = req->key_blob.len, .flags = CURL_BLOB_COPY}};
	if (blob[0].data)
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob[0]);
	if (blob[1].data) {
		curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &blob[1]);
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
	}
	if (blob[2].data) {
		curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &blob[2]);
		curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (req->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	CURLcode rc = curl_easy_perform(c);
	int r = 0;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
		resp->body = s.buf, resp->len = s.len;
		s.buf = NULL;
	} else if (s.too_big) {
		snprintf(err, errlen, "%s: answer larger than %zu bytes", req->url, s.max);
		r = -EFBIG;
	} else {
		r = rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : rc == CURLE_COULDNT_CONNECT ? -ECONNREFUSED : -EIO;
		snprintf(err, errlen, "%s: %s", req->url, curl_err[0] ? curl_err : curl_easy_strerror(rc));
	}
	free(s.buf);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return r;
}

void http_resp_free(struct http_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}
