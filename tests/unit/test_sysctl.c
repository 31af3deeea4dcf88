/* sysctl: keys become paths below a proc_sys root (a temp dir standing for /proc/sys here), files in
 * sysctl.d format are applied with systemd-sysctl's rules, and bad lines are warnings. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "t.h"
#include "log.h"
#include "sysctl.h"

static char root[64], psys[128];
static int logpipe[2];
static char logbuf[16384];

static void mkkey(const char *rel)
{
	char p[512], cmd[600];
	snprintf(p, sizeof p, "%s/%s", psys, rel);
	snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\" && : > '%s'", p, p);
	if (system(cmd) != 0)
		printf("  could not create %s\n", p);
}

static const char *val(const char *rel)
{
	static char buf[256];
	char p[512];
	snprintf(p, sizeof p, "%s/%s", psys, rel);
	return t_read(p, buf, sizeof buf) < 0 ? "<missing>" : buf;
}

/* Writes conf as a sysctl.d file and applies it; the log lines land in logbuf. */
static int apply(const char *conf, bool net_only, struct ek_sysctl_result *res)
{
	char p[128];
	snprintf(p, sizeof p, "%s/test.conf", root);
	t_write(p, conf);
	memset(res, 0, sizeof *res);
	int r = sysctl_apply_file(p, psys, net_only, res);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	return r;
}

TEST(test_key_to_path_dots_and_slashes)
{
	char out[256];
	T_EQ_INT(sysctl_key_to_path("net.ipv4.ip_forward", "/proc/sys", out, sizeof out), 0);
	T_EQ_STR(out, "/proc/sys/net/ipv4/ip_forward");
	T_EQ_INT(sysctl_key_to_path("net/ipv4/ip_forward", "/proc/sys", out, sizeof out), 0);
	T_EQ_STR(out, "/proc/sys/net/ipv4/ip_forward");
	/* Slash form: dots are literal (VLAN interface names). */
	T_EQ_INT(sysctl_key_to_path("net/ipv4/conf/eth0.100/rp_filter", "/proc/sys", out, sizeof out), 0);
	T_EQ_STR(out, "/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
	/* Dot form: a slash stands for a literal dot. */
	T_EQ_INT(sysctl_key_to_path("net.ipv4.conf.eth0/100.rp_filter", "/proc/sys", out, sizeof out), 0);
	T_EQ_STR(out, "/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
	T_EQ_INT(sysctl_key_to_path("net.ipv4.conf.*.rp_filter", "/x", out, sizeof out), 0);
	T_EQ_STR(out, "/x/net/ipv4/conf/*/rp_filter");
}

TEST(test_key_to_path_rejects_bad_keys)
{
	char out[256];
	T_EQ_INT(sysctl_key_to_path("", "/proc/sys", out, sizeof out), -EINVAL);
	T_EQ_INT(sysctl_key_to_path("../x", "/proc/sys", out, sizeof out), -EINVAL);
	T_EQ_INT(sysctl_key_to_path("net/../../etc/passwd", "/proc/sys", out, sizeof out), -EINVAL);
	T_EQ_INT(sysctl_key_to_path("a b", "/proc/sys", out, sizeof out), -EINVAL);
	T_EQ_INT(sysctl_key_to_path("/kernel/x", "/proc/sys", out, sizeof out), -EINVAL);
	T_EQ_INT(sysctl_key_to_path(".kernel.x", "/proc/sys", out, sizeof out), -EINVAL);
	T_EQ_INT(sysctl_key_to_path("kernel.x\n", "/proc/sys", out, sizeof out), -EINVAL);
	T_EQ_INT(sysctl_key_to_path("kernel.x;y", "/proc/sys", out, sizeof out), -EINVAL);
	/* Too long for the buffer. */
	T_EQ_INT(sysctl_key_to_path("kernel.hostname", "/proc/sys", out, 20), -EINVAL);
}

/* In dot form a slash becomes a literal dot, so two slashes become "..": the key must not climb out
 * of proc_sys (in container mode "net.//.//.kernel..." would also get past the net.* filter and
 * write the host's kernel settings). */
TEST(test_key_to_path_no_dotdot_through_slashes)
{
	char out[256] = "";
	int r = sysctl_key_to_path("net.//.kernel.hostname", "/proc/sys", out, sizeof out);
	if (r == 0)
		T_FAIL("accepted, path %s", out);
	T_EQ_INT(r, -EINVAL);
	T_EQ_INT(sysctl_key_to_path("net.//.//.//.//.tmp.x", "/proc/sys", out, sizeof out), -EINVAL);
}

/* The same through a file in container mode: the key passes the net.* filter and writes outside. */
TEST(test_apply_net_only_cannot_escape_proc_sys)
{
	struct ek_sysctl_result res;
	char outside[128];
	mkkey("net/core/x");
	snprintf(outside, sizeof outside, "%s/outside", root);
	t_write(outside, "untouched\n");
	T_EQ_INT(apply("net.//.//.outside = 1\n", true, &res), 0);
	char got[64];
	t_read(outside, got, sizeof got);
	T_EQ_STR(got, "untouched\n");
	T_EQ_INT(res.applied, 0);
}

TEST(test_apply_writes_values_with_newline)
{
	struct ek_sysctl_result res;
	mkkey("net/ipv4/ip_forward");
	mkkey("kernel/panic");
	mkkey("net/ipv4/conf/eth0.100/rp_filter");
	T_EQ_INT(apply("# comment\n; also a comment\n\n  net.ipv4.ip_forward = 1  \nkernel.panic=10\n"
		       "net/ipv4/conf/eth0.100/rp_filter = 2\n",
		       false, &res),
		 0);
	T_EQ_STR(val("net/ipv4/ip_forward"), "1\n");
	T_EQ_STR(val("kernel/panic"), "10\n");
	T_EQ_STR(val("net/ipv4/conf/eth0.100/rp_filter"), "2\n");
	T_EQ_INT(res.applied, 3);
	T_EQ_INT(res.failed, 0);
	T_EQ_INT(res.skipped, 0);
	T_EQ_STR(logbuf, "");
}

TEST(test_apply_value_with_spaces_and_equals)
{
	struct ek_sysctl_result res;
	mkkey("kernel/core_pattern");
	T_EQ_INT(apply("kernel.core_pattern = |/bin/dump %p a=b\n", false, &res), 0);
	T_EQ_STR(val("kernel/core_pattern"), "|/bin/dump %p a=b\n");
	T_EQ_INT(res.applied, 1);
}

TEST(test_apply_unknown_key_warns)
{
	struct ek_sysctl_result res;
	T_EQ_INT(apply("net.nope.nothing = 1\n", false, &res), 0);
	T_EQ_INT(res.failed, 1);
	T_EQ_INT(res.applied, 0);
	T_CONTAINS(logbuf, "warning: ");
	T_CONTAINS(logbuf, "test.conf:1: net.nope.nothing: no such key");
}

TEST(test_apply_dash_prefix_ignores_failure_silently)
{
	struct ek_sysctl_result res;
	T_EQ_INT(apply("-net.nope.nothing = 1\n", false, &res), 0);
	T_EQ_INT(res.failed, 0);
	T_EQ_INT(res.applied, 0);
	T_EQ_STR(logbuf, "");
	/* A '-' key that exists is still written. */
	mkkey("net/core/somaxconn");
	T_EQ_INT(apply("-net.core.somaxconn = 4096\n", false, &res), 0);
	T_EQ_INT(res.applied, 1);
	T_EQ_STR(val("net/core/somaxconn"), "4096\n");
}

TEST(test_apply_glob_hits_every_match)
{
	struct ek_sysctl_result res;
	mkkey("net/ipv6/conf/all/accept_ra");
	mkkey("net/ipv6/conf/default/accept_ra");
	mkkey("net/ipv6/conf/lo/accept_ra");
	T_EQ_INT(apply("net.ipv6.conf.*.accept_ra = 0\n", false, &res), 0);
	T_EQ_INT(res.applied, 3);
	T_EQ_STR(val("net/ipv6/conf/all/accept_ra"), "0\n");
	T_EQ_STR(val("net/ipv6/conf/default/accept_ra"), "0\n");
	T_EQ_STR(val("net/ipv6/conf/lo/accept_ra"), "0\n");
	/* A glob that matches nothing is not a failure. */
	T_EQ_INT(apply("net.nothing.*.x = 0\n", false, &res), 0);
	T_EQ_INT(res.applied, 0);
	T_EQ_INT(res.failed, 0);
}

TEST(test_apply_net_only_skips_the_rest)
{
	struct ek_sysctl_result res;
	mkkey("kernel/pid_max");
	mkkey("vm/swappiness");
	mkkey("net/ipv4/tcp_syncookies");
	char p[512];
	snprintf(p, sizeof p, "%s/kernel/pid_max", psys);
	t_write(p, "old\n");
	T_EQ_INT(apply("kernel.pid_max = 99999\nvm.swappiness=1\nnet.ipv4.tcp_syncookies = 1\n", true, &res), 0);
	T_EQ_INT(res.skipped, 2);
	T_EQ_INT(res.applied, 1);
	T_EQ_INT(res.failed, 0);
	T_EQ_STR(val("kernel/pid_max"), "old\n");
	T_EQ_STR(val("net/ipv4/tcp_syncookies"), "1\n");
	/* "network.x" is not net.* */
	T_EQ_INT(apply("network.x = 1\n", true, &res), 0);
	T_EQ_INT(res.skipped, 1);
}

TEST(test_apply_bad_lines_warn)
{
	struct ek_sysctl_result res;
	mkkey("kernel/ok");
	T_EQ_INT(apply("just some words\nkernel.ok = 5\n", false, &res), 0);
	T_EQ_INT(res.failed, 1);
	T_EQ_INT(res.applied, 1);
	T_CONTAINS(logbuf, "test.conf:1: expected 'key = value'");
	T_EQ_INT(apply("bad key = 1\n", false, &res), 0);
	T_EQ_INT(res.failed, 1);
	T_CONTAINS(logbuf, "test.conf:1: 'bad key' is not a valid sysctl key");
	T_EQ_INT(apply("../../etc/x = 1\n", false, &res), 0);
	T_EQ_INT(res.failed, 1);
	T_CONTAINS(logbuf, "not a valid sysctl key");
}

TEST(test_apply_overlong_line)
{
	struct ek_sysctl_result res;
	static char conf[10000];
	mkkey("kernel/after");
	strcpy(conf, "kernel.long = ");
	size_t n = strlen(conf);
	memset(conf + n, 'v', 6000);
	strcpy(conf + n + 6000, "\nkernel.after = 7\n");
	T_EQ_INT(apply(conf, false, &res), 0);
	T_EQ_INT(res.failed, 1);
	T_EQ_INT(res.applied, 1);
	T_CONTAINS(logbuf, "test.conf:1: line too long");
	T_EQ_STR(val("kernel/after"), "7\n");
}

TEST(test_apply_missing_file)
{
	struct ek_sysctl_result res = {0};
	char p[128];
	snprintf(p, sizeof p, "%s/absent.conf", root);
	T_EQ_INT(sysctl_apply_file(p, psys, false, &res), -ENOENT);
}

int main(void)
{
	if (!t_tmpdir(root, sizeof root) || pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	snprintf(psys, sizeof psys, "%s/proc_sys", root);
	mkdir(psys, 0755);
	ek_log_set_fd(logpipe[1]);
	T_RUN(test_key_to_path_dots_and_slashes);
	T_RUN(test_key_to_path_rejects_bad_keys);
	T_RUN(test_key_to_path_no_dotdot_through_slashes);
	T_RUN(test_apply_net_only_cannot_escape_proc_sys);
	T_RUN(test_apply_writes_values_with_newline);
	T_RUN(test_apply_value_with_spaces_and_equals);
	T_RUN(test_apply_unknown_key_warns);
	T_RUN(test_apply_dash_prefix_ignores_failure_silently);
	T_RUN(test_apply_glob_hits_every_match);
	T_RUN(test_apply_net_only_skips_the_rest);
	T_RUN(test_apply_bad_lines_warn);
	T_RUN(test_apply_overlong_line);
	T_RUN(test_apply_missing_file);
	t_rmtree(root);
	return T_END();
}
