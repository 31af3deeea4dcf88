#include "phylactery.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "notify.h"
#include "run.h"
#include "lb_config.h"

void phyl_action(struct phyl *p, const char *fmt, ...)
{
	char text[180];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	printf("phylactery: %s\n", text);
	fflush(stdout);
	pthread_mutex_lock(&p->mu);
	snprintf(p->actions[p->next_action], sizeof p->actions[0], "%lld %s", (long long)time(NULL), text);
	p->next_action = (p->next_action + 1) % ACTIONS_MAX;
	if (p->nactions < ACTIONS_MAX)
		p->nactions++;
	pthread_mutex_unlock(&p->mu);
}

int write_if_changed(const char *path, const char *text, size_t len, mode_t mode, char *err, size_t errlen)
{
	char *old = malloc(len + 2);
	if (!old)
		return -ENOMEM;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, old, len + 1) : -1;
	bool same_mode = fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == mode;
	if (fd >= 0)
		close(fd);
	bool same = same_mode && n == (ssize_t)len && !memcmp(old, text, len);
	free(old);
	if (same)
		return 0;
	int r = share_write_atomic(path, text, len, mode, err, errlen);
	return r < 0 ? r : 1;
}

long long phyl_now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int phyl_wait_ms(const struct phyl *p, int cap)
{
	long long now = phyl_now_ms();
	int w = reload_retry_wait_ms(&p->haproxy_reload, now, cap);
	return reload_retry_wait_ms(&p->keepalived_reload, now, w);
}

/* Reloads unit when its configuration changed or an earlier reload failed and the retry is due. */
static void reload(struct phyl *p, const char *unit, struct reload_retry *rr)
{
	long long now = phyl_now_ms();
	if (!p->reload || !reload_retry_due(rr, now))
		return;
	char *argv[] = {"ekctl", "reload", (char *)unit, NULL}, err[200], out[256];
	struct run_result res;
	/* Ask the unit's state first: a stopped unit reads the file when it starts, a starting one may
	 * already have read the old file and is asked again, and a fresh one gets a few seconds before
	 * its SIGHUP (reload_retry.h says why). Only a state word on stdout counts: an ekctl that could
	 * not ask PID 1 prints none, and then the reload is tried. */
	char *active[] = {"systemctl", "is-active", (char *)unit, NULL};
	enum unit_activity a = UNIT_UNKNOWN;
	if (run_cmd(active, 10000, out, sizeof out, &res, err, sizeof err) == 0)
		a = unit_activity_parse(res.len ? out : NULL);
	switch (reload_retry_decide(rr, a, now)) {
	case RELOAD_SKIP:
		phyl_action(p, "%s not running: it reads the new configuration when it starts", unit);
		return;
	case RELOAD_LATER:
		if (a == UNIT_STARTING)
			phyl_action(p, "%s is starting: reload in %lld ms", unit, rr->next_ms - now);
		return;
	case RELOAD_NOW:
		break;
	}
	bool failed = run_cmd(argv, 30000, NULL, 0, &res, err, sizeof err) < 0 || res.exit_code;
	reload_retry_done(rr, !failed, phyl_now_ms());
	if (failed)
		phyl_action(p, "ekctl reload %s failed (try %u; again in %lld ms)", unit, rr->failures,
			    rr->next_ms - phyl_now_ms());
	else
		phyl_action(p, "reloaded %s", unit);
	pthread_mutex_lock(&p->mu);
	failed ? p->metrics.failures++ : p->metrics.reloads++;
	pthread_mutex_unlock(&p->mu);
}

static void tell_peers(struct phyl *p, const char *event, const struct share_entry *reg, int n)
{
	char body[64];
	snprintf(body, sizeof body, "{\"event\":\"%s\"}", event);
	for (int i = 0; i < n; i++) {
		if (!strcmp(reg[i].ip, p->me.ip))
			continue;
		char url[100], err[300];
		snprintf(url, sizeof url, "http://%s:%u/refresh", reg[i].ip, p->conf.phylactery_port);
		struct http_req req = {.method = "POST", .url = url, .bearer = p->secret, .body = body,
				       .timeout_ms = 2000, .connect_timeout_ms = 1000, .max_body = 4096};
		struct http_resp resp;
		if (http_do(&req, &resp, err, sizeof err) < 0) {
			phyl_action(p, "told %s %s: %s", reg[i].name, event, err);
			continue;
		}
		phyl_action(p, "told %s %s: HTTP %ld", reg[i].name, event, resp.status);
		http_resp_free(&resp);
	}
}

void phyl_refresh(struct phyl *p, const char *event, bool fanout)
{
	char err[300], buf[16384];
	struct share_entry reg[REGISTRY_MAX];
	int garbage;
	p->me.time = time(NULL);
	if (share_registry_put(p->share, &p->me, err, sizeof err) < 0)
		phyl_action(p, "registry: %s", err);
	int n = share_registry_list(p->share, reg, REGISTRY_MAX, &garbage, err, sizeof err);
	if (n < 0) {
		phyl_action(p, "registry: %s", err);
		return;
	}
	if (garbage)
		phyl_action(p, "registry: %d unreadable entries ignored", garbage);
	pthread_mutex_lock(&p->mu);
	bool changed = n != p->nregistry;
	for (int i = 0; !changed && i < n; i++)
		changed = strcmp(reg[i].name, p->registry[i].name) || strcmp(reg[i].ip, p->registry[i].ip);
	memcpy(p->registry, reg, sizeof reg[0] * (size_t)n);
	p->nregistry = n;
	pthread_mutex_unlock(&p->mu);
	if (changed)
		phyl_action(p, "registry: %d control nodes", n);

	int len;
	if (p->haproxy_cfg && (len = haproxy_cfg_render(&p->conf, reg, n, buf, sizeof buf)) >= 0) {
		int r = write_if_changed(p->haproxy_cfg, buf, (size_t)len, 0644, err, sizeof err);
		if (r < 0)
			phyl_action(p, "%s: %s", p->haproxy_cfg, err);
		else if (r > 0)
			reload_retry_mark(&p->haproxy_reload);
		reload(p, "haproxy", &p->haproxy_reload); /* hitless: the master hands the listeners over */
	}
	if (p->keepalived_conf &&
	    (len = keepalived_conf_render(&p->conf, &p->node, reg, n, p->secret, buf, sizeof buf)) >= 0) {
		/* 0600: it holds the VRRP authentication secret */
		int r = write_if_changed(p->keepalived_conf, buf, (size_t)len, 0600, err, sizeof err);
		if (r < 0)
			phyl_action(p, "%s: %s", p->keepalived_conf, err);
		else if (r > 0)
			reload_retry_mark(&p->keepalived_reload);
		reload(p, "keepalived", &p->keepalived_reload);
	}
	if (fanout)
		tell_peers(p, event, reg, n);
}

int phyl_on_refresh(void *ctx, const char *event, bool fanout, char *msg, size_t len)
{
	struct phyl *p = ctx;
	if (!strcmp(event, "leader_ready") && p->ready_seen) {
		/* ek-join waits on this with inotify: the joiner starts now, not at its next share poll. */
		int fd = open(p->ready_seen, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			snprintf(msg, len, "%s: %s", p->ready_seen, strerror(errno));
			return -errno;
		}
		close(fd);
	}
	pthread_mutex_lock(&p->mu);
	p->pending = true;
	p->pending_fanout |= fanout;
	snprintf(p->pending_event, sizeof p->pending_event, "%s", event);
	pthread_mutex_unlock(&p->mu);
	uint64_t one = 1;
	if (write(p->wake_fd, &one, sizeof one) < 0)
		return 0; /* the periodic refresh will do it */
	return 0;
}

int phyl_on_join_creds(void *ctx, struct join_creds *out, char *msg, size_t len)
{
	struct phyl *p = ctx;
	struct kube_target kt;
	struct kubeconfig kc;
	char why[300];
	/* Without the API's credentials the kubeadm-certs check cannot be made: creds uploads again. */
	bool api = phyl_kube_target(p, &kt, &kc, why, sizeof why) == 0;
	int r = creds_get(&p->creds, api ? &kt : NULL, &p->conf, out, msg, len);
	kubeconfig_free(&kc);
	phyl_action(p, r < 0 ? "join credentials refused: %s" : "join credentials handed out%s", r < 0 ? msg : "");
	return r;
}

static cJSON *entry_json(const struct share_entry *e)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", e->name);
	cJSON_AddStringToObject(o, "ip", e->ip);
	cJSON_AddStringToObject(o, "boot_id", e->boot_id);
	cJSON_AddNumberToObject(o, "time", (double)e->time);
	return o;
}

/* The cached view of etcd (housekeeping refreshes it): asking etcd from the API thread would make
 * /status as slow as the slowest dead member. */
static void add_etcd(struct phyl *p, cJSON *o)
{
	const struct etcd_view *v = &p->etcd;
	if (!v->known && !v->error[0]) {
		cJSON_AddNullToObject(o, "etcd_members");
		return;
	}
	cJSON *arr = cJSON_AddArrayToObject(o, "etcd_members");
	for (int i = 0; i < v->n; i++) {
		cJSON *e = cJSON_CreateObject();
		char id[24];
		snprintf(id, sizeof id, "%llu", (unsigned long long)v->m[i].id);
		cJSON_AddStringToObject(e, "id", id); /* a string: JSON numbers lose uint64 precision */
		cJSON_AddStringToObject(e, "name", v->m[i].name);
		cJSON_AddStringToObject(e, "peer_url", v->m[i].peer_url);
		cJSON_AddStringToObject(e, "client_url", v->m[i].client_url);
		cJSON_AddBoolToObject(e, "learner", v->m[i].learner);
		cJSON_AddBoolToObject(e, "healthy", v->healthy[i]);
		cJSON_AddItemToArray(arr, e);
	}
	if (v->error[0])
		cJSON_AddStringToObject(o, "etcd_error", v->error);
	if (v->known) {
		cJSON *q = cJSON_AddObjectToObject(o, "etcd_quorum");
		cJSON_AddBoolToObject(q, "ok", v->q.ok);
		cJSON_AddNumberToObject(q, "voting", v->q.voting);
		cJSON_AddNumberToObject(q, "healthy_voting", v->q.healthy_voting);
		cJSON_AddNumberToObject(q, "needed", v->q.needed);
		cJSON_AddNumberToObject(q, "checked", (double)v->time);
		cJSON_AddNumberToObject(q, "members_listed", (double)v->listed);
	}
	if (p->quorum_report[0])
		cJSON_AddStringToObject(o, "quorum_lost", p->quorum_report);
}

char *phyl_status_json(void *ctx)
{
	struct phyl *p = ctx;
	char err[300], path[400];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "node", p->me.name);
	cJSON_AddStringToObject(o, "ip", p->me.ip);
	cJSON_AddStringToObject(o, "role", p->node.control ? "control" : "worker");
	struct share_entry e;
	snprintf(path, sizeof path, "%s/leader", p->share);
	if (share_entry_read(path, &e, err, sizeof err) == 0)
		cJSON_AddItemToObject(o, "leader", entry_json(&e));
	else
		cJSON_AddNullToObject(o, "leader");
	if (share_leader_ready_read(p->share, &e, err, sizeof err) == 0)
		cJSON_AddItemToObject(o, "leader_ready", entry_json(&e));
	else
		cJSON_AddNullToObject(o, "leader_ready");
	pthread_mutex_lock(&p->mu);
	add_etcd(p, o);
	cJSON *reg = cJSON_AddArrayToObject(o, "registry");
	for (int i = 0; i < p->nregistry; i++)
		cJSON_AddItemToArray(reg, entry_json(&p->registry[i]));
	cJSON *acts = cJSON_AddArrayToObject(o, "last_actions");
	for (int i = 0; i < p->nactions; i++) {
		int k = (p->next_action - p->nactions + i + ACTIONS_MAX) % ACTIONS_MAX;
		cJSON_AddItemToArray(acts, cJSON_CreateString(p->actions[k]));
	}
	pthread_mutex_unlock(&p->mu);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}
