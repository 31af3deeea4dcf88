#include "netlink.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "sys.h"

/* ---- builders --------------------------------------------------------------------------------- */

static struct nlmsghdr *put_header(void *buf, unsigned short type, unsigned short flags)
{
	memset(buf, 0, EK_NL_BUFSIZE);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

static struct nlmsghdr *link_msg(void *buf, int ifindex)
{
	/* RTM_NEWLINK on an existing ifindex modifies it (RTM_SETLINK is the older spelling). */
	struct nlmsghdr *nlh = put_header(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nlh;
}

struct nlmsghdr *nl_build_getlink_dump(void *buf)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
	ifm->ifi_family = AF_UNSPEC;
	return nlh;
}

struct nlmsghdr *nl_build_getaddr_dump(void *buf)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
	ifa->ifa_family = AF_INET;
	return nlh;
}

struct nlmsghdr *nl_build_link_rename(void *buf, int ifindex, const char *name)
{
	struct nlmsghdr *nlh = link_msg(buf, ifindex);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

struct nlmsghdr *nl_build_link_mtu(void *buf, int ifindex, unsigned mtu)
{
	struct nlmsghdr *nlh = link_msg(buf, ifindex);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nlh;
}

struct nlmsghdr *nl_build_link_updown(void *buf, int ifindex, bool up)
{
	struct nlmsghdr *nlh = link_msg(buf, ifindex);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_change = IFF_UP; /* only this flag changes */
	ifm->ifi_flags = up ? IFF_UP : 0;
	return nlh;
}

struct nlmsghdr *nl_build_addr_add(void *buf, int ifindex, struct in_addr addr, unsigned prefix)
{
	/* REPLACE makes a second boot step (or a re-run) idempotent instead of failing with EEXIST. */
	struct nlmsghdr *nlh = put_header(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof addr, &addr);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof addr, &addr);
	if (prefix <= 30) {
		uint32_t host = prefix ? 0xffffffffu >> prefix : 0xffffffffu;
		struct in_addr brd = {.s_addr = addr.s_addr | htonl(host)};
		mnl_attr_put(nlh, IFA_BROADCAST, sizeof brd, &brd);
	}
	return nlh;
}

struct nlmsghdr *nl_build_route_default(void *buf, int ifindex, struct in_addr gw)
{
	struct nlmsghdr *nlh = put_header(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof gw, &gw);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return nlh;
}

/* ---- the socket ------------------------------------------------------------------------------- */

int nl_open(struct ek_nl *nl, unsigned groups)
{
	nl->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sk)
		return -errno;
	if (mnl_socket_bind(nl->sk, groups, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl->sk);
		nl->sk = NULL;
		return -e;
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (unsigned)time(NULL);
	return 0;
}

void nl_close(struct ek_nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

/* Sends nlh and runs cb over the replies until the dump ends or the ack arrives. */
static int transact(struct ek_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *ctx)
{
	static char rbuf[EK_NL_BUFSIZE];
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, rbuf, sizeof rbuf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		int r = mnl_cb_run(rbuf, (size_t)n, nl->seq, nl->portid, cb, ctx);
		if (r < 0)
			return errno ? -errno : -EIO; /* libmnl sets errno from the kernel's error */
		if (r == MNL_CB_STOP)
			return 0;
	}
}

int nl_request(struct ek_nl *nl, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	return transact(nl, nlh, NULL, NULL);
}

/* ---- links ------------------------------------------------------------------------------------ */

static int link_attr(const struct nlattr *a, void *p)
{
	struct ek_link *l = p;
	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(l->name, sizeof l->name, "%s", mnl_attr_get_str(a));
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == 6)
			memcpy(l->mac, mnl_attr_get_payload(a), 6);
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_OPERSTATE:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			l->operstate = mnl_attr_get_u8(a);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int parse_link(const struct nlmsghdr *nlh, struct ek_link *l)
{
	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return -1;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	memset(l, 0, sizeof *l);
	l->ifindex = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	mnl_attr_parse(nlh, sizeof *ifm, link_attr, l);
	return 0;
}

struct each_ctx {
	int (*fn)(const struct ek_link *l, void *ctx);
	void *ctx;
	bool stopped;
};

static int each_cb(const struct nlmsghdr *nlh, void *p)
{
	struct each_ctx *c = p;
	struct ek_link l;
	/* After fn asked to stop, the rest of the dump is still read (and dropped) so the socket
	 * stays in step for the next request. */
	if (c->stopped || parse_link(nlh, &l) < 0)
		return MNL_CB_OK;
	if (c->fn(&l, c->ctx))
		c->stopped = true;
	return MNL_CB_OK;
}

int nl_links_each(struct ek_nl *nl, int (*fn)(const struct ek_link *l, void *ctx), void *ctx)
{
	static char buf[EK_NL_BUFSIZE];
	struct each_ctx c = {.fn = fn, .ctx = ctx};
	return transact(nl, nl_build_getlink_dump(buf), each_cb, &c);
}

struct find_ctx {
	const unsigned char *mac;
	int ifindex;
	struct ek_link *out;
	bool found;
};

static int find_cb(const struct ek_link *l, void *p)
{
	struct find_ctx *f = p;
	if ((f->mac && !memcmp(l->mac, f->mac, 6)) || (!f->mac && l->ifindex == f->ifindex)) {
		*f->out = *l;
		f->found = true;
		return 1;
	}
	return 0;
}

int nl_link_by_mac(struct ek_nl *nl, const unsigned char mac[6], struct ek_link *out)
{
	struct find_ctx f = {.mac = mac, .out = out};
	int r = nl_links_each(nl, find_cb, &f);
	return r < 0 ? r : f.found ? 0 : -ENODEV;
}

int nl_link_by_index(struct ek_nl *nl, int ifindex, struct ek_link *out)
{
	struct find_ctx f = {.ifindex = ifindex, .out = out};
	int r = nl_links_each(nl, find_cb, &f);
	return r < 0 ? r : f.found ? 0 : -ENODEV;
}

static char req_buf[EK_NL_BUFSIZE];

int nl_link_rename(struct ek_nl *nl, int ifindex, const char *name)
{
	return nl_request(nl, nl_build_link_rename(req_buf, ifindex, name));
}

int nl_link_set_mtu(struct ek_nl *nl, int ifindex, unsigned mtu)
{
	return nl_request(nl, nl_build_link_mtu(req_buf, ifindex, mtu));
}

int nl_link_set_up(struct ek_nl *nl, int ifindex, bool up)
{
	return nl_request(nl, nl_build_link_updown(req_buf, ifindex, up));
}

int nl_addr_add(struct ek_nl *nl, int ifindex, struct in_addr addr, unsigned prefix)
{
	return nl_request(nl, nl_build_addr_add(req_buf, ifindex, addr, prefix));
}

int nl_route_add_default(struct ek_nl *nl, int ifindex, struct in_addr gw)
{
	return nl_request(nl, nl_build_route_default(req_buf, ifindex, gw));
}

/* ---- carrier ---------------------------------------------------------------------------------- */

bool nl_link_has_carrier(const struct ek_link *l)
{
	return (l->flags & IFF_LOWER_UP) || l->operstate == IF_OPER_UP;
}

struct carrier_ctx {
	const int *ifindex;
	bool *carrier;
	size_t n;
};

static void note_link(struct carrier_ctx *c, const struct ek_link *l)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->ifindex[i] == l->ifindex)
			c->carrier[i] = nl_link_has_carrier(l);
}

static int carrier_each(const struct ek_link *l, void *p)
{
	note_link(p, l);
	return 0;
}

static int carrier_event(const struct nlmsghdr *nlh, void *p)
{
	struct ek_link l;
	if (parse_link(nlh, &l) == 0)
		note_link(p, &l);
	return MNL_CB_OK;
}

static size_t count_true(const bool *b, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += b[i];
	return k;
}

int nl_wait_carrier(const int *ifindex, bool *carrier, size_t n, double deadline_ms)
{
	static char buf[EK_NL_BUFSIZE];
	struct carrier_ctx c = {ifindex, carrier, n};
	struct ek_nl sub, req;
	memset(carrier, 0, n * sizeof *carrier);
	/* Subscribe before reading the state, so no change can fall between the two. */
	int r = nl_open(&sub, RTMGRP_LINK);
	if (r < 0)
		return r;
	r = nl_open(&req, 0);
	if (r < 0) {
		nl_close(&sub);
		return r;
	}
	r = nl_links_each(&req, carrier_each, &c);
	while (r == 0 && count_true(carrier, n) < n) {
		double left = deadline_ms - ek_sys.now_ms();
		if (left <= 0)
			break;
		struct pollfd pfd = {.fd = mnl_socket_get_fd(sub.sk), .events = POLLIN};
		int pr = poll(&pfd, 1, (int)left + 1);
		if (pr < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (pr <= 0)
			continue;
		ssize_t got = recv(pfd.fd, buf, sizeof buf, MSG_DONTWAIT);
		if (got < 0 && errno == ENOBUFS) {
			/* Events were lost while we were not reading: ask for the whole state again. */
			r = nl_links_each(&req, carrier_each, &c);
			continue;
		}
		if (got > 0)
			mnl_cb_run(buf, (size_t)got, 0, 0, carrier_event, &c);
	}
	nl_close(&req);
	nl_close(&sub);
	return r < 0 ? r : (int)count_true(carrier, n);
}
