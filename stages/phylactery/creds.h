/* Join credentials for /join-credentials: a fresh bootstrap token (kubeadm token create --ttl 2h),
 * the CA hash (sha256 of the DER SubjectPublicKeyInfo of /etc/kubernetes/pki/ca.crt, as kubeadm
 * computes it), and the certificate key, re-uploaded (kubeadm init phase upload-certs) when the
 * cached one is older than 1h50m (kubeadm deletes the uploaded certificates after 2 h) or the kubeadm-certs
 * Secret is gone. */
#ifndef PHYLACTERY_CREDS_H
#define PHYLACTERY_CREDS_H

#include <stddef.h>

#include "cluster_conf.h"
#include "kjson.h"

#define CERTKEY_MAX_AGE_S (110 * 60)

struct creds_paths {
	const char *ca_crt;       /* /etc/kubernetes/pki/ca.crt */
	const char *certkey_cache; /* /run/ekinit/phylactery-certkey */
	const char *kubeadm;      /* program name or path ("kubeadm") */
	const char *kubectl;      /* checks the kubeadm-certs Secret before a cached key is used; NULL: no check */
	const char *admin_conf;   /* /etc/kubernetes/admin.conf, kubectl's credentials */
};

int ca_cert_hash(const char *ca_crt, char out[72], char *err, size_t errlen);

/* The last non-empty line of text (modified in place). */
char *last_line(char *text);

/* The certificate key: the cached one while it is younger than CERTKEY_MAX_AGE_S and the kubeadm-certs
 * Secret exists, else a new upload (kubeadm init phase upload-certs), cached. */
int creds_certificate_key(const struct creds_paths *p, char out[65], char *err, size_t errlen);

int creds_get(const struct creds_paths *p, const struct cluster_conf *c, struct join_creds *out, char *err,
	      size_t errlen);

#endif
