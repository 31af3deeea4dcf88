/* Join credentials for /join-credentials: a fresh bootstrap token (kubeadm token create --ttl 2h),
 * the CA hash (sha256 of the DER SubjectPublicKeyInfo of /etc/kubernetes/pki/ca.crt, as kubeadm
 * computes it), and the certificate key, re-uploaded (kubeadm init phase upload-certs) when the
 * cached one is older than 1h50m (kubeadm deletes the uploaded certificates after 2 h) or the kubeadm-certs
 * Secret is gone. */
#ifndef PHYLACTERY_CREDS_H
#define PHYLACTERY_CREDS_H

#include <stdbool.h>
#include <stddef.h>

#include "cluster_conf.h"
#include "kjson.h"
#include "kube_client.h"

#define CERTKEY_MAX_AGE_S (110 * 60)

struct creds_paths {
	const char *ca_crt;       /* /etc/kubernetes/pki/ca.crt */
	const char *certkey_cache; /* /run/ekinit/phylactery-certkey */
	const char *kubeadm;      /* program name or path ("kubeadm") */
	bool check_secret;        /* a cached key needs the kubeadm-certs Secret (false: workstation tests) */
};

int ca_cert_hash(const char *ca_crt, char out[72], char *err, size_t errlen);

/* The last non-empty line of text (modified in place). */
char *last_line(char *text);

/* The certificate key: the cached one while it is younger than CERTKEY_MAX_AGE_S and (with check_secret)
 * the kubeadm-certs Secret exists on api, else a new upload (kubeadm init phase upload-certs), cached.
 * api NULL with check_secret: the Secret cannot be asked for, so the key is uploaded again. */
int creds_certificate_key(const struct creds_paths *p, const struct kube_target *api, char out[65], char *err,
			  size_t errlen);

int creds_get(const struct creds_paths *p, const struct kube_target *api, const struct cluster_conf *c,
	      struct join_creds *out, char *err, size_t errlen);

#endif
