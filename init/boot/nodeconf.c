#include "nodeconf.h"
#include "hex.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "confdirs.h"
#include "hostname.h"
#include "log.h"

#define LINE_MAX_LEN 512

enum section { SEC_NONE, SEC_NODE, SEC_NETDEV, SEC_UNKNOWN };

/* Keys of each section; the index is the bit in the "seen" mask used to catch duplicates. */
static const char *const node_keys[] = {"id", "hostname", "role", "cluster", "manager", NULL};
static const char *const netdev_keys[] = {"device", "hwaddr", "ipaddr", "netmask", "prefix", "gateway",
					  "mtu",    "dns",    "search", NULL};

struct parser {
	const char *path;
	unsigned line;
	char *err;
	size_t errlen;
	struct ek_nodeconf *nc;
	enum section sec;
	unsigned seen; /* keys seen in the current section */
	bool have_node;
	unsigned node_seen;
	unsigned netdev_seen[EK_NETDEV_MAX];
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%u: %s", p->path, p->line, msg);
	return -EINVAL;
}

const char *nodeconf_role_name(enum ek_role r)
{
	return r == EK_ROLE_CONTROL ? "control" : r == EK_ROLE_WORKER ? "worker" : "none";
}

int nodeconf_parse_mac(const char *s, unsigned char mac[6])
{
	/* Exactly "xx:xx:xx:xx:xx:xx"; '-' separators are accepted too (some tools print them). */
	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit_value(s[i * 3]), lo = hex_digit_value(s[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':' && s[i * 3 + 2] != '-'))
			return -EINVAL;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int nodeconf_parse_ipv4(const char *s, struct in_addr *out)
{
	/* inet_aton accepts "10.1" and octal; a node config must say exactly what it means. */
	unsigned long v = 0;
	for (int part = 0; part < 4; part++) {
		unsigned n = 0, digits = 0;
		while (*s >= '0' && *s <= '9') {
			if (digits && n == 0)
				return -EINVAL; /* leading zero */
			n = n * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || n > 255)
				return -EINVAL;
		}
		if (!digits)
			return -EINVAL;
		v = v << 8 | n;
		if (part < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	out->s_addr = htonl((uint32_t)v);
	return 0;
}

int nodeconf_netmask_prefix(struct in_addr mask, unsigned *prefix)
{
	uint32_t m = ntohl(mask.s_addr);
	unsigned n = 0;
	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	/* Contiguous: the bits after the first zero must all be zero. */
	if (n < 32 && (m << n) != 0)
		return -EINVAL;
	*prefix = n;
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	if (!*s || strlen(s) > 10)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Interface names: what the kernel accepts (dev_valid_name) narrowed to a conservative set. */
static int ifname_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= 16 || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

static int section_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= EK_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

static int key_index(const char *const keys[], const char *key)
{
	for (int i = 0; keys[i]; i++)
		if (!strcmp(keys[i], key))
			return i;
	return -1;
}

static int copy_name(struct parser *p, const char *key, const char *v, char *dst, size_t cap)
{
	if (!hostname_valid(v) || strlen(v) >= cap)
		return fail(p, "%s: '%.64s' is not a valid name (letters, digits, '-', '.')", key, v);
	snprintf(dst, cap, "%s", v);
	return 0;
}

static int set_node_key(struct parser *p, const char *key, const char *v)
{
	struct ek_nodeconf *nc = p->nc;
	if (!strcmp(key, "id"))
		return copy_name(p, key, v, nc->id, sizeof nc->id);
	if (!strcmp(key, "hostname"))
		return copy_name(p, key, v, nc->hostname, sizeof nc->hostname);
	if (!strcmp(key, "cluster"))
		return copy_name(p, key, v, nc->cluster, sizeof nc->cluster);
	if (!strcmp(key, "role")) {
		if (!strcmp(v, "control"))
			nc->role = EK_ROLE_CONTROL;
		else if (!strcmp(v, "worker"))
			nc->role = EK_ROLE_WORKER;
		else
			return fail(p, "role: '%.64s' is neither control nor worker", v);
		return 0;
	}
	/* manager */
	if (nodeconf_parse_ipv4(v, &nc->manager) < 0)
		return fail(p, "manager: '%.64s' is not an IPv4 address", v);
	nc->has_manager = true;
	return 0;
}

/* Splits a space-separated list into words; returns how many, or -1 when there are more than max. */
static int split_words(char *v, char *words[], int max)
{
	int n = 0;
	for (char *save = NULL, *w = strtok_r(v, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		words[n++] = w;
	}
	return n;
}

static int set_netdev_key(struct parser *p, const char *key, char *v)
{
	struct ek_netdev *nd = &p->nc->netdev[p->nc->nnetdev - 1];
	unsigned long n;
	if (!strcmp(key, "device")) {
		if (!ifname_valid(v))
			return fail(p, "device: '%.64s' is not a valid interface name (1-15 of a-z A-Z 0-9 - _ .)", v);
		snprintf(nd->device, sizeof nd->device, "%s", v);
	} else if (!strcmp(key, "hwaddr")) {
		if (nodeconf_parse_mac(v, nd->hwaddr) < 0)
			return fail(p, "hwaddr: '%.64s' is not a MAC address (xx:xx:xx:xx:xx:xx)", v);
	} else if (!strcmp(key, "ipaddr")) {
		if (nodeconf_parse_ipv4(v, &nd->ipaddr) < 0)
			return fail(p, "ipaddr: '%.64s' is not an IPv4 address", v);
	} else if (!strcmp(key, "gateway")) {
		if (nodeconf_parse_ipv4(v, &nd->gateway) < 0)
			return fail(p, "gateway: '%.64s' is not an IPv4 address", v);
		nd->has_gateway = true;
	} else if (!strcmp(key, "netmask")) {
		struct in_addr m;
		if (p->seen & (1u << key_index(netdev_keys, "prefix")))
			return fail(p, "netmask: prefix is already set; give one of them");
		if (nodeconf_parse_ipv4(v, &m) < 0 || nodeconf_netmask_prefix(m, &nd->prefix) < 0)
			return fail(p, "netmask: '%.64s' is not a contiguous IPv4 netmask", v);
	} else if (!strcmp(key, "prefix")) {
		if (p->seen & (1u << key_index(netdev_keys, "netmask")))
			return fail(p, "prefix: netmask is already set; give one of them");
		if (parse_uint(v, 32, &n) < 0)
			return fail(p, "prefix: '%.64s' is not a number from 0 to 32", v);
		nd->prefix = (unsigned)n;
	} else if (!strcmp(key, "mtu")) {
		if (parse_uint(v, 65535, &n) < 0 || n < 68)
			return fail(p, "mtu: '%.64s' is not a number from 68 to 65535", v);
		nd->mtu = (unsigned)n;
	} else if (!strcmp(key, "dns")) {
		char *w[EK_DNS_MAX];
		int k = split_words(v, w, EK_DNS_MAX);
		if (k <= 0)
			return fail(p, "dns: give 1 to %d IPv4 addresses", EK_DNS_MAX);
		for (int i = 0; i < k; i++)
			if (nodeconf_parse_ipv4(w[i], &nd->dns[i]) < 0)
				return fail(p, "dns: '%.64s' is not an IPv4 address", w[i]);
		nd->ndns = (unsigned)k;
	} else { /* search */
		char *w[EK_SEARCH_MAX];
		int k = split_words(v, w, EK_SEARCH_MAX);
		if (k <= 0)
			return fail(p, "search: give 1 to %d domains", EK_SEARCH_MAX);
		for (int i = 0; i < k; i++) {
			/* hostname_valid caps at 64 bytes, which is also a sane limit for a search domain. */
			if (!hostname_valid(w[i]))
				return fail(p, "search: '%.64s' is not a valid domain", w[i]);
			snprintf(nd->search[i], sizeof nd->search[i], "%s", w[i]);
		}
		nd->nsearch = (unsigned)k;
	}
	return 0;
}

static int open_section(struct parser *p, char *s)
{
	char *end = strchr(s, ']');
	if (!end || conf_trim(end + 1)[0])
		return fail(p, "malformed section header (expected [node] or [netdev NAME])");
	*end = '\0';
	s = conf_trim(s + 1);
	p->seen = 0;
	if (!strcmp(s, "node")) {
		if (p->have_node)
			return fail(p, "[node] appears twice");
		p->have_node = true;
		p->sec = SEC_NODE;
		return 0;
	}
	if (!strncmp(s, "netdev", 6) && (s[6] == ' ' || s[6] == '\t' || !s[6])) {
		char *name = conf_trim(s + 6);
		if (!section_name_valid(name))
			return fail(p, "[netdev '%.64s']: the network name must be 1-63 of a-z A-Z 0-9 - _ .", name);
		for (unsigned i = 0; i < p->nc->nnetdev; i++)
			if (!strcmp(p->nc->netdev[i].name, name))
				return fail(p, "[netdev %s] appears twice", name);
		if (p->nc->nnetdev == EK_NETDEV_MAX)
			return fail(p, "more than %d [netdev] sections", EK_NETDEV_MAX);
		struct ek_netdev *nd = &p->nc->netdev[p->nc->nnetdev++];
		snprintf(nd->name, sizeof nd->name, "%s", name);
		p->sec = SEC_NETDEV;
		return 0;
	}
	ek_warn("%s:%u: unknown section [%.64s] (its keys are ignored)", p->path, p->line, s);
	p->sec = SEC_UNKNOWN;
	return 0;
}

static void close_section(struct parser *p)
{
	if (p->sec == SEC_NODE)
		p->node_seen = p->seen;
	else if (p->sec == SEC_NETDEV)
		p->netdev_seen[p->nc->nnetdev - 1] = p->seen;
}

static int parse_line(struct parser *p, char *line)
{
	for (const char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 ? *c != '\t' : (unsigned char)*c >= 0x7f)
			return fail(p, "invalid byte 0x%02x (only printable ASCII is allowed)", (unsigned char)*c);
	/* '#' starts a comment anywhere: no value of this format contains one. */
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	char *s = conf_trim(line);
	if (!*s)
		return 0;
	if (*s == '[') {
		close_section(p);
		return open_section(p, s);
	}
	char *eq = strchr(s, '=');
	if (!eq)
		return fail(p, "expected 'key = value' or a [section]");
	*eq = '\0';
	char *key = conf_trim(s), *val = conf_trim(eq + 1);
	if (p->sec == SEC_NONE)
		return fail(p, "'%.64s' before any [section]", key);
	if (p->sec == SEC_UNKNOWN)
		return 0;
	const char *const *keys = p->sec == SEC_NODE ? node_keys : netdev_keys;
	int idx = key_index(keys, key);
	if (idx < 0) {
		ek_warn("%s:%u: unknown key '%.64s' in [%s] (ignored)", p->path, p->line, key,
			p->sec == SEC_NODE ? "node" : "netdev");
		return 0;
	}
	if (p->seen & (1u << idx))
		return fail(p, "%s is set twice in this section", key);
	if (!*val)
		return fail(p, "%s has an empty value", key);
	int r = p->sec == SEC_NODE ? set_node_key(p, key, val) : set_netdev_key(p, key, val);
	p->seen |= 1u << idx;
	return r;
}

static bool has(unsigned seen, const char *const keys[], const char *key)
{
	return seen & (1u << key_index(keys, key));
}

static int check_required(struct parser *p)
{
	struct ek_nodeconf *nc = p->nc;
	if (!p->have_node || !has(p->node_seen, node_keys, "id")) {
		snprintf(p->err, p->errlen, "%s: [node] lacks id", p->path);
		return -EINVAL;
	}
	for (unsigned i = 0; i < nc->nnetdev; i++) {
		unsigned seen = p->netdev_seen[i];
		const char *missing = !has(seen, netdev_keys, "hwaddr")   ? "hwaddr"
				      : !has(seen, netdev_keys, "ipaddr") ? "ipaddr"
				      : !has(seen, netdev_keys, "netmask") && !has(seen, netdev_keys, "prefix")
					  ? "netmask (or prefix)"
					  : NULL;
		if (missing) {
			snprintf(p->err, p->errlen, "%s: [netdev %s] lacks %s", p->path, nc->netdev[i].name, missing);
			return -EINVAL;
		}
		for (unsigned j = 0; j < i; j++)
			if (!memcmp(nc->netdev[j].hwaddr, nc->netdev[i].hwaddr, 6)) {
				snprintf(p->err, p->errlen, "%s: [netdev %s] has the same hwaddr as [netdev %s]", p->path,
					 nc->netdev[i].name, nc->netdev[j].name);
				return -EINVAL;
			}
	}
	if (!nc->hostname[0])
		snprintf(nc->hostname, sizeof nc->hostname, "%s", nc->id);
	if (nc->role == EK_ROLE_NONE) {
		/* Warewulf sites without a role tag name their nodes control1.. / worker1.. */
		if (!strncmp(nc->hostname, "control", 7))
			nc->role = EK_ROLE_CONTROL;
		else if (!strncmp(nc->hostname, "worker", 6))
			nc->role = EK_ROLE_WORKER;
		if (nc->role != EK_ROLE_NONE)
			nc->role_from_hostname = true;
		else
			ek_warn("%s: no role, and hostname '%s' matches neither control* nor worker*", p->path,
				nc->hostname);
	}
	return 0;
}

int nodeconf_parse(const char *path, struct ek_nodeconf *out, char *err, size_t errlen)
{
	struct parser p = {.path = path, .err = err, .errlen = errlen, .nc = out};
	char line[LINE_MAX_LEN + 2];
	memset(out, 0, sizeof *out);
	if (errlen)
		err[0] = '\0';
	FILE *f = fopen(path, "re");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	int r = 0;
	/* Read by hand rather than with fgets so a NUL byte in the file is caught, not truncated away. */
	for (int c = 0; r == 0 && c != EOF;) {
		size_t n = 0;
		bool nul = false;
		while ((c = getc(f)) != EOF && c != '\n') {
			nul |= c == 0;
			if (n < LINE_MAX_LEN + 1)
				line[n++] = (char)c;
		}
		if (c == EOF && n == 0)
			break;
		line[n] = '\0';
		p.line++;
		if (nul)
			r = fail(&p, "invalid byte 0x00");
		else if (n > LINE_MAX_LEN)
			r = fail(&p, "line too long (more than %d bytes)", LINE_MAX_LEN);
		else
			r = parse_line(&p, line);
	}
	if (r == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		r = -EIO;
	}
	fclose(f);
	if (r == 0) {
		close_section(&p);
		r = check_required(&p);
	}
	return r;
}
