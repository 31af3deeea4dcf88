/* phylactery's housekeeping (every HOUSEKEEPING_MS and after each refresh): etcd's members and health,
 * quorum loss, learner promotion and snapshots on the etcd leader, elections seen on the share, and
 * the reset epoch. Runs in the main loop only; what the API thread reads is copied in under mu. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"
#include "reset_epoch.h"
#include "run.h"
#include "snapshot.h"
#include "forget.h"
#include "phylactery.h"
#include "quorum.h"

static void look_at_etcd(struct phyl *p, const struct etcd_client *ec)
{
	struct etcd_view v = {.time = time(NULL)};
	int r = etcd_member_list(ec, v.m, ETCD_MEMBERS_MAX, &v.n, v.error, sizeof v.error);
	if (r == 0) {
		memcpy(p->last_m, v.m, sizeof v.m[0] * (size_t)v.n);
		p->last_n = v.n;
		p->last_listed = v.listed = v.time;
	} else if (p->last_n > 0) {
		/* A lost quorum looks like this (the gateway waits for a leader): judge on the last list. */
		memcpy(v.m, p->last_m, sizeof v.m[0] * (size_t)p->last_n);
		v.n = p->last_n;
		v.listed = p->last_listed;
		r = 0;
	}
	if (r == 0) {
		v.known = true;
		for (int i = 0; i < v.n; i++)
			v.healthy[i] = etcd_member_healthy(ec, &v.m[i]);
		v.q = etcd_quorum_of(v.m, v.healthy, v.n);
	}
	/* Said once each way (the previous view, written only here, tells which way it was): without
	 * etcd's members quorum cannot be judged, and silence would hide it. */
	bool unlisted = v.listed != v.time, was_unlisted = p->etcd.listed != p->etcd.time;
	if (unlisted && !was_unlisted) {
		if (v.known)
			phyl_action(p, "etcd: its member list does not answer (%s); judging quorum on the %d members "
				       "listed %llds ago", v.error, v.n, v.time - v.listed);
		else
			phyl_action(p, "etcd: cannot list its members (%s); quorum is not judged until it answers", v.error);
	} else if (!unlisted && was_unlisted) {
		phyl_action(p, "etcd: its member list answers again (%d members)", v.n);
	}
	pthread_mutex_lock(&p->mu);
	p->etcd = v;
	p->metrics.etcd_known = v.known;
	if (v.known) {
		p->metrics.etcd_members = v.n;
		p->metrics.etcd_healthy = 0;
		for (int i = 0; i < v.n; i++)
			p->metrics.etcd_healthy += v.healthy[i];
		p->metrics.quorum_ok = v.q.ok;
	}
	pthread_mutex_unlock(&p->mu);
}

static void set_report(struct phyl *p, const char *text)
{
	pthread_mutex_lock(&p->mu);
	snprintf(p->quorum_report, sizeof p->quorum_report, "%s", text);
	pthread_mutex_unlock(&p->mu);
}

/* on_quorum_loss = restore: one node, holding the lock, forces a new one-member cluster (quorum.h). */
static void restore_step(struct phyl *p, const struct etcd_view *v, bool lost)
{
	/* The phase this call is in (the flag is flipped below, for the next call): false = add the flag
	 * after taking the lock, true = remove it once etcd runs alone. */
	const bool flag_set = p->quorum_restore_flag_set;
	if (!flag_set && !lost)
		return;
	char lock[400], err[300], *in = NULL, *out = NULL;
	snprintf(lock, sizeof lock, "%s/" QUORUM_LOCK_FILE, p->share);
	const char *manifest = p->etcd_manifest ? p->etcd_manifest : "/etc/kubernetes/manifests/etcd.yaml";
	bool alone = v->known && v->n == 1 && v->healthy[0];
	if (!flag_set) {
		time_t now = time(NULL);
		char text[300];
		int n = snprintf(text, sizeof text, "name=%s\nip=%s\nboot_id=%s\ntime=%lld\n", p->me.name, p->me.ip,
				 p->me.boot_id, (long long)now);
		struct stat st;
		if (stat(lock, &st) == 0 && now - st.st_mtime > QUORUM_LOCK_STALE_S) {
			char aside[480];
			snprintf(aside, sizeof aside, "%s.stale.%s", lock, p->me.boot_id);
			rename(lock, aside);
		}
		int r = share_create_exclusive(lock, text, (size_t)n, 0644, err, sizeof err);
		if (r == -EEXIST)
			return; /* another survivor acts */
		if (r < 0) {
			phyl_action(p, "quorum restore: lock: %s", err);
			return;
		}
	}
	enum { CAP = 256 * 1024 };
	in = malloc(CAP), out = malloc(CAP + 64);
	int fd = in && out ? open(manifest, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t len = fd >= 0 ? read(fd, in, CAP - 1) : -1;
	if (fd >= 0)
		close(fd);
	int n = len >= 0 ? (in[len] = '\0', manifest_force_new_cluster(in, !flag_set, out, CAP + 64)) : -ENOENT;
	if (n < 0 || (flag_set && !alone)) {
		if (n < 0)
			phyl_action(p, "quorum restore: %s: cannot edit (%s)", manifest, strerror(-n));
		goto out; /* waiting for etcd to come back alone */
	}
	if (share_write_atomic(manifest, out, (size_t)n, 0600, err, sizeof err) < 0) {
		phyl_action(p, "quorum restore: %s", err);
		goto out;
	}
	if (!flag_set) {
		p->quorum_restore_flag_set = true;
		phyl_action(p, "quorum restore: etcd restarts with --force-new-cluster on %s", p->me.name);
	} else {
		p->quorum_restore_flag_set = false;
		unlink(lock);
		phyl_action(p, "quorum restore: etcd is a one-member cluster again; --force-new-cluster removed");
	}
out:
	free(in);
	free(out);
}

static void quorum_step(struct phyl *p, const struct etcd_view *v)
{
	char path[400], file[2048], line[600], err[300];
	snprintf(path, sizeof path, "%s/" QUORUM_LOST_FILE, p->share);
	bool judge = v->known && quorum_judge_is_member(v->m, v->n, p->me.name, p->me.ip);
	bool lost = judge && v->q.voting >= 2 && !v->q.ok;
	time_t now = time(NULL);
	bool began = lost && !p->quorum_lost.since, looked_lost = p->quorum_lost.since != 0;
	bool sustained = quorum_loss_sustained(&p->quorum_lost, lost, now);
	if (began) /* a member added and not yet started looks the same for a moment: the grace says which */
		phyl_action(p, "etcd: %d of %d voting members healthy, %d needed; reported as lost if it lasts %d s "
			       "and %d looks", v->q.healthy_voting, v->q.voting, v->q.needed, QUORUM_LOST_GRACE_S,
			    QUORUM_LOST_LOOKS);
	enum quorum_action act = quorum_next(sustained, judge, lost, p->quorum_report[0] != '\0'); /* we write it */
	if (act == QUORUM_ACT_REPORT) {
		struct quorum_self s = {.name = p->me.name, .ip = p->me.ip, .boot_id = p->me.boot_id, .share = p->share,
					.now = now, .restore = p->conf.on_quorum_loss == QUORUM_RESTORE};
		int n = quorum_report_render(v->m, v->healthy, v->n, &s, file, sizeof file, line, sizeof line);
		if (n >= 0) {
			set_report(p, line);
			notify_status("phylactery", "%s", line); /* console (stdout) and ekctl status */
			if (share_write_atomic(path, file, (size_t)n, 0644, err, sizeof err) < 0)
				phyl_action(p, "%s", err);
			pthread_mutex_lock(&p->mu);
			p->metrics.failures++;
			pthread_mutex_unlock(&p->mu);
		}
	} else if (looked_lost && judge && !lost && act != QUORUM_ACT_WITHDRAW) {
		/* closes the "reported as lost if it lasts" line (a joiner's member started, say) */
		phyl_action(p, "etcd: %d of %d voting members healthy again within the grace: not reported",
			    v->q.healthy_voting, v->q.voting);
	} else if (act == QUORUM_ACT_WITHDRAW) {
		set_report(p, "");
		/* Only our own report is withdrawn: another survivor's stays until it sees quorum back. */
		if (quorum_file_is_mine(path, p->me.boot_id))
			unlink(path);
		notify_status("phylactery", "etcd quorum is back: %d of %d voting members healthy", v->q.healthy_voting,
			      v->q.voting);
	}
	if (p->conf.on_quorum_loss == QUORUM_RESTORE)
		restore_step(p, v, sustained);
}

static void take_snapshot(struct phyl *p, const struct etcd_client *ec)
{
	long long now = time(NULL);
	long long last = p->last_snapshot_try;
	if (!p->conf.snapshot_interval || (last && now - last < (long long)p->conf.snapshot_interval))
		return;
	p->last_snapshot_try = now;
	char dir[300], tmp[400], final[400], err[300];
	snprintf(dir, sizeof dir, "%s/etcd", p->share);
	mkdir(dir, 0700);
	snprintf(final, sizeof final, "%s/" SNAPSHOT_PREFIX "%lld" SNAPSHOT_SUFFIX, dir, now);
	snprintf(tmp, sizeof tmp, "%s/.tmp-%s-%lld.db", dir, p->me.name, now);
	char endpoints[160], cacert[220], cert[220], key[220];
	snprintf(endpoints, sizeof endpoints, "--endpoints=%s", ec->endpoint);
	snprintf(cacert, sizeof cacert, "--cacert=%s", ec->cacert);
	snprintf(cert, sizeof cert, "--cert=%s", ec->cert);
	snprintf(key, sizeof key, "--key=%s", ec->key);
	char *argv[] = {"etcdctl", endpoints, cacert, cert, key, "--command-timeout=120s", "snapshot", "save", tmp, NULL};
	struct run_result res;
	int r = run_cmd(argv, 180000, NULL, 0, &res, err, sizeof err);
	char sum[66], sum_path[420];
	if (r < 0 || res.timed_out || res.exit_code) {
		snprintf(err, sizeof err, "etcdctl snapshot save %s", r < 0 ? "could not start" : "failed");
		r = -1;
	} else if ((r = file_sha256(tmp, sum, err, sizeof err)) == 0) {
		/* Checksum first, snapshot last: a .db in place always has its checksum. */
		sum[64] = '\n';
		snprintf(sum_path, sizeof sum_path, "%s.sha256", final);
		r = share_write_atomic(sum_path, sum, 65, 0600, err, sizeof err);
		if (r == 0 && rename(tmp, final) < 0)
			r = -errno, snprintf(err, sizeof err, "rename to %s: %s", final, strerror(errno));
	}
	if (r < 0) {
		unlink(tmp);
		phyl_action(p, "snapshot: %s", err);
		pthread_mutex_lock(&p->mu);
		p->metrics.failures++;
		pthread_mutex_unlock(&p->mu);
		return;
	}
	int pruned = snapshot_prune(dir, (int)p->conf.snapshot_count);
	phyl_action(p, "snapshot: %s written%s", final, pruned > 0 ? ", older ones pruned" : "");
	pthread_mutex_lock(&p->mu);
	p->metrics.snapshots++;
	p->metrics.last_snapshot = now;
	pthread_mutex_unlock(&p->mu);
}

static void watch_share(struct phyl *p)
{
	char path[400], err[300];
	struct share_entry e;
	snprintf(path, sizeof path, "%s/leader", p->share);
	if (share_entry_read(path, &e, err, sizeof err) == 0 && strcmp(e.boot_id, p->last_leader_boot)) {
		pthread_mutex_lock(&p->mu);
		if (p->last_leader_boot[0])
			p->metrics.elections++;
		snprintf(p->last_leader_boot, sizeof p->last_leader_boot, "%s", e.boot_id);
		pthread_mutex_unlock(&p->mu);
	}
	if (share_leader_ready_read(p->share, &e, err, sizeof err) == 0) {
		pthread_mutex_lock(&p->mu);
		p->metrics.last_formation = e.time;
		pthread_mutex_unlock(&p->mu);
	}
}

static void reboot_now(struct phyl *p, const char *why)
{
	char err[200];
	struct run_result res;
	phyl_action(p, "rebooting: %s", why);
	if (!p->reboot_argv || run_cmd(p->reboot_argv, 60000, NULL, 0, &res, err, sizeof err) < 0 || res.exit_code)
		phyl_action(p, "reboot command failed");
}

void phyl_housekeeping(struct phyl *p)
{
	char epoch[32];
	pthread_mutex_lock(&p->mu);
	bool reboot = p->reboot_pending;
	p->reboot_pending = false;
	pthread_mutex_unlock(&p->mu);
	if (reboot) {
		reboot_now(p, "POST /reboot");
		return;
	}
	/* ekcluster-reset writes a new epoch: every node reboots into a fresh formation. */
	if (reset_epoch_read(p->share, epoch, sizeof epoch) == 0 && strcmp(epoch, p->reset_epoch)) {
		reboot_now(p, "the cluster is being reset (new reset-epoch on the share)");
		return;
	}
	watch_share(p);
	struct etcd_client ec;
	char err[300];
	if (phyl_etcd_client(p, &ec, err, sizeof err) < 0)
		return; /* no control plane here yet */
	look_at_etcd(p, &ec);
	pthread_mutex_lock(&p->mu);
	struct etcd_view v = p->etcd;
	pthread_mutex_unlock(&p->mu);
	quorum_step(p, &v);
	bool leader = false;
	if (!v.known || !v.q.ok || etcd_is_leader(&ec, &leader, err, sizeof err) < 0 || !leader)
		return;
	if (promote_learners(&ec, err, sizeof err) > 0)
		phyl_action(p, "promoted a caught-up etcd learner");
	take_snapshot(p, &ec);
}
