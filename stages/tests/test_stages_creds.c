/* phylactery's certificate key for /join-credentials: the cached key is handed out only while it is
 * young and the kubeadm-certs Secret exists; otherwise the certificates are uploaded again. kubeadm is a
 * small shell script that counts its uploads; the API is a libmicrohttpd fake that answers the Secret's
 * GET as kube-apiserver does (the object, or a 404 NotFound Status), its ca.crt sealed as kubeadm
 * seals it (AES-256-GCM under a certificate key: nonce, ciphertext, tag). */
#include "t.h"

#include <errno.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"
#include "valid.h"

#define OLD_KEY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define NEW_KEY "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define OTHER_KEY "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static char dir[64], kubeadm[96], cache[96], uploads[96];
static atomic_bool secret_present;
static char secret_body[1024]; /* written before secret_present is set */
static atomic_int api_gets;
static struct MHD_Daemon *api;
static struct kube_target kt;

static enum MHD_Result on_api(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *data, size_t *size, void **state)
{
	(void)cls, (void)version, (void)data, (void)size, (void)state;
	static const char missing[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
				      "\"message\":\"secrets \\\"kubeadm-certs\\\" not found\",\"reason\":\"NotFound\","
				      "\"details\":{\"name\":\"kubeadm-certs\",\"kind\":\"secrets\"},\"code\":404}";
	bool right = !strcmp(method, "GET") && !strcmp(url, "/api/v1/namespaces/kube-system/secrets/kubeadm-certs");
	bool here = right && atomic_load(&secret_present);
	atomic_fetch_add(&api_gets, right);
	const char *body = here ? secret_body : missing;
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ret = MHD_queue_response(c, here ? 200 : 404, r);
	MHD_destroy_response(r);
	return ret;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	T_ASSERT(f != NULL);
	fputs(text, f);
	fclose(f);
	T_EQ_INT(chmod(path, mode), 0);
}

/* The fake API's Secret from now on: ca.crt sealed under hexkey, as `kubeadm init phase upload-certs`
 * seals it. */
static void secret_sealed_with(const char *hexkey)
{
	static const char plain[] = "-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n";
	unsigned char key[32], blob[12 + sizeof plain + 16], b64[sizeof blob * 2];
	T_ASSERT(valid_hex_decode(hexkey, key, sizeof key));
	T_ASSERT(RAND_bytes(blob, 12) == 1);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;
	T_ASSERT(EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, blob) == 1);
	T_ASSERT(EVP_EncryptUpdate(ctx, blob + 12, &n, (const unsigned char *)plain, (int)strlen(plain)) == 1);
	T_ASSERT(EVP_EncryptFinal_ex(ctx, blob + 12 + n, &m) == 1);
	T_ASSERT(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, blob + 12 + n + m) == 1);
	EVP_CIPHER_CTX_free(ctx);
	EVP_EncodeBlock(b64, blob, 12 + n + m + 16);
	snprintf(secret_body, sizeof secret_body,
		 "{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"kubeadm-certs\","
		 "\"namespace\":\"kube-system\"},\"type\":\"Opaque\",\"data\":{\"ca.crt\":\"%s\"}}", b64);
	atomic_store(&secret_present, true);
}

/* A fresh directory, a kubeadm that uploads under NEW_KEY, a fake API without the Secret, and
 * cached_key in the cache; *p: the paths creds_certificate_key is given, with the Secret check on.
 * (T_ASSERT returns from a void function: hence the out parameter.) */
static void setup(const char *cached_key, struct creds_paths *p)
{
	snprintf(dir, sizeof dir, "/tmp/ekt-creds-XXXXXX");
	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(kubeadm, sizeof kubeadm, "%s/kubeadm", dir);
	snprintf(cache, sizeof cache, "%s/certkey", dir);
	snprintf(uploads, sizeof uploads, "%s/uploads", dir);
	char text[512];
	snprintf(text, sizeof text, "#!/bin/sh\necho upload >>%s\necho '[upload-certs] Using certificate key:'\n"
		 "echo " NEW_KEY "\n", uploads);
	write_file(kubeadm, text, 0755);
	atomic_store(&secret_present, false);
	atomic_store(&api_gets, 0);
	api = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_api, NULL, MHD_OPTION_END);
	T_ASSERT(api != NULL);
	memset(&kt, 0, sizeof kt);
	snprintf(kt.base, sizeof kt.base, "http://127.0.0.1:%u", MHD_get_daemon_info(api, MHD_DAEMON_INFO_BIND_PORT)->port);
	write_file(cache, cached_key, 0600);
	*p = (struct creds_paths){.certkey_cache = cache, .kubeadm = kubeadm, .check_secret = true};
}

static int upload_count(void)
{
	FILE *f = fopen(uploads, "r");
	if (!f)
		return 0;
	int n = 0, c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void teardown(void)
{
	MHD_stop_daemon(api);
	const char *files[] = {kubeadm, cache, uploads};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		unlink(files[i]);
	rmdir(dir);
}

TEST(cached_key_is_used_while_the_secret_exists)
{
	struct creds_paths p;
	setup(OLD_KEY, &p);
	char key[65], err[256];
	secret_sealed_with(OLD_KEY);
	T_EQ_INT(creds_certificate_key(&p, &kt, key, err, sizeof err), 0);
	T_EQ_STR(key, OLD_KEY);
	T_EQ_INT(upload_count(), 0);
	T_EQ_INT(atomic_load(&api_gets), 1); /* the Secret was asked for, at its path */
	teardown();
}

TEST(no_api_means_a_new_upload)
{
	struct creds_paths p;
	setup(OLD_KEY, &p);
	char key[65], err[256];
	secret_sealed_with(OLD_KEY);
	/* no credentials for the API (admin.conf unreadable): the Secret cannot be checked */
	T_EQ_INT(creds_certificate_key(&p, NULL, key, err, sizeof err), 0);
	T_EQ_STR(key, NEW_KEY);
	T_EQ_INT(upload_count(), 1);
	/* an API that does not answer: the same doubt */
	write_file(cache, OLD_KEY, 0600);
	struct kube_target dead = {.base = "http://127.0.0.1:1", .timeout_ms = 2000};
	T_EQ_INT(creds_certificate_key(&p, &dead, key, err, sizeof err), 0);
	T_EQ_STR(key, NEW_KEY);
	T_EQ_INT(upload_count(), 2);
	teardown();
}

TEST(secret_gone_means_a_new_upload_and_a_new_cached_key)
{
	struct creds_paths p;
	setup(OLD_KEY, &p);
	char key[65], err[256];
	/* no Secret: it expired or was deleted */
	T_EQ_INT(creds_certificate_key(&p, &kt, key, err, sizeof err), 0);
	T_EQ_STR(key, NEW_KEY);
	T_EQ_INT(upload_count(), 1);
	/* the new key is cached: with the Secret back, sealed under it, no further upload */
	secret_sealed_with(NEW_KEY);
	T_EQ_INT(creds_certificate_key(&p, &kt, key, err, sizeof err), 0);
	T_EQ_STR(key, NEW_KEY);
	T_EQ_INT(upload_count(), 1);
	teardown();
}

/* Another control node uploaded the certificates again under its own key: ours no longer opens them. */
TEST(a_cached_key_that_does_not_open_the_secret_means_a_new_upload)
{
	struct creds_paths p;
	setup(OLD_KEY, &p);
	char key[65], err[256];
	secret_sealed_with(OTHER_KEY);
	T_EQ_INT(creds_certificate_key(&p, &kt, key, err, sizeof err), 0);
	T_EQ_STR(key, NEW_KEY);
	T_EQ_INT(upload_count(), 1);
	/* a Secret whose ca.crt is not base64: the same doubt */
	write_file(cache, OLD_KEY, 0600);
	snprintf(secret_body, sizeof secret_body, "{\"kind\":\"Secret\",\"data\":{\"ca.crt\":\"!!\"}}");
	T_EQ_INT(creds_certificate_key(&p, &kt, key, err, sizeof err), 0);
	T_EQ_STR(key, NEW_KEY);
	T_EQ_INT(upload_count(), 2);
	teardown();
}

TEST(old_cache_means_a_new_upload_even_with_the_secret)
{
	struct creds_paths p;
	setup(OLD_KEY, &p);
	char key[65], err[256];
	secret_sealed_with(OLD_KEY);
	struct timeval old[2] = {{.tv_sec = time(NULL) - CERTKEY_MAX_AGE_S - 60}, {.tv_sec = time(NULL) - CERTKEY_MAX_AGE_S - 60}};
	T_EQ_INT(utimes(cache, old), 0);
	T_EQ_INT(creds_certificate_key(&p, &kt, key, err, sizeof err), 0);
	T_EQ_STR(key, NEW_KEY);
	T_EQ_INT(upload_count(), 1);
	teardown();
}

TEST(no_check_trusts_the_cache_and_a_failing_upload_is_an_error)
{
	struct creds_paths p;
	setup(OLD_KEY, &p);
	p.check_secret = false;
	char key[65], err[256];
	T_EQ_INT(creds_certificate_key(&p, &kt, key, err, sizeof err), 0);
	T_EQ_STR(key, OLD_KEY);
	T_EQ_INT(upload_count(), 0);
	T_EQ_INT(atomic_load(&api_gets), 0);
	/* a kubeadm that fails: the caller gets an error, nothing is cached */
	unlink(cache);
	write_file(kubeadm, "#!/bin/sh\nexit 1\n", 0755);
	T_ASSERT(creds_certificate_key(&p, &kt, key, err, sizeof err) < 0);
	T_CONTAINS(err, "failed");
	T_ASSERT(access(cache, F_OK) < 0);
	teardown();
}

int main(void)
{
	T_RUN(cached_key_is_used_while_the_secret_exists);
	T_RUN(no_api_means_a_new_upload);
	T_RUN(secret_gone_means_a_new_upload_and_a_new_cached_key);
	T_RUN(a_cached_key_that_does_not_open_the_secret_means_a_new_upload);
	T_RUN(old_cache_means_a_new_upload_even_with_the_secret);
	T_RUN(no_check_trusts_the_cache_and_a_failing_upload_is_an_error);
	return T_END();
}
