#include "quorum.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

int quorum_report_render(const struct etcd_member *m, const bool *healthy, int n, const struct quorum_self *s,
			 char *file, size_t fcap, char *line, size_t lcap)
{
	struct etcd_quorum q = etcd_quorum_of(m, healthy, n);
	char alive[300] = "";
	for (int i = 0; i < n; i++)
		if (healthy[i] && !m[i].learner)
			snprintf(alive + strlen(alive), sizeof alive - strlen(alive), "%s%s", alive[0] ? "," : "",
				 m[i].name[0] ? m[i].name : "?");
	/* The commands an operator runs; the restore policy runs the same steps itself. */
	char recovery[600];
	snprintf(recovery, sizeof recovery,
		 "on %s: add '- --force-new-cluster' to /etc/kubernetes/manifests/etcd.yaml, wait until "
		 "etcd answers with one member, remove the flag, then reboot the lost control nodes (they rejoin); "
		 "or from the manager: ekcluster-reset --yes (restores the newest snapshot in %s/etcd when "
		 "restore_on_cold_start = yes)",
		 s->name, s->share);
	int fl = snprintf(file, fcap,
			  "name=%s\nip=%s\nboot_id=%s\ntime=%lld\nvoting=%d\nhealthy=%d\nneeded=%d\nhealthy_members=%s\n"
			  "policy=%s\nrecovery=%s\n",
			  s->name, s->ip, s->boot_id, s->now, q.voting, q.healthy_voting, q.needed, alive,
			  s->restore ? "restore" : "report", recovery);
	/* The console line stays short (ekinit's log lines end at 512 bytes): the steps are in the file. */
	int ll = snprintf(line, lcap,
			  "etcd quorum lost: %d of %d voting members healthy (%d needed: %s); recovery: --force-new-cluster "
			  "on %s, or ekcluster-reset --yes on the manager (steps in %s/" QUORUM_LOST_FILE ")",
			  q.healthy_voting, q.voting, q.needed, alive[0] ? alive : "none", s->name, s->share);
	if (fl < 0 || (size_t)fl >= fcap || ll < 0 || (size_t)ll >= lcap)
		return -ENOSPC;
	return fl;
}

bool quorum_judge_is_member(const struct etcd_member *m, int n, const char *name, const char *ip)
{
	for (int i = 0; i < n; i++)
		if (etcd_member_is(&m[i], name, ip))
			return !m[i].learner && m[i].name[0] && m[i].client_url[0];
	return false;
}

bool quorum_loss_sustained(struct quorum_loss *l, bool lost, long long now)
{
	if (!lost) {
		l->since = 0;
		l->looks = 0;
		return false;
	}
	if (!l->since)
		l->since = now;
	if (l->looks < QUORUM_LOST_LOOKS)
		l->looks++;
	return now - l->since >= QUORUM_LOST_GRACE_S && l->looks >= QUORUM_LOST_LOOKS;
}

enum quorum_action quorum_next(bool sustained, bool judge, bool lost, bool reported)
{
	if (sustained && !reported)
		return QUORUM_ACT_REPORT;
	if (judge && !lost && reported)
		return QUORUM_ACT_WITHDRAW;
	return QUORUM_ACT_KEEP;
}

/* The line's text without indentation and trailing blanks: is it exactly want? */
static bool line_is(const char *l, size_t len, const char *want, size_t *indent)
{
	size_t i = 0;
	while (i < len && l[i] == ' ')
		i++;
	*indent = i;
	while (len > i && (l[len - 1] == ' ' || l[len - 1] == '\r'))
		len--;
	return len - i == strlen(want) && !memcmp(l + i, want, len - i);
}

int manifest_force_new_cluster(const char *in, bool on, char *out, size_t cap)
{
	size_t o = 0, indent;
	bool found = false;
	for (const char *l = in; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		bool flag = line_is(l, len, "- --force-new-cluster", &indent);
		if (!flag) {
			if (o + len + 1 >= cap)
				return -ENOSPC;
			memcpy(out + o, l, len);
			o += len;
			out[o++] = '\n';
		}
		if (line_is(l, len, "- etcd", &indent) && !found) {
			found = true;
			if (on) {
				int n = snprintf(out + o, cap - o, "%*s- --force-new-cluster\n", (int)indent, "");
				if (n < 0 || (size_t)n >= cap - o)
					return -ENOSPC;
				o += (size_t)n;
			}
		}
		l = nl ? nl + 1 : l + len;
	}
	if (!found)
		return -EINVAL;
	out[o] = '\0';
	return (int)o;
}

bool quorum_file_is_mine(const char *path, const char *boot_id)
{
	char text[4096], want[80];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0 || memchr(text, '\0', (size_t)n))
		return false;
	text[n] = '\0';
	snprintf(want, sizeof want, "\nboot_id=%s\n", boot_id);
	return boot_id[0] && strstr(text, want) != NULL;
}
