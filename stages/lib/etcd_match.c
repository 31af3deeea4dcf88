/* Which etcd member is whose, and what quorum allows: pure functions, unit-tested. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "etcd.h"

int url_host(const char *url, char *host, size_t cap)
{
	const char *p = url ? strstr(url, "://") : NULL;
	if (!p || p == url)
		return -EINVAL;
	p += 3;
	const char *end;
	if (*p == '[') {
		end = strchr(++p, ']');
		if (!end || (end[1] && end[1] != ':' && end[1] != '/'))
			return -EINVAL;
	} else {
		end = p + strcspn(p, ":/?#");
	}
	/* userinfo ("user@host") has no place in an etcd URL: refuse rather than guess. */
	size_t len = (size_t)(end - p);
	if (len == 0 || len >= cap || memchr(p, '@', len))
		return -EINVAL;
	memcpy(host, p, len);
	host[len] = '\0';
	return 0;
}

bool etcd_member_is(const struct etcd_member *m, const char *name, const char *ip)
{
	if (name && name[0] && m->name[0] && !strcmp(m->name, name))
		return true;
	char host[64];
	return ip && ip[0] && url_host(m->peer_url, host, sizeof host) == 0 && !strcmp(host, ip);
}

struct etcd_quorum etcd_quorum_of(const struct etcd_member *m, const bool *healthy, int n)
{
	struct etcd_quorum q = {0};
	for (int i = 0; i < n; i++)
		if (!m[i].learner) {
			q.voting++;
			q.healthy_voting += healthy[i];
		}
	q.needed = q.voting / 2 + 1;
	q.ok = q.voting > 0 && q.healthy_voting >= q.needed;
	return q;
}

bool etcd_remove_keeps_quorum(const struct etcd_member *m, const bool *healthy, int n, int victim, char *why,
			      size_t len)
{
	if (victim < 0 || victim >= n) {
		snprintf(why, len, "no such member");
		return false;
	}
	if (m[victim].learner)
		return true; /* learners do not vote */
	struct etcd_quorum q = etcd_quorum_of(m, healthy, n);
	int voting = q.voting - 1, alive = q.healthy_voting - (healthy[victim] ? 1 : 0), needed = voting / 2 + 1;
	if (voting == 0) {
		snprintf(why, len, "it is the last voting member");
		return false;
	}
	if (alive < needed) {
		snprintf(why, len, "%d of the remaining %d voting members would be healthy, %d are needed", alive, voting,
			 needed);
		return false;
	}
	return true;
}
