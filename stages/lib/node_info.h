/* What the stages need from /etc/ekinit/node.conf (parsed in full by PID 1's init/boot/nodeconf.c, which
 * the stages do not link): the node's name, role, manager, and its own address and interface (the
 * first [netdev] section, the cluster network). */
#ifndef STAGES_NODE_INFO_H
#define STAGES_NODE_INFO_H

#include <stdbool.h>
#include <stddef.h>

#define NODE_CONF_PATH "/etc/ekinit/node.conf"

struct node_info {
	char name[64];     /* [node] hostname, else id */
	bool control;      /* role = control (or, without a role, a hostname starting with "control") */
	char role[16];
	char manager[16];  /* empty when node.conf has none */
	char ip[16];       /* first netdev's ipaddr */
	char device[16];   /* first netdev's device; may be empty */
};

int node_info_load(const char *path, struct node_info *n, char *err, size_t errlen);
int node_info_parse(const char *name, const char *text, struct node_info *n, char *err, size_t errlen);

#endif
