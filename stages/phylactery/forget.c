#include "forget.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int forget_node(const struct etcd_client *ec, const struct kube_target *kt, const char *name, const char *ip,
		bool etcd, const char *self_ip, struct forget_report *rep, char *msg, size_t len)
{
	char err[300];
	memset(rep, 0, sizeof *rep);
	msg[0] = '\0';
	if (kt) {
		int r = kube_node_delete(kt, name, err, sizeof err);
		if (r < 0) {
			snprintf(msg, len, "%s", err);
			return r;
		}
		rep->node_deleted = r == 0;
	}
	if (!etcd || !ec)
		return 0;
	struct etcd_member m[ETCD_MEMBERS_MAX];
	bool healthy[ETCD_MEMBERS_MAX];
	int n, r = etcd_member_list(ec, m, ETCD_MEMBERS_MAX, &n, err, sizeof err);
	if (r < 0) {
		snprintf(msg, len, "etcd: %s", err);
		return r;
	}
	rep->etcd_members = n;
	for (int i = 0; i < n; i++)
		healthy[i] = etcd_member_healthy(ec, &m[i]);
	/* One pass per removal: the list and the health change after each. */
	for (int i = 0; i < n; i++) {
		if (!etcd_member_is(&m[i], name, ip))
			continue;
		char host[64];
		if (self_ip && url_host(m[i].peer_url, host, sizeof host) == 0 && !strcmp(host, self_ip)) {
			snprintf(msg, len, "etcd member %s (%s) is this node's own; not removed", m[i].name, m[i].peer_url);
			return -EPERM;
		}
		char why[200];
		if (!etcd_remove_keeps_quorum(m, healthy, n, i, why, sizeof why)) {
			snprintf(msg, len, "etcd member %s (%s) not removed: quorum would be lost (%s)",
				 m[i].name[0] ? m[i].name : "(unstarted)", m[i].peer_url, why);
			return -EBUSY;
		}
		if ((r = etcd_member_remove(ec, m[i].id, err, sizeof err)) < 0) {
			snprintf(msg, len, "etcd: removing member %" PRIx64 ": %s", m[i].id, err);
			return r;
		}
		rep->members_removed++;
		memmove(&m[i], &m[i + 1], sizeof m[0] * (size_t)(n - i - 1));
		memmove(&healthy[i], &healthy[i + 1], sizeof healthy[0] * (size_t)(n - i - 1));
		n--, i--;
	}
	rep->etcd_members = n;
	return 0;
}

int promote_learners(const struct etcd_client *ec, char *msg, size_t len)
{
	struct etcd_member m[ETCD_MEMBERS_MAX];
	char err[300];
	int n, promoted = 0, r = etcd_member_list(ec, m, ETCD_MEMBERS_MAX, &n, err, sizeof err);
	msg[0] = '\0';
	if (r < 0) {
		snprintf(msg, len, "%s", err);
		return r;
	}
	for (int i = 0; i < n; i++) {
		if (!m[i].learner)
			continue;
		r = etcd_member_promote(ec, m[i].id, err, sizeof err);
		if (r == 0)
			promoted++;
		else if (r != -EAGAIN)
			snprintf(msg, len, "promoting %s: %s", m[i].name, err);
	}
	return promoted;
}
