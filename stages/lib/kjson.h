/* JSON answers the stages read (cJSON): Kubernetes Status errors and NodeLists, etcd's member list
 * (JSON gateway: uint64 IDs as decimal strings), and the join credentials phylactery hands out.
 * Every parser takes a length (bodies are not trusted to be NUL-terminated or small), checks types,
 * and returns 0 or -EBADMSG with a reason. */
#ifndef STAGES_KJSON_H
#define STAGES_KJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KJSON_MAX_BODY (1 << 20)

struct k8s_status {
	int code;         /* HTTP code the Status carries */
	char reason[64];  /* NotFound, AlreadyExists, Unauthorized, ... ("" when absent) */
	char message[256];
};

struct k8s_node {
	char name[64];
	bool ready; /* condition type Ready with status "True" */
};

struct etcd_member {
	uint64_t id;
	char name[64];
	char peer_url[128];   /* first peerURL */
	char client_url[128]; /* first clientURL ("" for a member not started yet) */
	bool learner;
};

struct join_creds {
	char token[24];          /* abcdef.0123456789abcdef */
	char ca_cert_hash[72];   /* sha256:<64 hex> */
	char certificate_key[65];
	char endpoint[300];      /* vip_name:port */
};

int k8s_status_parse(const char *body, size_t len, struct k8s_status *out, char *err, size_t errlen);
/* Fills up to max nodes; *n gets how many. */
int k8s_nodelist_parse(const char *body, size_t len, struct k8s_node *out, int max, int *n, char *err, size_t errlen);
int etcd_members_parse(const char *body, size_t len, struct etcd_member *out, int max, int *n, char *err,
		       size_t errlen);
int join_creds_parse(const char *body, size_t len, struct join_creds *out, char *err, size_t errlen);
/* The JSON object as a malloc'd string (NULL when out of memory). */
char *join_creds_json(const struct join_creds *c);

bool valid_bootstrap_token(const char *s); /* [a-z0-9]{6}.[a-z0-9]{16} */

/* A Secret object's data[key], base64-decoded into a malloc'd *out of *outlen bytes: 0, 1 when the
 * Secret has no such key, -EBADMSG with why when the body is not a Secret or the value not base64. */
int kjson_secret_value(const char *body, size_t len, const char *key, unsigned char **out, size_t *outlen,
		       char *why, size_t whylen);

#endif
