#include "node_info.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kv.h"
#include "valid.h"

struct state {
	struct node_info *n;
	char id[64], hostname[64];
	char first_netdev[64]; /* the first [netdev NAME] section: the cluster network */
};

static int on_line(const char *section, const char *key, const char *value, unsigned lineno, void *ctx, char *err,
		   size_t errlen)
{
	(void)lineno;
	struct state *st = ctx;
	struct node_info *n = st->n;
	if (!strcmp(section, "node")) {
		if (!strcmp(key, "id") || !strcmp(key, "hostname")) {
			if (!valid_node_name(value)) {
				snprintf(err, errlen, "%s: expected a node name (lowercase letters, digits, '-'), got '%.80s'",
					 key, value);
				return -EINVAL;
			}
			snprintf(!strcmp(key, "id") ? st->id : st->hostname, sizeof st->id, "%s", value);
		} else if (!strcmp(key, "role")) {
			if (strcmp(value, "control") && strcmp(value, "worker")) {
				snprintf(err, errlen, "role: expected control or worker, got '%.80s'", value);
				return -EINVAL;
			}
			snprintf(n->role, sizeof n->role, "%s", value);
		} else if (!strcmp(key, "manager")) {
			if (!valid_ipv4(value, NULL)) {
				snprintf(err, errlen, "manager: expected an IPv4 address, got '%.80s'", value);
				return -EINVAL;
			}
			snprintf(n->manager, sizeof n->manager, "%s", value);
		}
		return 0;
	}
	if (strncmp(section, "netdev ", 7))
		return 0;
	if (!st->first_netdev[0])
		snprintf(st->first_netdev, sizeof st->first_netdev, "%s", section);
	if (strcmp(section, st->first_netdev))
		return 0;
	if (!strcmp(key, "ipaddr")) {
		if (!valid_ipv4(value, NULL)) {
			snprintf(err, errlen, "ipaddr: expected an IPv4 address, got '%.80s'", value);
			return -EINVAL;
		}
		snprintf(n->ip, sizeof n->ip, "%s", value);
	} else if (!strcmp(key, "device")) {
		if (strlen(value) >= sizeof n->device || strchr(value, '/')) {
			snprintf(err, errlen, "device: expected an interface name, got '%.80s'", value);
			return -EINVAL;
		}
		snprintf(n->device, sizeof n->device, "%s", value);
	}
	return 0;
}

static int finish(const char *name, struct state *st, char *err, size_t errlen)
{
	struct node_info *n = st->n;
	snprintf(n->name, sizeof n->name, "%s", st->hostname[0] ? st->hostname : st->id);
	if (!n->name[0]) {
		snprintf(err, errlen, "%s: [node] id: missing; expected the node's name", name);
		return -EINVAL;
	}
	if (!n->ip[0]) {
		snprintf(err, errlen, "%s: [netdev] ipaddr: missing; expected the node's IPv4 address", name);
		return -EINVAL;
	}
	n->control = n->role[0] ? !strcmp(n->role, "control") : !strncmp(n->name, "control", 7);
	return 0;
}

int node_info_parse(const char *name, const char *text, struct node_info *n, char *err, size_t errlen)
{
	struct state st = {.n = n};
	memset(n, 0, sizeof *n);
	int r = kv_parse(name, text, on_line, &st, err, errlen);
	return r < 0 ? r : finish(name, &st, err, errlen);
}

int node_info_load(const char *path, struct node_info *n, char *err, size_t errlen)
{
	struct state st = {.n = n};
	memset(n, 0, sizeof *n);
	int r = kv_read(path, on_line, &st, err, errlen);
	return r < 0 ? r : finish(path, &st, err, errlen);
}
