/* IPv4 addresses on interfaces through rtnetlink (a raw NETLINK_ROUTE socket: no ip(8), no libmnl):
 * enough to list the interfaces holding an address and to remove it. Used by ek-vip-clean, which
 * keepalived.service runs before a start and after a stop: a keepalived killed with SIGKILL leaves
 * the VIP on the interface, and two nodes would answer ARP for it. */
#ifndef STAGES_VIP_ADDR_H
#define STAGES_VIP_ADDR_H

#include <netinet/in.h>
#include <stddef.h>

/* RTM_NEWADDR (cmd 0) or RTM_DELADDR (cmd 1) of addr/prefixlen on interface ifindex; waits for the
 * kernel's acknowledgement. 0 or -errno. */
int vip_addr_change(int del, int ifindex, struct in_addr addr, unsigned prefixlen, char *err, size_t errlen);

/* Removes every /32 instance of addr (as keepalived adds it: "VIP/32 dev IF") from every interface.
 * Addresses with a shorter prefix are the node's own configuration and stay. *removed gets how many
 * went. 0 or -errno. */
int vip_remove_all(struct in_addr addr, int *removed, char *err, size_t errlen);

/* How many /32 instances of addr the interfaces hold (tests, diagnostics); -errno. */
int vip_count(struct in_addr addr, char *err, size_t errlen);

#endif
