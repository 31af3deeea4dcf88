#include "vip_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_HITS 16

struct addr_req {
	struct nlmsghdr nh;
	struct ifaddrmsg ifa;
	char attrs[64];
};

static int nl_open(char *err, size_t errlen)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "netlink socket: %s", strerror(e));
		return -e;
	}
	/* The kernel answers at once; a deadline still bounds a wedged read. */
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static void add_attr(struct nlmsghdr *nh, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)(void *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

int vip_addr_change(int del, int ifindex, struct in_addr addr, unsigned prefixlen, char *err, size_t errlen)
{
	int fd = nl_open(err, errlen);
	if (fd < 0)
		return fd;
	struct addr_req req = {
		.nh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
		       .nlmsg_type = del ? RTM_DELADDR : RTM_NEWADDR,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (del ? 0 : NLM_F_CREATE | NLM_F_EXCL),
		       .nlmsg_seq = 1},
		.ifa = {.ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)prefixlen, .ifa_index = (unsigned)ifindex,
			.ifa_scope = RT_SCOPE_UNIVERSE}};
	add_attr(&req.nh, IFA_LOCAL, &addr, sizeof addr);
	add_attr(&req.nh, IFA_ADDRESS, &addr, sizeof addr);
	int r = 0;
	char buf[4096];
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		r = -errno;
	} else {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		struct nlmsghdr *nh = (struct nlmsghdr *)(void *)buf;
		if (n < 0)
			r = -errno;
		else if (!NLMSG_OK(nh, (unsigned)n) || nh->nlmsg_type != NLMSG_ERROR)
			r = -EPROTO;
		else
			r = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	}
	close(fd);
	if (r < 0)
		snprintf(err, errlen, "%s %s/%u on interface %d: %s", del ? "removing" : "adding", inet_ntoa(addr),
			 prefixlen, ifindex, strerror(-r));
	return r;
}

/* The interfaces holding addr/32: up to MAX_HITS indexes. How many, or -errno. */
static int find(struct in_addr addr, int *idx, char *err, size_t errlen)
{
	int fd = nl_open(err, errlen);
	if (fd < 0)
		return fd;
	struct addr_req req = {.nh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)), .nlmsg_type = RTM_GETADDR,
				      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 2},
			       .ifa = {.ifa_family = AF_INET}};
	int hits = 0, r = 0;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		r = -errno;
	static char buf[32768];
	for (bool done = false; r == 0 && !done;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		unsigned len = (unsigned)n;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)(void *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				r = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
				r = r ? r : -EPROTO;
				break;
			}
			if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
				continue;
			struct ifaddrmsg *ifa = NLMSG_DATA(nh);
			if (ifa->ifa_family != AF_INET || ifa->ifa_prefixlen != 32)
				continue;
			unsigned alen = (unsigned)IFA_PAYLOAD(nh);
			for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, alen); a = RTA_NEXT(a, alen))
				if (a->rta_type == IFA_LOCAL && RTA_PAYLOAD(a) == sizeof addr &&
				    !memcmp(RTA_DATA(a), &addr, sizeof addr) && hits < MAX_HITS)
					idx[hits++] = (int)ifa->ifa_index;
		}
	}
	close(fd);
	if (r < 0) {
		snprintf(err, errlen, "listing addresses: %s", strerror(-r));
		return r;
	}
	return hits;
}

int vip_count(struct in_addr addr, char *err, size_t errlen)
{
	int idx[MAX_HITS];
	return find(addr, idx, err, errlen);
}

int vip_remove_all(struct in_addr addr, int *removed, char *err, size_t errlen)
{
	int idx[MAX_HITS], n = find(addr, idx, err, errlen);
	*removed = 0;
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int r = vip_addr_change(1, idx[i], addr, 32, err, errlen);
		if (r == -EADDRNOTAVAIL)
			continue; /* gone meanwhile */
		if (r < 0)
			return r;
		(*removed)++;
	}
	return 0;
}
