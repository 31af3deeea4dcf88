/* The admin kubeconfig (/etc/kubernetes/admin.conf) as kubeadm writes it: one cluster, one user, the
 * CA, client certificate and key embedded as base64 (certificate-authority-data, client-certificate-data,
 * client-key-data) and the server URL. Read line by line (no YAML library): the keys are unique in
 * kubeadm's file; anything else is an error, not a guess. */
#ifndef STAGES_KUBECONFIG_H
#define STAGES_KUBECONFIG_H

#include <stddef.h>

#define KUBECONFIG_MAX (64 * 1024)

struct kubeconfig {
	char server[256];
	unsigned char *ca, *cert, *key; /* decoded PEM, malloc'd */
	size_t ca_len, cert_len, key_len;
};

int kubeconfig_parse(const char *text, size_t len, struct kubeconfig *k, char *err, size_t errlen);
int kubeconfig_load(const char *path, struct kubeconfig *k, char *err, size_t errlen);
void kubeconfig_free(struct kubeconfig *k);

/* Standard base64 (RFC 4648, padding required, no whitespace). Returns the decoded length, or -1. out
 * needs (len / 4) * 3 bytes. */
long base64_decode(const char *in, size_t len, unsigned char *out);

#endif
