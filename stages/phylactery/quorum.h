/* Quorum loss (a majority of the voting etcd members gone), as seen by a survivor: reported on the
 * console (stdout), in STATUS= (ekctl status), in /status and in <share>/quorum-lost (atomic, key=value
 * lines with the recovery commands). With on_quorum_loss = restore, the one node that creates
 * <share>/quorum-restore.lock (exclusively) forces its etcd member into a new one-member cluster:
 *   1. add --force-new-cluster to /etc/kubernetes/manifests/etcd.yaml (the kubelet restarts etcd);
 *   2. once the member list shows this member alone and healthy, remove the flag again (restarted
 *      without it, etcd keeps the one-member membership), remove quorum-lost and the lock;
 *   3. the lost nodes, rebooted, rejoin through /forget like any rebooted node. */
#ifndef PHYLACTERY_QUORUM_H
#define PHYLACTERY_QUORUM_H

#include <stdbool.h>
#include <stddef.h>

#include "etcd.h"

#define QUORUM_LOST_FILE "quorum-lost"
#define QUORUM_LOCK_FILE "quorum-restore.lock"
#define QUORUM_LOCK_STALE_S 900
/* How long quorum must look lost before it is reported (and restored). A control node joining adds
 * its member before that member starts: a 2-member cluster has no quorum until then, for tens of
 * seconds under load, and housekeeping runs after every refresh, so counting rounds reported a loss
 * in the middle of formation (the cluster scenario saw "0 of 2 healthy" during control3's join). */
#define QUORUM_LOST_GRACE_S 60
/* ...and in this many looks in a row. Time alone is not enough: a survivor's housekeeping starved for
 * 74 s (its etcd requests timing out under load) made two looks, one on the member list of before a
 * promotion, and reported a loss the next look would not have seen (cluster scenario, after a reset). */
#define QUORUM_LOST_LOOKS 3

/* A loss as seen so far: since when (0: quorum does not look lost) and in how many looks in a row. */
struct quorum_loss {
	long long since;
	int looks;
};

struct quorum_self {
	const char *name, *ip, *boot_id, *share;
	long long now;
	bool restore; /* on_quorum_loss = restore */
};

/* Whether the node called name/ip may judge quorum from the member list: its own member is a started
 * voting member. A node that is not (joining, a learner, removed) sees only its side of things. */
bool quorum_judge_is_member(const struct etcd_member *m, int n, const char *name, const char *ip);

/* Feeds one look at etcd (lost: quorum looks lost to a node that may judge) at time now (seconds)
 * into *l. True once the loss has lasted QUORUM_LOST_GRACE_S and been seen in QUORUM_LOST_LOOKS
 * looks in a row; a look that sees quorum starts both over. */
bool quorum_loss_sustained(struct quorum_loss *l, bool lost, long long now);

enum quorum_action { QUORUM_ACT_KEEP, QUORUM_ACT_REPORT, QUORUM_ACT_WITHDRAW };
/* After one look (sustained: quorum_loss_sustained's answer; judge: this node may judge; lost: quorum
 * looks lost; reported: our report stands): report a sustained loss once, withdraw our report once a
 * judge sees quorum again. (Comparing "lasted" before and after this look never reported: both said
 * yes at the first look past the grace.) */
enum quorum_action quorum_next(bool sustained, bool judge, bool lost, bool reported);

/* The share file (key=value lines: name, ip, boot_id, time, voting, healthy, needed, healthy_members,
 * policy, recovery) and a one-line message. Lengths or -ENOSPC. */
int quorum_report_render(const struct etcd_member *m, const bool *healthy, int n, const struct quorum_self *s,
			 char *file, size_t fcap, char *line, size_t lcap);

/* Was the quorum-lost file at path written by the node with this boot id? (Read bounded; any other
 * content, including garbage, is not ours and is left alone.) */
bool quorum_file_is_mine(const char *path, const char *boot_id);

/* etcd's static pod manifest with "- --force-new-cluster" added after the "- etcd" command line (on)
 * or every such line removed (off). Length, -EINVAL when there is no "- etcd" line, -ENOSPC. */
int manifest_force_new_cluster(const char *in, bool on, char *out, size_t cap);

#endif
