/* The node configuration Warewulf renders from the ekinit overlay (/etc/ekinit/node.conf): who this
 * node is and how its interfaces are set up. An INI-like format, one "key = value" a line:
 *
 *   [node]            id, hostname, role (control|worker), cluster, manager (IPv4)
 *   [netdev NAME]     device, hwaddr, ipaddr, netmask | prefix, gateway, mtu, dns (<= 3), search (<= 6)
 *
 * Everything is validated; the first error stops the parse. */
#ifndef EK_NODECONF_H
#define EK_NODECONF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define EK_NETDEV_MAX 8
#define EK_DNS_MAX 3
#define EK_SEARCH_MAX 6
#define EK_NAME_MAX 64 /* node id, hostname, cluster, netdev name */
#define EK_DOMAIN_MAX 254

enum ek_role { EK_ROLE_NONE, EK_ROLE_CONTROL, EK_ROLE_WORKER };

struct ek_netdev {
	char name[EK_NAME_MAX];  /* Warewulf's network name, from the section header */
	char device[16];         /* IFNAMSIZ; empty: keep the kernel's name */
	unsigned char hwaddr[6];
	struct in_addr ipaddr;   /* network byte order, like the kernel wants it */
	unsigned prefix;         /* 0-32, from netmask or prefix */
	bool has_gateway;
	struct in_addr gateway;
	unsigned mtu;            /* 0: leave as is */
	unsigned ndns, nsearch;
	struct in_addr dns[EK_DNS_MAX];
	char search[EK_SEARCH_MAX][EK_DOMAIN_MAX];
};

struct ek_nodeconf {
	char id[EK_NAME_MAX];
	char hostname[EK_NAME_MAX + 1]; /* defaults to id */
	char cluster[EK_NAME_MAX];
	enum ek_role role;
	bool role_from_hostname; /* no role key: derived from the hostname pattern */
	bool has_manager;
	struct in_addr manager;
	unsigned nnetdev;
	struct ek_netdev netdev[EK_NETDEV_MAX];
};

/* Parses path into out. Returns 0, or -errno with err set to "path:line: problem" (or
 * "path: [section] lacks key", or "path: strerror"). Unknown sections and keys are ek_warn()ed. */
int nodeconf_parse(const char *path, struct ek_nodeconf *out, char *err, size_t errlen);

const char *nodeconf_role_name(enum ek_role r);

/* Small validators shared with the network code and the tests. Each returns 0 or -EINVAL. */
int nodeconf_parse_mac(const char *s, unsigned char mac[6]);
int nodeconf_parse_ipv4(const char *s, struct in_addr *out); /* strict dotted quad */
int nodeconf_netmask_prefix(struct in_addr mask, unsigned *prefix); /* contiguous masks only */

#endif
