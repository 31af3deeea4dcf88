/* Forgetting a node's previous life (POST /forget before a rejoin, POST /evict by an operator): its
 * Node object through the API, and for a control node its etcd member, matched exactly (etcd.h),
 * removed only while quorum survives the removal. Asked of a live control node, whose admin
 * kubeconfig and etcd client certificates do the work: the rejoining node has none yet. */
#ifndef PHYLACTERY_FORGET_H
#define PHYLACTERY_FORGET_H

#include <stdbool.h>
#include <stddef.h>

#include "etcd.h"
#include "kube_client.h"

struct forget_report {
	bool node_deleted;      /* a Node object was deleted (false: there was none, or no API) */
	int members_removed;    /* etcd members removed */
	int etcd_members;       /* members left, as last listed */
};

/* kt NULL: no API credentials here (skip the Node). ec NULL or etcd false: leave etcd alone.
 * self_ip: this node's address, whose member is never removed. 0, or -errno with msg:
 * -EBUSY when removing the member would lose quorum (nothing removed), -EIO and others as reported. */
int forget_node(const struct etcd_client *ec, const struct kube_target *kt, const char *name, const char *ip,
		bool etcd, const char *self_ip, struct forget_report *rep, char *msg, size_t len);

/* Promotes every learner; -EAGAIN ones (not in sync yet) are left for the next round. Returns how many
 * were promoted, or -errno when the list failed. */
int promote_learners(const struct etcd_client *ec, char *msg, size_t len);

#endif
