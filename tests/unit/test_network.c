/* network: resolv.conf and /etc/hosts are written into a temporary etc directory; network_up runs in a
 * private network and UTS namespace against a veth pair whose peer is up, so carrier comes. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>

#include "t.h"
#include "log.h"
#include "network.h"
#include "nodeconf.h"

static char root[64], confpath[128];
static int logpipe[2];
static char logbuf[8192];
static struct ek_nodeconf nc;

static int conf(const char *text)
{
	char err[256];
	t_write(confpath, text);
	int r = nodeconf_parse(confpath, &nc, err, sizeof err);
	if (r)
		printf("  nodeconf: %s\n", err);
	return r;
}

static const char *file(const char *name)
{
	static char buf[8192];
	char p[256];
	snprintf(p, sizeof p, "%s/%s", root, name);
	return t_read(p, buf, sizeof buf) < 0 ? "<missing>" : buf;
}

static const char two_nets[] = "[node]\nid = control1\n"
			       "[netdev default]\nhwaddr = 52:54:00:aa:bb:01\nipaddr = 10.10.0.11\nprefix = 24\n"
			       "dns = 10.10.0.1 10.10.0.2\nsearch = cluster.local example.org\n"
			       "[netdev storage]\nhwaddr = 52:54:00:aa:bb:03\nipaddr = 10.20.0.11\nprefix = 24\n"
			       "dns = 10.10.0.2 10.20.0.1 10.20.0.2\nsearch = example.org lab\n";

TEST(test_resolv_conf_merges_and_dedups)
{
	unsigned n = 99;
	T_EQ_INT(conf(two_nets), 0);
	T_EQ_INT(network_write_resolv(&nc, root, &n), 0);
	T_EQ_INT(n, 3);
	T_EQ_STR(file("resolv.conf"), "# written by ekinit from the node config\n"
				      "nameserver 10.10.0.1\nnameserver 10.10.0.2\nnameserver 10.20.0.1\n"
				      "search cluster.local example.org lab\n");
	/* No temporary file left behind. */
	T_EQ_STR(file("resolv.conf.ekinit-tmp"), "<missing>");
}

TEST(test_resolv_conf_untouched_without_dns)
{
	unsigned n = 99;
	char p[256];
	snprintf(p, sizeof p, "%s/resolv.conf", root);
	t_write(p, "nameserver 192.0.2.53\n");
	T_EQ_INT(conf("[node]\nid = w1\n[netdev a]\nhwaddr = 52:54:00:aa:bb:01\nipaddr = 10.0.0.2\nprefix = 8\n"), 0);
	T_EQ_INT(network_write_resolv(&nc, root, &n), 0);
	T_EQ_INT(n, 0);
	T_EQ_STR(file("resolv.conf"), "nameserver 192.0.2.53\n");
}

TEST(test_hosts_created_when_missing)
{
	unsigned added;
	char p[256];
	snprintf(p, sizeof p, "%s/hosts", root);
	unlink(p);
	T_EQ_INT(conf(two_nets), 0);
	T_EQ_INT(network_merge_hosts(&nc, root, &added), 0);
	T_EQ_INT(added, 2);
	T_EQ_STR(file("hosts"), "127.0.0.1\tlocalhost\n10.10.0.11\tcontrol1\n");
}

TEST(test_hosts_keeps_lines_and_adds_missing)
{
	unsigned added;
	char p[256];
	snprintf(p, sizeof p, "%s/hosts", root);
	/* The overlay's hosts file: the VIP name, a comment mentioning our name, no trailing newline. */
	t_write(p, "# 10.10.0.11 control1 (a comment does not count)\n127.0.0.1 localhost.localdomain localhost\n"
		   "10.10.0.100 vip.kubernetes.local");
	T_EQ_INT(conf(two_nets), 0);
	T_EQ_INT(network_merge_hosts(&nc, root, &added), 0);
	T_EQ_INT(added, 1);
	T_EQ_STR(file("hosts"), "# 10.10.0.11 control1 (a comment does not count)\n127.0.0.1 localhost.localdomain localhost\n"
				"10.10.0.100 vip.kubernetes.local\n10.10.0.11\tcontrol1\n");
	/* Merging again changes nothing. */
	T_EQ_INT(network_merge_hosts(&nc, root, &added), 0);
	T_EQ_INT(added, 0);
	T_CONTAINS(file("hosts"), "vip.kubernetes.local\n10.10.0.11\tcontrol1\n");
}

TEST(test_hosts_refuses_binary)
{
	unsigned added;
	char p[256];
	snprintf(p, sizeof p, "%s/hosts", root);
	int fd = open(p, O_WRONLY | O_TRUNC | O_CREAT, 0644);
	T_ASSERT(fd >= 0);
	T_EQ_INT(write(fd, "a\0b\n", 4), 4);
	close(fd);
	T_EQ_INT(conf(two_nets), 0);
	T_EQ_INT(network_merge_hosts(&nc, root, &added), -EINVAL);
}

/* ---- network_up in private namespaces ---- */

static int in_netns(void (*body)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET | CLONE_NEWUTS) < 0) {
			printf("  unshare: %s\n", strerror(errno));
			fflush(stdout);
			_exit(2);
		}
		t_failed_now = 0;
		body();
		fflush(stdout);
		_exit(t_failed_now ? 1 : 0);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void sh(const char *cmd)
{
	if (system(cmd) != 0)
		printf("  failed: %s\n", cmd);
}

static void read_cmd(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n = p ? fread(out, 1, cap - 1, p) : 0;
	out[n] = '\0';
	if (p)
		pclose(p);
}

static void up_body(void)
{
	char detail[EK_DETAIL_MAX], out[2048], host[65] = "", p[256];
	snprintf(p, sizeof p, "%s/hosts", root);
	unlink(p); /* the previous test left a binary one */
	/* eth7 is what we configure; its peer is up so carrier comes. The second netdev has no link. */
	sh("ip link add eth7 address 52:54:00:aa:bb:01 type veth peer name peer7 && ip link set peer7 up");
	T_EQ_INT(conf("[node]\nid = control1\n"
		      "[netdev default]\ndevice = net0\nhwaddr = 52:54:00:aa:bb:01\nipaddr = 10.10.0.11\n"
		      "netmask = 255.255.255.0\ngateway = 10.10.0.1\nmtu = 1400\ndns = 10.10.0.1\n"),
		 0);
	enum ek_result res = network_up(&nc, root, detail, sizeof detail);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	if (res != EK_OK)
		T_FAIL("network_up: %d: %s; log: %s", res, detail, logbuf);
	T_EQ_STR(detail, "net0 10.10.0.11/24 up, gw 10.10.0.1, dns 1");
	read_cmd("ip -o -4 addr show dev net0; ip -o link show dev net0; ip -4 route show default", out, sizeof out);
	T_CONTAINS(out, "inet 10.10.0.11/24 brd 10.10.0.255");
	T_CONTAINS(out, "mtu 1400");
	T_CONTAINS(out, "LOWER_UP");
	T_CONTAINS(out, "default via 10.10.0.1 dev net0");
	gethostname(host, sizeof host - 1);
	T_EQ_STR(host, "control1");
	T_CONTAINS(file("resolv.conf"), "nameserver 10.10.0.1\n");
	T_CONTAINS(file("hosts"), "10.10.0.11\tcontrol1\n");

	/* A missing interface and one without carrier: both named, the step fails, boot goes on. */
	sh("ip link add eth8 address 52:54:00:aa:bb:05 type veth peer name peer8");
	network_carrier_timeout_ms = 300;
	T_EQ_INT(conf("[node]\nid = worker1\n"
		      "[netdev default]\ndevice = net0\nhwaddr = 52:54:00:aa:bb:01\nipaddr = 10.10.0.11\nprefix = 24\n"
		      "[netdev gone]\nhwaddr = 52:54:00:aa:bb:09\nipaddr = 10.30.0.1\nprefix = 24\n"
		      "[netdev dark]\ndevice = dark0\nhwaddr = 52:54:00:aa:bb:05\nipaddr = 10.40.0.1\nprefix = 24\n"),
		 0);
	T_EQ_INT(network_up(&nc, root, detail, sizeof detail), EK_FAILED);
	T_CONTAINS(detail, "net0 10.10.0.11/24 up; gone (52:54:00:aa:bb:09) find by hwaddr: no interface has this hwaddr");
	T_CONTAINS(detail, "dark0 10.40.0.1/24 up; no carrier: dark0");
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_CONTAINS(logbuf, "network: dark0: no carrier after 0.3 s (carrying on)");
}

TEST(test_network_up_in_netns)
{
	int r = in_netns(up_body);
	if (r)
		T_FAIL("namespace child exited %d", r);
}

int main(void)
{
	if (!t_tmpdir(root, sizeof root) || pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	snprintf(confpath, sizeof confpath, "%s/node.conf", root);
	ek_log_set_fd(logpipe[1]);
	T_RUN(test_resolv_conf_merges_and_dedups);
	T_RUN(test_resolv_conf_untouched_without_dns);
	T_RUN(test_hosts_created_when_missing);
	T_RUN(test_hosts_keeps_lines_and_adds_missing);
	T_RUN(test_hosts_refuses_binary);
	T_RUN(test_network_up_in_netns);
	t_rmtree(root);
	return T_END();
}
