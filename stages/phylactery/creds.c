#include "creds.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "share.h"
#include "valid.h"

int ca_cert_hash(const char *ca_crt, char out[72], char *err, size_t errlen)
{
	FILE *f = fopen(ca_crt, "re");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", ca_crt, strerror(e));
		return -e;
	}
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	unsigned char *der = NULL;
	int len = x ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der) : -1;
	X509_free(x);
	if (len <= 0) {
		snprintf(err, errlen, "%s: not a PEM certificate", ca_crt);
		return -EBADMSG;
	}
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(der, (size_t)len, md);
	OPENSSL_free(der);
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
	return 0;
}

char *last_line(char *text)
{
	char *end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		*--end = '\0';
	char *nl = strrchr(text, '\n');
	return nl ? nl + 1 : text;
}

static int run_last_line(char *const argv[], char *out, size_t cap, char *err, size_t errlen)
{
	char buf[4096];
	struct run_result res;
	int r = run_cmd(argv, 60000, buf, sizeof buf, &res, err, errlen);
	if (r < 0)
		return r;
	if (res.timed_out || res.exit_code) {
		snprintf(err, errlen, "%s %s %s: %s", argv[0], argv[1], argv[2],
			 res.timed_out ? "timed out" : "failed");
		return -EIO;
	}
	snprintf(out, cap, "%s", last_line(buf));
	return 0;
}

/* Does hexkey (64 hex: 32 bytes) open blob, as kubeadm seals each file of the kubeadm-certs Secret:
 * AES-256-GCM, a 12-byte nonce, then the ciphertext, then the 16-byte tag? Only the tag's check
 * matters here; the plaintext is thrown away. */
static bool key_opens(const char *hexkey, const unsigned char *blob, size_t len)
{
	unsigned char key[32];
	if (len < 12 + 16 || len > (1u << 20) || !valid_hex_decode(hexkey, key, sizeof key))
		return false;
	size_t clen = len - 12 - 16;
	unsigned char *plain = malloc(clen + 1);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0;
	bool ok = plain && ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
		  EVP_DecryptInit_ex(ctx, NULL, NULL, key, blob) == 1 &&
		  EVP_DecryptUpdate(ctx, plain, &n, blob + 12, (int)clen) == 1 &&
		  EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, (void *)(blob + len - 16)) == 1 &&
		  EVP_DecryptFinal_ex(ctx, plain + n, &n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	free(plain);
	return ok;
}

/* The uploaded certificates can be gone before the cached key is old: kubeadm deletes the kubeadm-certs
 * Secret with the token it belongs to, and an operator may delete it; and another control node's
 * phylactery may have uploaded them again under its own key (seen: after the Secret was deleted, a
 * node handed out its older key and every join failed with "the certificate key does not decrypt
 * ca.crt"). So a cached key is used only while it opens the Secret's ca.crt (any doubt, such as
 * the API not answering, means "upload again"). One GET on the node's own API server: no kubectl
 * process per request, which took seconds under TCG. */
static bool cached_key_opens_secret(const struct creds_paths *p, const struct kube_target *api, const char *hexkey)
{
	if (!p->check_secret)
		return true;
	if (!api)
		return false;
	char err[300];
	unsigned char *blob;
	size_t len;
	if (kube_secret_value(api, "kube-system", "kubeadm-certs", "ca.crt", &blob, &len, err, sizeof err) != 0)
		return false;
	bool ok = key_opens(hexkey, blob, len);
	free(blob);
	return ok;
}

int creds_certificate_key(const struct creds_paths *p, const struct kube_target *api, char out[65], char *err,
			  size_t errlen)
{
	struct stat st;
	char key[128] = "";
	int fd = open(p->certkey_cache, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = fstat(fd, &st) == 0 ? read(fd, key, 64) : -1;
		close(fd);
		key[n > 0 ? n : 0] = '\0';
		if (n == 64 && valid_hex(key, 64) && time(NULL) - st.st_mtime < CERTKEY_MAX_AGE_S &&
		    cached_key_opens_secret(p, api, key)) {
			memcpy(out, key, 65);
			return 0;
		}
	}
	char *argv[] = {(char *)p->kubeadm, "init", "phase", "upload-certs", "--upload-certs", NULL};
	int r = run_last_line(argv, key, sizeof key, err, errlen);
	if (r < 0)
		return r;
	if (!valid_hex(key, 64)) {
		snprintf(err, errlen, "kubeadm init phase upload-certs: last line is not a 64-hex key");
		return -EBADMSG;
	}
	memcpy(out, key, 65);
	return share_write_atomic(p->certkey_cache, key, 64, 0600, err, errlen);
}

int creds_get(const struct creds_paths *p, const struct kube_target *api, const struct cluster_conf *c,
	      struct join_creds *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	char token[64];
	char *argv[] = {(char *)p->kubeadm, "token", "create", "--ttl", "2h", NULL};
	int r = run_last_line(argv, token, sizeof token, err, errlen);
	if (r < 0)
		return r;
	if (!valid_bootstrap_token(token)) {
		snprintf(err, errlen, "kubeadm token create printed no bootstrap token");
		return -EBADMSG;
	}
	snprintf(out->token, sizeof out->token, "%s", token);
	if ((r = ca_cert_hash(p->ca_crt, out->ca_cert_hash, err, errlen)) < 0)
		return r;
	if ((r = creds_certificate_key(p, api, out->certificate_key, err, errlen)) < 0)
		return r;
	snprintf(out->endpoint, sizeof out->endpoint, "%s:%u", c->vip_name, c->api_port);
	return 0;
}
