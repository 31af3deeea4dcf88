/* phylactery: the control nodes' daemon (phylactery.service, Type=notify).
 *
 *   phylactery [--node-conf PATH] [--cluster-conf PATH] [--share DIR] [--listen IP[:PORT]]
 *              [--haproxy-cfg PATH] [--keepalived-conf PATH] [--ready-seen PATH] [--no-reload]
 *              [--etcd URL] [--api URL] [--pki-dir DIR] [--admin-conf PATH] [--reboot-cmd PATH]
 *
 * --etcd and --api point the healing endpoints elsewhere than this node's own etcd (https://IP:2379)
 * and kube-apiserver (https://IP:backend_port); an http:// URL is used without credentials (tests).
 * On a node it registers itself on the share, writes /etc/haproxy/haproxy.cfg and
 * /etc/keepalived/keepalived.conf, reloads them on a change, and serves the API (api.h).
 * `phylactery --listen 127.0.0.1:9180 --share DIR` runs it on a workstation against a directory:
 * without node.conf and cluster.conf it uses a stand-in identity and writes no load-balancer config
 * unless asked to with --haproxy-cfg / --keepalived-conf.
 *
 *   phylactery --render --share DIR [--node-conf PATH] [--cluster-conf PATH]
 *              [--haproxy-cfg PATH|-] [--keepalived-conf PATH|-]
 *
 * writes the files the daemon would write for this node from DIR's registry, once, and exits
 * (render.h): an operator's preview, and how `make demo-node` configures a lone node's keepalived. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "notify.h"
#include "reset_epoch.h"
#include "share_mount.h"
#include "valid.h"
#include "api.h"
#include "phylactery.h"
#include "render.h"

/* Housekeeping period: the registry heartbeat and a re-read that catches peers which could not tell
 * us they changed. Changes that peers announce are handled at once (POST /refresh). */
#define HOUSEKEEPING_MS 10000

static int usage(void)
{
	fprintf(stderr, "usage: phylactery [--node-conf PATH] [--cluster-conf PATH] [--share DIR] [--listen IP[:PORT]]\n"
			"                  [--haproxy-cfg PATH] [--keepalived-conf PATH] [--ready-seen PATH] [--no-reload]\n"
			"                  [--etcd URL] [--api URL] [--pki-dir DIR] [--admin-conf PATH] [--reboot-cmd PATH]\n"
			"       phylactery --render --share DIR [--node-conf PATH] [--cluster-conf PATH]\n"
			"                  [--haproxy-cfg PATH|-] [--keepalived-conf PATH|-]   (at least one of the two)\n");
	return 2;
}

static bool workstation_identity(struct phyl *p, const char *listen_ip)
{
	cluster_conf_defaults(&p->conf);
	snprintf(p->conf.vip, sizeof p->conf.vip, "127.0.0.1");
	snprintf(p->conf.vip_name, sizeof p->conf.vip_name, "vip.kubernetes.local");
	snprintf(p->conf.k8s_version, sizeof p->conf.k8s_version, "1.32.0");
	snprintf(p->conf.pod_cidr, sizeof p->conf.pod_cidr, "10.244.0.0/16");
	memset(&p->node, 0, sizeof p->node);
	snprintf(p->node.name, sizeof p->node.name, "workstation");
	snprintf(p->node.ip, sizeof p->node.ip, "%s", strcmp(listen_ip, "0.0.0.0") ? listen_ip : "127.0.0.1");
	p->node.control = true;
	return true;
}

static void phyl_status(const char *text)
{
	notify_status("phylactery", "%s", text);
}

int main(int argc, char **argv)
{
	static char *reboot_argv[] = {"ekctl", "reboot", NULL}, *reboot_cmd[] = {NULL, NULL};
	static struct phyl p = {.reboot_argv = reboot_argv,.haproxy_cfg = "/etc/haproxy/haproxy.cfg",
				.keepalived_conf = "/etc/keepalived/keepalived.conf",
				.ready_seen = "/run/ekinit/leader-ready-seen",
				.reload = true,
				.creds = {.ca_crt = "/etc/kubernetes/pki/ca.crt",
					  .certkey_cache = "/run/ekinit/phylactery-certkey",
					  .kubeadm = "kubeadm",
					  .check_secret = true},
				.mu = PTHREAD_MUTEX_INITIALIZER};
	const char *node_conf = NODE_CONF_PATH, *cluster_conf = CLUSTER_CONF_PATH, *share = NULL, *listen = NULL;
	bool lb_given = false, render = false, daemon_only = false;
	struct render_opts ro = {0};
	char err[512];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--no-reload")) {
			p.reload = false, daemon_only = true;
			continue;
		}
		if (!strcmp(a, "--render")) {
			render = true;
			continue;
		}
		if (!v)
			return usage();
		i++;
		daemon_only |= strcmp(a, "--node-conf") && strcmp(a, "--cluster-conf") && strcmp(a, "--share") &&
			       strcmp(a, "--haproxy-cfg") && strcmp(a, "--keepalived-conf");
		if (!strcmp(a, "--node-conf"))
			node_conf = v;
		else if (!strcmp(a, "--cluster-conf"))
			cluster_conf = v;
		else if (!strcmp(a, "--share"))
			share = v;
		else if (!strcmp(a, "--listen"))
			listen = v;
		else if (!strcmp(a, "--haproxy-cfg"))
			p.haproxy_cfg = ro.haproxy_cfg = v, lb_given = true;
		else if (!strcmp(a, "--keepalived-conf"))
			p.keepalived_conf = ro.keepalived_conf = v, lb_given = true;
		else if (!strcmp(a, "--ready-seen"))
			p.ready_seen = v;
		else if (!strcmp(a, "--etcd") && (!strncmp(v, "http://", 7) || !strncmp(v, "https://", 8)))
			snprintf(p.etcd_url, sizeof p.etcd_url, "%s", v);
		else if (!strcmp(a, "--api") && (!strncmp(v, "http://", 7) || !strncmp(v, "https://", 8)))
			snprintf(p.api_url, sizeof p.api_url, "%s", v);
		else if (!strcmp(a, "--pki-dir"))
			p.pki_dir = v;
		else if (!strcmp(a, "--admin-conf"))
			p.admin_conf = v;
		else if (!strcmp(a, "--reboot-cmd") && v[0] == '/')
			reboot_cmd[0] = (char *)v, p.reboot_argv = reboot_cmd;
		else
			return usage();
	}
	if (render) {
		if (!share || !lb_given || daemon_only) {
			fprintf(stderr, "phylactery: --render needs --share DIR and --haproxy-cfg and/or --keepalived-conf, "
					"and takes only --node-conf and --cluster-conf besides\n");
			return usage();
		}
		ro.node_conf = node_conf, ro.cluster_conf = cluster_conf, ro.share = share;
		if (render_once(&ro, stdout, stderr, err, sizeof err) < 0) {
			fprintf(stderr, "phylactery: %s\n", err);
			return 1;
		}
		return 0;
	}
	/* "-" (standard output) is for --render only: the daemon rewrites its files, it would create one named "-". */
	if ((p.haproxy_cfg && !strcmp(p.haproxy_cfg, "-")) || (p.keepalived_conf && !strcmp(p.keepalived_conf, "-"))) {
		fprintf(stderr, "phylactery: --haproxy-cfg - and --keepalived-conf - (standard output) need --render\n");
		return usage();
	}
	char listen_ip[32] = "0.0.0.0";
	unsigned port = 0;
	if (listen) {
		const char *colon = strchr(listen, ':');
		unsigned long long n;
		snprintf(listen_ip, sizeof listen_ip, "%.*s", colon ? (int)(colon - listen) : (int)strlen(listen), listen);
		if (!valid_ipv4(listen_ip, NULL) || (colon && !valid_uint(colon + 1, 1, 65535, &n))) {
			fprintf(stderr, "phylactery: --listen: expected IP[:PORT], got '%s'\n", listen);
			return 2;
		}
		port = colon ? (unsigned)n : 0;
	}
	bool workstation = share && listen && access(cluster_conf, F_OK) < 0;
	if (workstation) {
		workstation_identity(&p, listen_ip);
		if (!lb_given)
			p.haproxy_cfg = p.keepalived_conf = NULL;
		p.reload = false;
		if (!reboot_cmd[0])
			p.reboot_argv = NULL; /* a workstation is not rebooted by a request */
	} else if (cluster_conf_load(cluster_conf, &p.conf, err, sizeof err) < 0 ||
		   node_info_load(node_conf, &p.node, err, sizeof err) < 0) {
		notify_status("phylactery", "configuration: %s", err);
		return 1;
	}
	snprintf(p.share, sizeof p.share, "%s", share ? share : p.conf.share);
	if (!port)
		port = p.conf.phylactery_port;
	snprintf(p.me.name, sizeof p.me.name, "%s", p.node.name);
	snprintf(p.me.ip, sizeof p.me.ip, "%s", p.node.ip);
	/* Never register or make a secret on a local directory: wait for the share (share_mount.h). */
	if (!workstation)
		share_wait_mounted(p.share, 0, phyl_status);
	if (read_boot_id(p.me.boot_id, err, sizeof err) < 0 ||
	    share_secret_ensure(p.share, p.secret, err, sizeof err) < 0) {
		notify_status("phylactery", "%s", err);
		return 1;
	}
	http_global_init();
	setenv("ETCDCTL_API", "3", 1);
	reset_epoch_read(p.share, p.reset_epoch, sizeof p.reset_epoch); /* the epoch we booted with */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL); /* before the API thread starts: it inherits the mask */
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	p.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct api_handlers h = {.ctx = &p, .refresh = phyl_on_refresh, .join_creds = phyl_on_join_creds,
				 .status_json = phyl_status_json, .forget = phyl_on_forget, .reboot = phyl_on_reboot,
				 .metrics_text = phyl_metrics_text};
	struct api *api = api_start(listen_ip, port, p.secret, &h, err, sizeof err);
	if (!api || sfd < 0 || p.wake_fd < 0) {
		notify_status("phylactery", "API: %s", api ? "signalfd/eventfd failed" : err);
		return 1;
	}
	/* What haproxy and keepalived run now is unknown (a phylactery restarted after writing a file but
	 * before its reload): one reload each at the first refresh, retried until it succeeds. */
	reload_retry_mark(&p.haproxy_reload);
	reload_retry_mark(&p.keepalived_reload);
	/* Announce ourselves: the peers add us to their haproxy and keepalived at once. */
	phyl_refresh(&p, "registry", true);
	notify_send("READY=1");
	notify_status("phylactery", "serving on %s:%u, share %s, %d control nodes registered", listen_ip, port, p.share,
		      p.nregistry);
	long long last_housekeeping = 0;
	for (;;) {
		struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = p.wake_fd, .events = POLLIN}};
		int n = poll(fds, 2, phyl_wait_ms(&p, HOUSEKEEPING_MS)); /* a reload retry may be due sooner */
		if (n < 0 && errno != EINTR)
			break;
		if (fds[0].revents & POLLIN)
			break;
		uint64_t count;
		if (fds[1].revents & POLLIN && read(p.wake_fd, &count, sizeof count) < 0)
			continue;
		pthread_mutex_lock(&p.mu);
		char event[16];
		snprintf(event, sizeof event, "%s", p.pending ? p.pending_event : "registry");
		bool fanout = p.pending_fanout;
		p.pending = p.pending_fanout = false;
		pthread_mutex_unlock(&p.mu);
		phyl_refresh(&p, event, fanout);
		pthread_mutex_lock(&p.mu);
		bool reboot = p.reboot_pending;
		pthread_mutex_unlock(&p.mu);
		/* By the clock, not only on a quiet poll: frequent pushes must not starve the etcd checks. */
		long long now_ms = phyl_now_ms();
		if (reboot || now_ms - last_housekeeping >= HOUSEKEEPING_MS) {
			last_housekeeping = now_ms;
			phyl_housekeeping(&p);
		}
	}
	notify_send("STOPPING=1");
	api_stop(api);
	return 0;
}
