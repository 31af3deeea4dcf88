/* rtnetlink through libmnl: the handful of link, address and route operations a node needs, so PID 1
 * needs no `ip` binary. Message building is split into pure nl_build_* functions (tests check their
 * bytes); the nl_* calls send one request and wait for the kernel's acknowledgement. */
#ifndef EK_NETLINK_H
#define EK_NETLINK_H

#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* Enough for any request built here and for one datagram of a link dump (libmnl's advice). */
#define EK_NL_BUFSIZE 8192

struct ek_link {
	int ifindex;
	char name[16];
	unsigned char mac[6];
	unsigned flags; /* IFF_* (IFF_UP, IFF_LOWER_UP, ...) */
	unsigned mtu;
	unsigned char operstate; /* IF_OPER_* */
};

/* ---- pure builders: buf must hold EK_NL_BUFSIZE bytes; sequence numbers are set when sent ---- */
struct nlmsghdr *nl_build_getlink_dump(void *buf);
struct nlmsghdr *nl_build_link_rename(void *buf, int ifindex, const char *name);
struct nlmsghdr *nl_build_link_mtu(void *buf, int ifindex, unsigned mtu);
struct nlmsghdr *nl_build_link_updown(void *buf, int ifindex, bool up);
/* IFA_LOCAL and IFA_ADDRESS = addr; IFA_BROADCAST when prefix <= 30 (no broadcast on /31, /32). */
struct nlmsghdr *nl_build_addr_add(void *buf, int ifindex, struct in_addr addr, unsigned prefix);
struct nlmsghdr *nl_build_getaddr_dump(void *buf);
/* 0.0.0.0/0 via gw out of ifindex, main table, static protocol. */
struct nlmsghdr *nl_build_route_default(void *buf, int ifindex, struct in_addr gw);

/* ---- talking to the kernel ---- */
struct ek_nl {
	struct mnl_socket *sk;
	unsigned portid, seq;
};

/* groups: RTMGRP_* bits to subscribe to, 0 for plain requests. 0 or -errno. */
int nl_open(struct ek_nl *nl, unsigned groups);
void nl_close(struct ek_nl *nl);
/* Sends a request built above (adds NLM_F_ACK) and waits for the acknowledgement: 0 or -errno. */
int nl_request(struct ek_nl *nl, struct nlmsghdr *nlh);
/* Calls fn for every link (RTM_GETLINK dump); fn returns non-zero to stop early. 0 or -errno. */
int nl_links_each(struct ek_nl *nl, int (*fn)(const struct ek_link *l, void *ctx), void *ctx);
/* The link with this MAC: 0, -ENODEV when there is none, or -errno. */
int nl_link_by_mac(struct ek_nl *nl, const unsigned char mac[6], struct ek_link *out);
int nl_link_by_index(struct ek_nl *nl, int ifindex, struct ek_link *out);

/* Convenience wrappers: build + nl_request. */
int nl_link_rename(struct ek_nl *nl, int ifindex, const char *name); /* the link must be down (-EBUSY) */
int nl_link_set_mtu(struct ek_nl *nl, int ifindex, unsigned mtu);
int nl_link_set_up(struct ek_nl *nl, int ifindex, bool up);
int nl_addr_add(struct ek_nl *nl, int ifindex, struct in_addr addr, unsigned prefix);
int nl_route_add_default(struct ek_nl *nl, int ifindex, struct in_addr gw);

/* Does the link report carrier (IFF_LOWER_UP, or operstate up)? */
bool nl_link_has_carrier(const struct ek_link *l);

/* Waits until every link in ifindex[0..n) has carrier or the deadline (ek_sys.now_ms() scale)
 * passes. Subscribes to RTNLGRP_LINK first, then reads the current state, then sleeps in poll() on
 * the subscription: no polling loop. carrier[i] tells which came up. Returns how many have carrier,
 * or -errno. */
int nl_wait_carrier(const int *ifindex, bool *carrier, size_t n, double deadline_ms);

#endif
