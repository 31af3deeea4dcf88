#include "cluster_conf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kv.h"
#include "valid.h"

enum kind { K_IPV4, K_DNS, K_PORT, K_SEMVER, K_CIDR, K_PATH, K_VRID, K_LEASE, K_SKEW, K_BOOL, K_QUORUM, K_INTERVAL, K_COUNT };

struct key {
	const char *name;
	enum kind kind;
	bool required;
	size_t off; /* offset of the field in struct cluster_conf */
};

#define F(field) offsetof(struct cluster_conf, field)
static const struct key keys[] = {
	{"vip", K_IPV4, true, F(vip)},
	{"vip_name", K_DNS, true, F(vip_name)},
	{"api_port", K_PORT, false, F(api_port)},
	{"backend_port", K_PORT, false, F(backend_port)},
	{"k8s_version", K_SEMVER, true, F(k8s_version)},
	{"pod_cidr", K_CIDR, true, F(pod_cidr)},
	{"service_cidr", K_CIDR, false, F(service_cidr)},
	{"cni_manifest", K_PATH, false, F(cni_manifest)},
	{"manifests_dir", K_PATH, false, F(manifests_dir)},
	{"images_dir", K_PATH, false, F(images_dir)},
	{"share", K_PATH, false, F(share)},
	{"phylactery_port", K_PORT, false, F(phylactery_port)},
	{"vrid", K_VRID, false, F(vrid)},
	{"lease_seconds", K_LEASE, false, F(lease_seconds)},
	{"clock_max_skew_ms", K_SKEW, false, F(clock_max_skew_ms)},
	{"pki_on_share", K_BOOL, false, F(pki_on_share)},
	{"on_quorum_loss", K_QUORUM, false, F(on_quorum_loss)},
	{"snapshot_interval", K_INTERVAL, false, F(snapshot_interval)},
	{"snapshot_count", K_COUNT, false, F(snapshot_count)},
	{"restore_on_cold_start", K_BOOL, false, F(restore_on_cold_start)},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const char *const expectation[] = {
	[K_IPV4] = "an IPv4 address like 10.10.0.100",
	[K_DNS] = "a DNS name like vip.kubernetes.local (lowercase letters, digits, '-', '.')",
	[K_PORT] = "a port number 1-65535",
	[K_SEMVER] = "a Kubernetes version like 1.32.0 (no leading 'v')",
	[K_CIDR] = "an IPv4 CIDR like 10.244.0.0/16 (host bits zero)",
	[K_PATH] = "an absolute path without spaces or '..'",
	[K_VRID] = "a VRRP router id 1-255",
	[K_LEASE] = "a number of seconds 3-3600",
	[K_SKEW] = "a number of milliseconds 1-3600000",
	[K_BOOL] = "yes or no",
	[K_QUORUM] = "report or restore",
	[K_INTERVAL] = "a number of seconds: 0 (no snapshots) or 60-604800",
	[K_COUNT] = "a number of snapshots to keep, 1-1000",
};

struct state {
	struct cluster_conf *c;
	bool have_section;
	unsigned seen[NKEYS];
};

static int set_value(const struct key *k, const char *v, struct cluster_conf *c)
{
	char *field = (char *)c + k->off;
	unsigned long long n;
	switch (k->kind) {
	case K_IPV4:
		if (!valid_ipv4(v, NULL))
			return -EINVAL;
		snprintf(field, sizeof c->vip, "%s", v);
		return 0;
	case K_DNS:
		if (!valid_dns_name(v))
			return -EINVAL;
		snprintf(field, sizeof c->vip_name, "%s", v);
		return 0;
	case K_SEMVER:
		if (!valid_semver(v) || strlen(v) >= sizeof c->k8s_version)
			return -EINVAL;
		snprintf(field, sizeof c->k8s_version, "%s", v);
		return 0;
	case K_CIDR:
		if (!valid_cidr4(v))
			return -EINVAL;
		snprintf(field, sizeof c->pod_cidr, "%s", v);
		return 0;
	case K_PATH:
		if (!valid_abs_path(v, CONF_PATH_MAX))
			return -EINVAL;
		snprintf(field, CONF_PATH_MAX, "%s", v);
		return 0;
	case K_PORT:
	case K_VRID:
	case K_LEASE:
	case K_SKEW:
	case K_INTERVAL:
	case K_COUNT: {
		static const unsigned long long lo[] = {
			[K_PORT] = 1, [K_VRID] = 1, [K_LEASE] = 3, [K_SKEW] = 1, [K_INTERVAL] = 0, [K_COUNT] = 1};
		static const unsigned long long hi[] = {[K_PORT] = 65535, [K_VRID] = 255, [K_LEASE] = 3600,
							[K_SKEW] = 3600000, [K_INTERVAL] = 604800, [K_COUNT] = 1000};
		if (!valid_uint(v, lo[k->kind], hi[k->kind], &n) || (k->kind == K_INTERVAL && n && n < 60))
			return -EINVAL;
		*(unsigned *)(void *)field = (unsigned)n;
		return 0;
	}
	case K_BOOL:
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return -EINVAL;
		*(bool *)(void *)field = !strcmp(v, "yes");
		return 0;
	case K_QUORUM:
		if (strcmp(v, "report") && strcmp(v, "restore"))
			return -EINVAL;
		*(enum quorum_policy *)(void *)field = !strcmp(v, "report") ? QUORUM_REPORT : QUORUM_RESTORE;
		return 0;
	}
	return -EINVAL;
}

static int on_line(const char *section, const char *key, const char *value, unsigned lineno, void *ctx, char *err,
		   size_t errlen)
{
	struct state *st = ctx;
	if (strcmp(section, "cluster")) {
		snprintf(err, errlen, "%s: expected it in the [cluster] section, found it in [%s]", key, section);
		return -EINVAL;
	}
	st->have_section = true;
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].name, key))
			continue;
		if (st->seen[i]) {
			snprintf(err, errlen, "%s: expected once, already set on line %u", key, st->seen[i]);
			return -EINVAL;
		}
		st->seen[i] = lineno;
		if (set_value(&keys[i], value, st->c) < 0) {
			snprintf(err, errlen, "%s: expected %s, got '%.80s'", key, expectation[keys[i].kind], value);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(err, errlen, "%s: unknown key (expected one of vip, vip_name, api_port, backend_port, k8s_version, "
			      "pod_cidr, service_cidr, cni_manifest, manifests_dir, images_dir, share, phylactery_port, "
			      "vrid, lease_seconds, clock_max_skew_ms, pki_on_share, on_quorum_loss, "
			      "snapshot_interval, snapshot_count, restore_on_cold_start)",
		 key);
	return -EINVAL;
}

void cluster_conf_defaults(struct cluster_conf *c)
{
	memset(c, 0, sizeof *c);
	c->api_port = 8443;
	c->backend_port = 6443;
	c->phylactery_port = 9180;
	c->vrid = 51;
	c->lease_seconds = 30;
	c->clock_max_skew_ms = 2000;
	snprintf(c->service_cidr, sizeof c->service_cidr, "10.96.0.0/12");
	snprintf(c->share, sizeof c->share, "/share");
	c->on_quorum_loss = QUORUM_REPORT;
	c->snapshot_interval = 3600;
	c->snapshot_count = 24;
	c->restore_on_cold_start = false;
}

static int finish(const char *name, struct state *st, char *err, size_t errlen)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].required && !st->seen[i]) {
			snprintf(err, errlen, "%s: %s: missing; expected %s%s", name, keys[i].name,
				 expectation[keys[i].kind], st->have_section ? "" : " in a [cluster] section");
			return -EINVAL;
		}
	if (st->c->api_port == st->c->backend_port) {
		snprintf(err, errlen, "%s: api_port: expected a port other than backend_port (%u): haproxy and "
				      "kube-apiserver both listen on every control node",
			 name, st->c->backend_port);
		return -EINVAL;
	}
	return 0;
}

int cluster_conf_parse(const char *name, const char *text, struct cluster_conf *c, char *err, size_t errlen)
{
	struct state st = {.c = c};
	cluster_conf_defaults(c);
	int r = kv_parse(name, text, on_line, &st, err, errlen);
	return r < 0 ? r : finish(name, &st, err, errlen);
}

int cluster_conf_load(const char *path, struct cluster_conf *c, char *err, size_t errlen)
{
	struct state st = {.c = c};
	cluster_conf_defaults(c);
	int r = kv_read(path, on_line, &st, err, errlen);
	return r < 0 ? r : finish(path, &st, err, errlen);
}
