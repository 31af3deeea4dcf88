/* Brings the node onto its networks from the parsed node config: interfaces matched by MAC, renamed,
 * MTU, up, IPv4 address, default route; then waits for carrier, writes resolv.conf, merges
 * /etc/hosts and sets the hostname. */
#ifndef EK_NETWORK_H
#define EK_NETWORK_H

#include <stddef.h>

#include "nodeconf.h"
#include "timeline.h"

/* How long network_up waits for carrier on all interfaces (default 10 s). */
extern double network_carrier_timeout_ms;

/* The boot step. etc is normally "/etc". A missing interface or a refused setting fails the step
 * (the others are still configured); interfaces without carrier by the deadline are named in a
 * warning and the detail, and boot carries on. detail: "net0 10.10.0.11/24 up, gw 10.10.0.1, dns 1". */
enum ek_result network_up(const struct ek_nodeconf *nc, const char *etc, char *detail, size_t cap);

/* <etc>/resolv.conf from every netdev's dns and search (deduplicated, at most 3 and 6), written
 * atomically. Does nothing when no dns is configured. Sets *nservers; 0 or -errno. */
int network_write_resolv(const struct ek_nodeconf *nc, const char *etc, unsigned *nservers);

/* <etc>/hosts: keeps every existing line, adds "127.0.0.1 localhost" and "<ipaddr> <hostname>"
 * (first netdev) when missing; atomic. Sets *added to the number of lines added; 0 or -errno. */
int network_merge_hosts(const struct ek_nodeconf *nc, const char *etc, unsigned *added);

#endif
