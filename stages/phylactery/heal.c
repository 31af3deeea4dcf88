/* The API's healing endpoints: /forget, /evict, /reboot, /metrics. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forget.h"
#include "phylactery.h"

int phyl_etcd_client(const struct phyl *p, struct etcd_client *ec, char *err, size_t errlen)
{
	memset(ec, 0, sizeof *ec);
	if (p->etcd_url[0] && !strncmp(p->etcd_url, "http://", 7)) {
		snprintf(ec->endpoint, sizeof ec->endpoint, "%s", p->etcd_url); /* tests: no certificates */
		return 0;
	}
	snprintf(ec->endpoint, sizeof ec->endpoint, "%s", p->etcd_url[0] ? p->etcd_url : "");
	if (!ec->endpoint[0])
		snprintf(ec->endpoint, sizeof ec->endpoint, "https://%s:2379", p->me.ip);
	return etcd_client_certs(ec, p->pki_dir ? p->pki_dir : "/etc/kubernetes/pki", err, errlen);
}

/* The API target: this node's own kube-apiserver with the admin kubeconfig's credentials. */
int phyl_kube_target(const struct phyl *p, struct kube_target *kt, struct kubeconfig *kc, char *err, size_t errlen)
{
	memset(kt, 0, sizeof *kt);
	memset(kc, 0, sizeof *kc);
	/* Not the client's 5 s: a loaded API server (a member joining etcd; 5 VMs under TCG) took longer
	 * to delete a Node, and every later join attempt failed at its /forget. The joiner allows 60 s. */
	kt->timeout_ms = 20000;
	if (!strncmp(p->api_url, "http://", 7)) {
		snprintf(kt->base, sizeof kt->base, "%s", p->api_url);
		return 0;
	}
	if (p->api_url[0])
		snprintf(kt->base, sizeof kt->base, "%s", p->api_url);
	else
		snprintf(kt->base, sizeof kt->base, "https://%s:%u", p->me.ip, p->conf.backend_port);
	int r = kubeconfig_load(p->admin_conf ? p->admin_conf : "/etc/kubernetes/admin.conf", kc, err, errlen);
	kt->kc = kc;
	return r;
}

static void count(struct phyl *p, unsigned long long *counter)
{
	pthread_mutex_lock(&p->mu);
	(*counter)++;
	pthread_mutex_unlock(&p->mu);
}

int phyl_on_forget(void *ctx, const char *name, const char *ip, bool control, bool evict, char **json, char *msg,
		   size_t len)
{
	struct phyl *p = ctx;
	char err[300], addr[16];
	*json = NULL;
	snprintf(addr, sizeof addr, "%s", ip);
	if (!strcmp(name, p->me.name) || !strcmp(addr, p->me.ip)) {
		snprintf(msg, len, "%s (%s) is this node: ask another control node", name, addr);
		return -EPERM;
	}
	if (!addr[0]) { /* /evict without an ip: the registry's, if the node is registered */
		pthread_mutex_lock(&p->mu);
		for (int i = 0; i < p->nregistry; i++)
			if (!strcmp(p->registry[i].name, name))
				snprintf(addr, sizeof addr, "%s", p->registry[i].ip);
		pthread_mutex_unlock(&p->mu);
	}
	struct etcd_client ec;
	struct kube_target kt;
	struct kubeconfig kc = {0};
	if (phyl_etcd_client(p, &ec, err, sizeof err) < 0 || phyl_kube_target(p, &kt, &kc, err, sizeof err) < 0) {
		kubeconfig_free(&kc);
		snprintf(msg, len, "this node cannot do it yet: %s", err);
		return -ENOENT;
	}
	struct forget_report rep;
	int r = forget_node(&ec, &kt, name, addr, control, p->me.ip, &rep, msg, len);
	kubeconfig_free(&kc);
	count(p, r < 0 ? &p->metrics.failures : evict ? &p->metrics.evictions : &p->metrics.rejoins);
	if (r < 0) {
		phyl_action(p, "%s %s: %s", evict ? "evict" : "forget", name, msg);
		return r;
	}
	phyl_action(p, "%s %s (%s): node %s, %d etcd member(s) removed", evict ? "evicted" : "forgot", name,
		    addr[0] ? addr : "no address", rep.node_deleted ? "deleted" : "absent", rep.members_removed);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddBoolToObject(o, "node_deleted", rep.node_deleted);
	cJSON_AddNumberToObject(o, "etcd_members_removed", rep.members_removed);
	if (control)
		cJSON_AddNumberToObject(o, "etcd_members", rep.etcd_members);
	*json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return 0;
}

int phyl_on_reboot(void *ctx, char *msg, size_t len)
{
	struct phyl *p = ctx;
	if (!p->reboot_argv) {
		snprintf(msg, len, "this phylactery has no reboot command (workstation run)");
		return -ENOTSUP;
	}
	pthread_mutex_lock(&p->mu);
	p->reboot_pending = true; /* the main loop reboots after this answer is sent */
	pthread_mutex_unlock(&p->mu);
	uint64_t one = 1;
	if (write(p->wake_fd, &one, sizeof one) < 0)
		return 0; /* the next housekeeping round does it */
	return 0;
}

char *phyl_metrics_text(void *ctx)
{
	struct phyl *p = ctx;
	pthread_mutex_lock(&p->mu);
	struct phyl_metrics m = p->metrics;
	pthread_mutex_unlock(&p->mu);
	return metrics_render(&m);
}
