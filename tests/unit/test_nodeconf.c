/* nodeconf: the node config Warewulf renders; a good file parses completely, every kind of bad line is
 * an error naming file and line, unknown keys and sections are warnings, role falls back to the
 * hostname pattern. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>

#include "t.h"
#include "log.h"
#include "nodeconf.h"

static char root[64], path[128];
static int logpipe[2];
static char logbuf[8192];
static struct ek_nodeconf nc;
static char err[512];

static const char good[] =
	"# rendered by Warewulf from overlay ekinit: etc/ekinit/node.conf.ww\n"
	"[node]\n"
	"id = control1\n"
	"hostname = control1\n"
	"role = control            # control | worker\n"
	"cluster = k8s\n"
	"manager = 10.10.0.1       # the Warewulf server (IPv4)\n"
	"\n"
	"[netdev default]          # Warewulf's network name\n"
	"device = net0             # name to give the interface\n"
	"hwaddr = 52:54:00:12:34:01\n"
	"ipaddr = 10.10.0.11\n"
	"netmask = 255.255.255.0   # or: prefix = 24\n"
	"gateway = 10.10.0.1       # optional\n"
	"mtu = 1500                # optional\n"
	"dns = 10.10.0.1 10.10.0.2 # optional, up to 3\n"
	"search = cluster.local    # optional, up to 6 domains\n"
	"\n"
	"[netdev storage]\n"
	"\thwaddr = 52:54:00:12:34:02\n"
	"ipaddr = 192.168.7.11\n"
	"prefix = 16\n";

static int parse(const char *text)
{
	t_write(path, text);
	memset(err, 0, sizeof err);
	int r = nodeconf_parse(path, &nc, err, sizeof err);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	return r;
}

static const char *ip(struct in_addr a)
{
	static char b[4][INET_ADDRSTRLEN];
	static int i;
	i = (i + 1) % 4;
	return inet_ntop(AF_INET, &a, b[i], sizeof b[i]);
}

/* Replaces the first occurrence of `from` in the good file by `to` and parses the result. */
static int parse_edit(const char *from, const char *to)
{
	static char text[4096];
	const char *at = strstr(good, from);
	if (!at)
		return 12345;
	snprintf(text, sizeof text, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	return parse(text);
}

TEST(test_good_file)
{
	T_EQ_INT(parse(good), 0);
	T_EQ_STR(err, "");
	T_EQ_STR(logbuf, "");
	T_EQ_STR(nc.id, "control1");
	T_EQ_STR(nc.hostname, "control1");
	T_EQ_STR(nc.cluster, "k8s");
	T_EQ_INT(nc.role, EK_ROLE_CONTROL);
	T_ASSERT(!nc.role_from_hostname);
	T_ASSERT(nc.has_manager);
	T_EQ_STR(ip(nc.manager), "10.10.0.1");
	T_EQ_INT(nc.nnetdev, 2);
	const struct ek_netdev *d = &nc.netdev[0];
	T_EQ_STR(d->name, "default");
	T_EQ_STR(d->device, "net0");
	static const unsigned char mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 1};
	T_ASSERT(!memcmp(d->hwaddr, mac, 6));
	T_EQ_STR(ip(d->ipaddr), "10.10.0.11");
	T_EQ_INT(d->prefix, 24);
	T_ASSERT(d->has_gateway);
	T_EQ_STR(ip(d->gateway), "10.10.0.1");
	T_EQ_INT(d->mtu, 1500);
	T_EQ_INT(d->ndns, 2);
	T_EQ_STR(ip(d->dns[1]), "10.10.0.2");
	T_EQ_INT(d->nsearch, 1);
	T_EQ_STR(d->search[0], "cluster.local");
	d = &nc.netdev[1];
	T_EQ_STR(d->name, "storage");
	T_EQ_STR(d->device, "");
	T_EQ_INT(d->prefix, 16);
	T_ASSERT(!d->has_gateway);
	T_EQ_INT(d->mtu, 0);
	T_EQ_INT(d->ndns, 0);
}

TEST(test_minimal_file_and_hostname_default)
{
	T_EQ_INT(parse("[node]\nid=worker7\n"), 0);
	T_EQ_STR(nc.hostname, "worker7");
	T_EQ_INT(nc.nnetdev, 0);
	T_ASSERT(!nc.has_manager);
}

TEST(test_role_fallback_from_hostname)
{
	T_EQ_INT(parse("[node]\nid = n1\nhostname = worker3\n"), 0);
	T_EQ_INT(nc.role, EK_ROLE_WORKER);
	T_ASSERT(nc.role_from_hostname);
	T_EQ_INT(parse("[node]\nid = control2\n"), 0);
	T_EQ_INT(nc.role, EK_ROLE_CONTROL);
	T_ASSERT(nc.role_from_hostname);
	/* An explicit role wins over the name. */
	T_EQ_INT(parse("[node]\nid = control2\nrole = worker\n"), 0);
	T_EQ_INT(nc.role, EK_ROLE_WORKER);
	T_ASSERT(!nc.role_from_hostname);
	/* Neither: a warning, role none. */
	T_EQ_INT(parse("[node]\nid = gpu1\n"), 0);
	T_EQ_INT(nc.role, EK_ROLE_NONE);
	T_CONTAINS(logbuf, "warning: ");
	T_CONTAINS(logbuf, "matches neither control* nor worker*");
}

TEST(test_unknown_keys_and_sections_warn)
{
	T_EQ_INT(parse_edit("cluster = k8s\n", "cluster = k8s\ncolour = blue\n"), 0);
	T_CONTAINS(logbuf, "node.conf:7: unknown key 'colour' in [node] (ignored)");
	T_EQ_INT(parse_edit("mtu = 1500", "speed = 10G"), 0);
	T_CONTAINS(logbuf, "node.conf:15: unknown key 'speed' in [netdev]");
	T_EQ_INT(parse("[node]\nid = a\n[bmc]\nipaddr = nonsense\nuser = x\n"), 0);
	T_CONTAINS(logbuf, "node.conf:3: unknown section [bmc]");
	/* One warning for the section, none for its keys. */
	T_ASSERT(!strstr(logbuf, "user"));
}

struct bad {
	const char *from, *to, *want;
};

TEST(test_every_kind_of_bad_line)
{
	static const struct bad cases[] = {
		{"id = control1", "id = contr ol1", "node.conf:3: id: 'contr ol1' is not a valid name"},
		{"id = control1", "id = -x", "node.conf:3: id: '-x' is not a valid name"},
		{"hostname = control1", "hostname = a_b", "node.conf:4: hostname: 'a_b' is not a valid name"},
		{"role = control ", "role = master ", "node.conf:5: role: 'master' is neither control nor worker"},
		{"manager = 10.10.0.1", "manager = 10.10.0", "node.conf:7: manager: '10.10.0' is not an IPv4"},
		{"manager = 10.10.0.1", "manager = 10.10.0.256", "not an IPv4"},
		{"manager = 10.10.0.1", "manager = 10.010.0.1", "not an IPv4"},
		{"manager = 10.10.0.1", "manager = 10.10.0.1.", "not an IPv4"},
		{"manager = 10.10.0.1", "manager = 1.2.3.4 5", "not an IPv4"},
		{"device = net0", "device = averyveryverylongname", "node.conf:10: device: 'averyveryverylongname' is not a valid interface name"},
		{"device = net0", "device = net/0", "not a valid interface name"},
		{"hwaddr = 52:54:00:12:34:01", "hwaddr = 52:54:00:12:34", "node.conf:11: hwaddr: '52:54:00:12:34' is not a MAC"},
		{"hwaddr = 52:54:00:12:34:01", "hwaddr = 52:54:00:12:34:0g", "is not a MAC"},
		{"hwaddr = 52:54:00:12:34:01", "hwaddr = 52:54:00:12:34:01:", "is not a MAC"},
		{"ipaddr = 10.10.0.11", "ipaddr = ten", "node.conf:12: ipaddr: 'ten' is not an IPv4"},
		{"netmask = 255.255.255.0", "netmask = 255.0.255.0", "node.conf:13: netmask: '255.0.255.0' is not a contiguous"},
		{"netmask = 255.255.255.0", "netmask = 255.255.255", "not a contiguous"},
		{"prefix = 16", "prefix = 33", "node.conf:22: prefix: '33' is not a number from 0 to 32"},
		{"prefix = 16", "prefix = -1", "not a number from 0 to 32"},
		{"prefix = 16", "prefix = 16x", "not a number from 0 to 32"},
		{"gateway = 10.10.0.1", "gateway = 10.10.0.1/24", "node.conf:14: gateway: '10.10.0.1/24' is not an IPv4"},
		{"mtu = 1500", "mtu = 67", "node.conf:15: mtu: '67' is not a number from 68 to 65535"},
		{"mtu = 1500", "mtu = 65536", "not a number from 68 to 65535"},
		{"mtu = 1500", "mtu = 99999999999", "not a number from 68 to 65535"},
		{"dns = 10.10.0.1 10.10.0.2", "dns = 1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4", "node.conf:16: dns: give 1 to 3"},
		{"dns = 10.10.0.1 10.10.0.2", "dns = 10.10.0.1 resolver", "node.conf:16: dns: 'resolver' is not an IPv4"},
		{"search = cluster.local", "search = a b c d e f g", "node.conf:17: search: give 1 to 6"},
		{"search = cluster.local", "search = bad_domain", "search: 'bad_domain' is not a valid domain"},
		{"cluster = k8s", "cluster =", "node.conf:6: cluster has an empty value"},
		{"cluster = k8s", "cluster k8s", "node.conf:6: expected 'key = value' or a [section]"},
		{"cluster = k8s", "id = again", "node.conf:6: id is set twice in this section"},
		{"mtu = 1500", "ipaddr = 10.0.0.1", "node.conf:15: ipaddr is set twice"},
		{"prefix = 16", "prefix = 16\nnetmask = 255.255.0.0", "node.conf:23: netmask: prefix is already set"},
		{"[node]", "[node", "node.conf:2: malformed section header"},
		{"[node]", "[node] x", "node.conf:2: malformed section header"},
		{"[netdev storage]", "[netdev default]", "node.conf:19: [netdev default] appears twice"},
		{"[netdev storage]", "[netdev st/orage]", "node.conf:19: [netdev 'st/orage']: the network name must be"},
		{"[netdev storage]", "[node]", "node.conf:19: [node] appears twice"},
		{"# rendered", "stray = 1\n# rendered", "node.conf:1: 'stray' before any [section]"},
		{"cluster = k8s", "cluster = k\x01s", "node.conf:6: invalid byte 0x01"},
		{"cluster = k8s", "cluster = k\xc3\xa9s", "node.conf:6: invalid byte 0xc3"},
		{"cluster = k8s", "cluster = k8s\r", "node.conf:6: invalid byte 0x0d"},
		/* Missing required keys name the section. */
		{"id = control1\n", "", "node.conf: [node] lacks id"},
		{"hwaddr = 52:54:00:12:34:02\n", "", "node.conf: [netdev storage] lacks hwaddr"},
		{"ipaddr = 192.168.7.11\n", "", "node.conf: [netdev storage] lacks ipaddr"},
		{"prefix = 16\n", "", "node.conf: [netdev storage] lacks netmask (or prefix)"},
		{"hwaddr = 52:54:00:12:34:02", "hwaddr = 52:54:00:12:34:01", "[netdev storage] has the same hwaddr as [netdev default]"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = parse_edit(cases[i].from, cases[i].to);
		if (r != -EINVAL)
			T_FAIL("case %zu (%s -> %s): returned %d, err '%s'", i, cases[i].from, cases[i].to, r, err);
		if (!strstr(err, cases[i].want))
			T_FAIL("case %zu: err '%s' lacks '%s'", i, err, cases[i].want);
		T_ASSERT(strncmp(err, path, strlen(path)) == 0);
	}
}

TEST(test_no_node_section)
{
	T_EQ_INT(parse("[netdev a]\nhwaddr=52:54:00:00:00:01\nipaddr=1.2.3.4\nprefix=8\n"), -EINVAL);
	T_CONTAINS(err, "node.conf: [node] lacks id");
	T_EQ_INT(parse(""), -EINVAL);
}

TEST(test_too_many_netdevs)
{
	char text[4096] = "[node]\nid = x\n";
	for (int i = 0; i < EK_NETDEV_MAX + 1; i++) {
		char sec[160];
		snprintf(sec, sizeof sec, "[netdev n%d]\nhwaddr = 52:54:00:00:00:%02x\nipaddr = 10.0.0.%d\nprefix = 24\n", i,
			 i, i + 1);
		strcat(text, sec);
	}
	T_EQ_INT(parse(text), -EINVAL);
	T_CONTAINS(err, "more than 8 [netdev] sections");
}

TEST(test_long_line_and_nul_byte)
{
	static char text[2048];
	strcpy(text, "[node]\nid = x\ncluster = ");
	memset(text + strlen(text), 'a', 600);
	strcat(text, "\n");
	T_EQ_INT(parse(text), -EINVAL);
	T_CONTAINS(err, "node.conf:3: line too long");
	/* A NUL in the middle of a line. */
	static const char withnul[] = "[node]\nid = x\0y\n";
	int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0644);
	T_ASSERT(fd >= 0);
	T_EQ_INT(write(fd, withnul, sizeof withnul - 1), (long)sizeof withnul - 1);
	close(fd);
	T_EQ_INT(nodeconf_parse(path, &nc, err, sizeof err), -EINVAL);
	T_CONTAINS(err, "node.conf:2: invalid byte 0x00");
}

TEST(test_missing_file)
{
	char p[128];
	snprintf(p, sizeof p, "%s/absent.conf", root);
	T_EQ_INT(nodeconf_parse(p, &nc, err, sizeof err), -ENOENT);
	T_CONTAINS(err, "absent.conf: No such file or directory");
}

TEST(test_validators)
{
	struct in_addr a;
	unsigned pfx;
	T_EQ_INT(nodeconf_parse_ipv4("0.0.0.0", &a), 0);
	T_EQ_INT(nodeconf_parse_ipv4("255.255.255.255", &a), 0);
	T_EQ_INT(nodeconf_parse_ipv4("1.2.3.04", &a), -EINVAL);
	T_EQ_INT(nodeconf_parse_ipv4("1..3.4", &a), -EINVAL);
	T_EQ_INT(nodeconf_parse_ipv4("", &a), -EINVAL);
	T_EQ_INT(nodeconf_parse_ipv4("1.2.3.4444", &a), -EINVAL);
	nodeconf_parse_ipv4("0.0.0.0", &a);
	T_EQ_INT(nodeconf_netmask_prefix(a, &pfx), 0);
	T_EQ_INT(pfx, 0);
	nodeconf_parse_ipv4("255.255.255.255", &a);
	T_EQ_INT(nodeconf_netmask_prefix(a, &pfx), 0);
	T_EQ_INT(pfx, 32);
	nodeconf_parse_ipv4("255.255.254.0", &a);
	T_EQ_INT(nodeconf_netmask_prefix(a, &pfx), 0);
	T_EQ_INT(pfx, 23);
	nodeconf_parse_ipv4("255.255.255.1", &a);
	T_EQ_INT(nodeconf_netmask_prefix(a, &pfx), -EINVAL);
	unsigned char mac[6];
	T_EQ_INT(nodeconf_parse_mac("AA-bb-CC-dd-EE-ff", mac), 0);
	T_EQ_INT(mac[5], 0xff);
	T_EQ_STR(nodeconf_role_name(EK_ROLE_WORKER), "worker");
}

int main(void)
{
	if (!t_tmpdir(root, sizeof root) || pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	snprintf(path, sizeof path, "%s/node.conf", root);
	ek_log_set_fd(logpipe[1]);
	T_RUN(test_good_file);
	T_RUN(test_minimal_file_and_hostname_default);
	T_RUN(test_role_fallback_from_hostname);
	T_RUN(test_unknown_keys_and_sections_warn);
	T_RUN(test_every_kind_of_bad_line);
	T_RUN(test_no_node_section);
	T_RUN(test_too_many_netdevs);
	T_RUN(test_long_line_and_nul_byte);
	T_RUN(test_missing_file);
	T_RUN(test_validators);
	t_rmtree(root);
	return T_END();
}
