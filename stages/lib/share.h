/* The share protocol (/share on NFSv4; see /etc/ekinit/cluster.conf's share=):
 *
 *   leader                 the elected control node: name=, ip=, boot_id=, time=, lease= lines
 *   leader.stale.BOOTID    a lease taken over by the node with that boot id (kept for the post-mortem)
 *   leader.takeover        held (O_EXCL) by the one node moving a stale lease aside, so two takers
 *                          never both rename (the second would move the first one's fresh lease)
 *   leader_ready           written by the leader when the API answers through the VIP
 *   control-join           a lease like leader's, held by the one control node running `kubeadm join
 *                          --control-plane` (etcd takes one new member at a time; two joins at once
 *                          overload the members that serve the API); removed by its holder when done
 *   kube.config            the admin kubeconfig, 0600
 *   phylactery/secret      the cluster secret, 64 hex, 0600
 *   phylactery/nodes/NAME  the registry of control nodes
 *
 * Every file is written whole to a temporary name and then published: by rename() when replacing our
 * own file, by link() when the name must not exist yet. link() fails with EEXIST exactly like
 * O_CREAT|O_EXCL, but a reader never sees a half-written leader file. What is read back is
 * validated; a file that does not parse is "garbage" and is treated by its age (mtime). */
#ifndef STAGES_SHARE_H
#define STAGES_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct share_entry {
	char name[64];
	char ip[16];
	char boot_id[40];
	long long time; /* unix seconds */
	unsigned lease; /* seconds; 0 in files that have none */
};

enum claim_result { CLAIM_WON, CLAIM_HELD };

/* Writes data to path atomically (tmp in the same directory, fsync, rename). 0 or -errno. */
int share_write_atomic(const char *path, const char *data, size_t len, mode_t mode, char *err, size_t errlen);

/* Writes data to path only if path does not exist (tmp, fsync, link). 0, -EEXIST, or -errno. */
int share_create_exclusive(const char *path, const char *data, size_t len, mode_t mode, char *err, size_t errlen);

/* "name=..\nip=..\nboot_id=..\ntime=..\n[lease=..\n]" into buf; returns the length or -ENOSPC. */
int share_entry_format(const struct share_entry *e, char *buf, size_t cap);
/* Parses and validates such text; -EBADMSG with a reason when it is not a valid entry. */
int share_entry_parse(const char *name, const char *text, struct share_entry *e, char *err, size_t errlen);
int share_entry_read(const char *path, struct share_entry *e, char *err, size_t errlen);

/* Tries to become the leader. now is the local clock (stepped from the manager). CLAIM_WON when we hold
 * the lease (also when it already was ours: same boot id), CLAIM_HELD with *holder filled in when a live
 * lease belongs to someone else (holder->name is "" when the file is garbage but recent). A lease whose
 * time is older than its lease seconds (or a garbage file older than me->lease by mtime) is taken over:
 * renamed to leader.stale.<my boot id>, then created afresh. Negative -errno on I/O errors. */
int share_leader_claim(const char *share, const struct share_entry *me, long long now, struct share_entry *holder,
		       char *err, size_t errlen);

/* Renews our lease (time = now). -ESTALE with err naming the new holder when the lease is no longer ours. */
int share_leader_refresh(const char *share, const struct share_entry *me, long long now, char *err, size_t errlen);

/* The same lease protocol under another file name of the share (leader is share_lease_claim(.., "leader",
 * ..)): claim, refresh, and release, which removes the file only while it is ours (-ESTALE otherwise). */
int share_lease_claim(const char *share, const char *file, const struct share_entry *me, long long now,
		      struct share_entry *holder, char *err, size_t errlen);
int share_lease_refresh(const char *share, const char *file, const struct share_entry *me, long long now, char *err,
			size_t errlen);
int share_lease_release(const char *share, const char *file, const struct share_entry *me, char *err, size_t errlen);

int share_leader_ready_write(const char *share, const struct share_entry *me, char *err, size_t errlen);
int share_leader_ready_read(const char *share, struct share_entry *e, char *err, size_t errlen);

/* Registry: phylactery/nodes/NAME. list fills up to max entries sorted by name and returns how many;
 * files that do not parse are skipped and counted in *garbage. */
int share_registry_put(const char *share, const struct share_entry *e, char *err, size_t errlen);
int share_registry_list(const char *share, struct share_entry *out, int max, int *garbage, char *err, size_t errlen);
/* The list as share_registry_list would read it after share_registry_put(e), without writing: e
 * replaces the entry of its name, or joins in name order. Returns the new count (n when the list is
 * full and e is not in it). phylactery --render previews with it, and must not register. */
int share_registry_with(struct share_entry *list, int n, int max, const struct share_entry *e);

/* The cluster secret: read it, or create it (random, 0600) when there is none. out gets 64 hex + NUL. */
int share_secret_ensure(const char *share, char out[65], char *err, size_t errlen);
int share_secret_read(const char *share, char out[65], char *err, size_t errlen);

/* /proc/sys/kernel/random/boot_id, validated. */
int read_boot_id(char out[40], char *err, size_t errlen);

#endif
