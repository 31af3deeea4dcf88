/* ek-vip-clean: removes the cluster VIP (cluster.conf vip=) from every interface that holds it as a
 * /32, as keepalived adds it. keepalived.service runs it before each start and after each stop
 * (units/keepalived.service.d/ek-vip-clean.conf): a keepalived killed with SIGKILL never removes its
 * VIP, and until the restarted one decides it is BACKUP, two nodes answer ARP for the address.
 *
 *   ek-vip-clean [--cluster-conf PATH] [--vip IPV4]
 *
 * Exit 0 when the VIP is not (or no longer) on any interface, 1 on an error. */
#include <stdio.h>
#include <string.h>

#include "cluster_conf.h"
#include "valid.h"
#include "vip_addr.h"

int main(int argc, char **argv)
{
	const char *conf = CLUSTER_CONF_PATH, *vip = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cluster-conf") && i + 1 < argc)
			conf = argv[++i];
		else if (!strcmp(argv[i], "--vip") && i + 1 < argc)
			vip = argv[++i];
		else {
			fprintf(stderr, "usage: ek-vip-clean [--cluster-conf PATH] [--vip IPV4]\n");
			return 2;
		}
	}
	char err[512];
	static struct cluster_conf c;
	if (!vip) {
		if (cluster_conf_load(conf, &c, err, sizeof err) < 0) {
			fprintf(stderr, "ek-vip-clean: %s\n", err);
			return 1;
		}
		vip = c.vip;
	}
	struct in_addr a;
	if (!valid_ipv4(vip, &a)) {
		fprintf(stderr, "ek-vip-clean: --vip: expected an IPv4 address, got '%s'\n", vip);
		return 2;
	}
	int removed;
	if (vip_remove_all(a, &removed, err, sizeof err) < 0) {
		fprintf(stderr, "ek-vip-clean: %s\n", err);
		return 1;
	}
	if (removed)
		printf("ek-vip-clean: removed %s/32 left behind on %d interface(s)\n", vip, removed);
	return 0;
}
