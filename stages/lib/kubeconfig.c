#include "kubeconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

long base64_decode(const char *in, size_t len, unsigned char *out)
{
	if (len % 4)
		return -1;
	long o = 0;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)in[i + k];
			/* '=' only at the very end: "ab==" or "abc=". */
			if (c == '=' && i + 4 == len && (k == 3 || (k == 2 && in[i + 3] == '='))) {
				v[k] = 0, pad++;
				continue;
			}
			if ((v[k] = b64_value(c)) < 0 || pad)
				return -1;
		}
		unsigned n = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
		out[o++] = (unsigned char)(n >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(n >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)n;
	}
	return o;
}

/* The value of "key: value" when line (trimmed of leading spaces and "- ") starts with key. */
static const char *value_of(const char *line, size_t len, const char *key, size_t *vlen)
{
	size_t kl = strlen(key);
	while (len && (*line == ' ' || *line == '-'))
		line++, len--;
	if (len < kl + 1 || memcmp(line, key, kl) || line[kl] != ':')
		return NULL;
	line += kl + 1, len -= kl + 1;
	while (len && *line == ' ')
		line++, len--;
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\r'))
		len--;
	if (len >= 2 && (line[0] == '"' || line[0] == '\'') && line[len - 1] == line[0])
		line++, len -= 2;
	*vlen = len;
	return line;
}

static int take_b64(const char *v, size_t vlen, const char *key, unsigned char **out, size_t *olen, char *err,
		    size_t errlen)
{
	if (*out) {
		snprintf(err, errlen, "%s: expected once (a kubeconfig with one user and one cluster)", key);
		return -EBADMSG;
	}
	unsigned char *b = malloc(vlen / 4 * 3 + 1);
	long n = b ? base64_decode(v, vlen, b) : -1;
	if (n <= 0) {
		free(b);
		snprintf(err, errlen, "%s: expected base64 data", key);
		return -EBADMSG;
	}
	b[n] = '\0';
	*out = b, *olen = (size_t)n;
	return 0;
}

int kubeconfig_parse(const char *text, size_t len, struct kubeconfig *k, char *err, size_t errlen)
{
	memset(k, 0, sizeof *k);
	if (len > KUBECONFIG_MAX) {
		snprintf(err, errlen, "kubeconfig larger than %d bytes", KUBECONFIG_MAX);
		return -EFBIG;
	}
	int r = 0;
	for (size_t pos = 0; pos < len && r == 0;) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos, vlen;
		pos += ll + 1;
		const char *v;
		if ((v = value_of(line, ll, "server", &vlen))) {
			if (k->server[0] || vlen == 0 || vlen >= sizeof k->server || vlen < 9 || memcmp(v, "https://", 8)) {
				snprintf(err, errlen, "server: expected one https:// URL");
				r = -EBADMSG;
			} else {
				memcpy(k->server, v, vlen);
				k->server[vlen] = '\0';
			}
		} else if ((v = value_of(line, ll, "certificate-authority-data", &vlen))) {
			r = take_b64(v, vlen, "certificate-authority-data", &k->ca, &k->ca_len, err, errlen);
		} else if ((v = value_of(line, ll, "client-certificate-data", &vlen))) {
			r = take_b64(v, vlen, "client-certificate-data", &k->cert, &k->cert_len, err, errlen);
		} else if ((v = value_of(line, ll, "client-key-data", &vlen))) {
			r = take_b64(v, vlen, "client-key-data", &k->key, &k->key_len, err, errlen);
		}
	}
	if (r == 0 && (!k->server[0] || !k->ca || !k->cert || !k->key)) {
		snprintf(err, errlen, "expected server, certificate-authority-data, client-certificate-data and "
				      "client-key-data");
		r = -EBADMSG;
	}
	if (r < 0)
		kubeconfig_free(k);
	return r;
}

int kubeconfig_load(const char *path, struct kubeconfig *k, char *err, size_t errlen)
{
	memset(k, 0, sizeof *k);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	char *buf = malloc(KUBECONFIG_MAX + 1);
	ssize_t n = buf ? read(fd, buf, KUBECONFIG_MAX + 1) : -1;
	close(fd);
	int r;
	char why[200];
	if (n < 0 || n > KUBECONFIG_MAX) {
		snprintf(err, errlen, "%s: %s", path, n < 0 ? "cannot read" : "too large");
		r = -EFBIG;
	} else if ((r = kubeconfig_parse(buf, (size_t)n, k, why, sizeof why)) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
	}
	free(buf);
	return r;
}

void kubeconfig_free(struct kubeconfig *k)
{
	if (k->key)
		explicit_bzero(k->key, k->key_len);
	free(k->ca), free(k->cert), free(k->key);
	k->ca = k->cert = k->key = NULL;
}
