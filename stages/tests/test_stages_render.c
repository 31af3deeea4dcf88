/* phylactery --render, end to end: the real program against a temporary directory writes the
 * haproxy.cfg and keepalived.conf the daemon would, registers nothing, and refuses bad input with a
 * clear message and no file written. */
#include "t.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lb_config.h"
#include "share.h"

static char prog[512], dir[64], share[128], node_conf[128], cluster_conf[128], ha[128], ka[128], errlog[128];

static const char *const NODE = "[node]\nid = demo1\nhostname = demo1\nrole = control\nmanager = 10.0.2.2\n\n"
				"[netdev default]\ndevice = net0\nhwaddr = 52:54:00:12:34:56\nipaddr = 10.0.2.15\n"
				"netmask = 255.255.255.0\n";
static const char *const CLUSTER = "[cluster]\nvip = 10.0.2.100\nvip_name = vip.kubernetes.local\n"
				   "k8s_version = 1.32.0\npod_cidr = 10.244.0.0/16\n";

/* Runs phylactery with args (NULL-terminated), stderr into errlog; returns its exit status. */
static int run(const char *const *args)
{
	const char *argv[24] = {prog};
	for (int i = 0; args[i] && i < 22; i++)
		argv[i + 1] = args[i];
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int render(void)
{
	const char *const args[] = {"--render", "--share", share, "--node-conf", node_conf, "--cluster-conf",
				    cluster_conf, "--haproxy-cfg", ha, "--keepalived-conf", ka, NULL};
	return run(args);
}

/* A fresh directory with node.conf and cluster.conf as the overlay renders them. */
static void fresh(void)
{
	char sub[160];
	t_rmtree(dir);
	mkdir(dir, 0700);
	snprintf(share, sizeof share, "%s/share", dir);
	mkdir(share, 0755);
	snprintf(sub, sizeof sub, "%s/out", dir);
	mkdir(sub, 0755);
	snprintf(node_conf, sizeof node_conf, "%s/node.conf", dir);
	snprintf(cluster_conf, sizeof cluster_conf, "%s/cluster.conf", dir);
	snprintf(ha, sizeof ha, "%s/out/haproxy.cfg", dir);
	snprintf(ka, sizeof ka, "%s/out/keepalived.conf", dir);
	snprintf(errlog, sizeof errlog, "%s/stderr", dir);
	t_write(node_conf, NODE);
	t_write(cluster_conf, CLUSTER);
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) < 0 ? (mode_t)-1 : st.st_mode & 07777;
}

static bool registry_exists(void)
{
	char path[200];
	snprintf(path, sizeof path, "%s/phylactery/nodes", share);
	return access(path, F_OK) == 0;
}

TEST(lone_node_gets_vip_backend_and_auth_from_a_new_secret)
{
	char text[8192], secret[65], err[256], pass[9], line[64];
	fresh();
	T_EQ_INT(render(), 0);
	T_ASSERT(share_secret_read(share, secret, err, sizeof err) == 0);
	T_ASSERT(t_read(ha, text, sizeof text) > 0);
	T_CONTAINS(text, "    bind :8443\n");
	T_CONTAINS(text, "    server demo1 10.0.2.15:6443\n");
	T_EQ_INT(mode_of(ha), 0644);
	T_ASSERT(t_read(ka, text, sizeof text) > 0);
	T_CONTAINS(text, "        10.0.2.100/32 dev net0\n");
	T_CONTAINS(text, "    interface net0\n");
	T_CONTAINS(text, "    unicast_src_ip 10.0.2.15\n    unicast_peer {\n    }\n");
	keepalived_auth_pass(secret, pass);
	snprintf(line, sizeof line, "        auth_pass %s\n", pass);
	T_CONTAINS(text, line);
	T_EQ_INT(mode_of(ka), 0600);
	/* A preview registers nothing: the peers' load balancers must not change. */
	T_ASSERT(!registry_exists());
	T_ASSERT(t_read(errlog, text, sizeof text) >= 0);
	T_CONTAINS(text, "had no cluster secret: made ");
}

TEST(registered_peers_and_an_existing_secret_are_used)
{
	static const char *const secret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char text[8192], path[200], err[256], pass[9], line[64];
	fresh();
	snprintf(path, sizeof path, "%s/phylactery", share);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/phylactery/secret", share);
	T_ASSERT(share_write_atomic(path, secret, 64, 0600, err, sizeof err) == 0);
	/* A peer, and this node under an old address (the fresh one must replace it). */
	struct share_entry peer = {.name = "control2", .ip = "10.0.2.16", .boot_id = "0f2b1c3a-2d44-4b8e-9f10-3c5a6b7d8e9f",
				   .time = 1700000000},
			   old = peer;
	snprintf(old.name, sizeof old.name, "demo1");
	snprintf(old.ip, sizeof old.ip, "10.0.2.99");
	T_ASSERT(share_registry_put(share, &peer, err, sizeof err) == 0);
	T_ASSERT(share_registry_put(share, &old, err, sizeof err) == 0);
	T_EQ_INT(render(), 0);
	T_ASSERT(t_read(ha, text, sizeof text) > 0);
	T_CONTAINS(text, "    server control2 10.0.2.16:6443\n    server demo1 10.0.2.15:6443\n");
	T_ASSERT(!strstr(text, "10.0.2.99"));
	T_ASSERT(t_read(ka, text, sizeof text) > 0);
	T_CONTAINS(text, "    unicast_peer {\n        10.0.2.16\n    }\n");
	keepalived_auth_pass(secret, pass);
	snprintf(line, sizeof line, "        auth_pass %s\n", pass);
	T_CONTAINS(text, line);
	/* The registry on disk is as it was. */
	struct share_entry e;
	snprintf(path, sizeof path, "%s/phylactery/nodes/demo1", share);
	T_ASSERT(share_entry_read(path, &e, err, sizeof err) == 0);
	T_EQ_STR(e.ip, "10.0.2.99");
	/* Stdout as the target: the same bytes. */
	char want[8192], got[8192];
	T_ASSERT(t_read(ha, want, sizeof want) > 0);
	snprintf(path, sizeof path, "%s/stdout", dir);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), efd = open(errlog, O_WRONLY | O_TRUNC);
		if (fd < 0 || efd < 0 || dup2(fd, 1) < 0 || dup2(efd, 2) < 0)
			_exit(126);
		execl(prog, prog, "--render", "--share", share, "--node-conf", node_conf, "--cluster-conf", cluster_conf,
		      "--haproxy-cfg", "-", (char *)NULL);
		_exit(127);
	}
	int st;
	T_ASSERT(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	T_ASSERT(t_read(path, got, sizeof got) > 0);
	T_EQ_STR(got, want);
}

/* Bad input: exit 1, a message naming the file, and nothing written (not even the secret). */
static void refused(const char *node_text, const char *expect)
{
	char text[1024], path[200];
	fresh();
	if (node_text)
		t_write(node_conf, node_text);
	else
		unlink(node_conf);
	T_EQ_INT(render(), 1);
	T_ASSERT(t_read(errlog, text, sizeof text) > 0);
	T_CONTAINS(text, "phylactery: ");
	T_CONTAINS(text, node_conf);
	T_CONTAINS(text, expect);
	T_ASSERT(access(ha, F_OK) < 0 && access(ka, F_OK) < 0);
	snprintf(path, sizeof path, "%s/phylactery", share);
	T_ASSERT(access(path, F_OK) < 0);
}

TEST(missing_node_conf_is_a_clear_error)
{
	refused(NULL, "No such file or directory");
}

TEST(bad_address_in_node_conf_is_a_clear_error)
{
	refused("[node]\nid = demo1\nrole = control\n\n[netdev default]\nipaddr = 10.0.2.315\n",
		"ipaddr: expected an IPv4 address, got '10.0.2.315'");
}

TEST(worker_node_conf_is_refused)
{
	refused("[node]\nid = demo1\nrole = worker\n\n[netdev default]\nipaddr = 10.0.2.15\n",
		"is not a control node (role worker)");
}

TEST(bad_cluster_conf_and_bad_arguments)
{
	char text[1024];
	fresh();
	t_write(cluster_conf, "[cluster]\nvip = 10.0.2\n");
	T_EQ_INT(render(), 1);
	T_ASSERT(t_read(errlog, text, sizeof text) > 0);
	T_CONTAINS(text, "vip: expected an IPv4 address");
	T_ASSERT(access(ha, F_OK) < 0 && access(ka, F_OK) < 0);
	fresh();
	const char *const no_share[] = {"--render", "--node-conf", node_conf, "--haproxy-cfg", ha, NULL};
	T_EQ_INT(run(no_share), 2);
	const char *const no_output[] = {"--render", "--share", share, "--node-conf", node_conf, NULL};
	T_EQ_INT(run(no_output), 2);
	const char *const daemon_opt[] = {"--render", "--share", share, "--haproxy-cfg", ha, "--listen", "127.0.0.1", NULL};
	T_EQ_INT(run(daemon_opt), 2);
	T_ASSERT(t_read(errlog, text, sizeof text) > 0);
	T_CONTAINS(text, "--render needs --share DIR");
	char missing[200];
	snprintf(missing, sizeof missing, "%s/nothing", dir);
	const char *const bad_share[] = {"--render", "--share", missing, "--node-conf", node_conf, "--cluster-conf",
					 cluster_conf, "--haproxy-cfg", ha, NULL};
	T_EQ_INT(run(bad_share), 1);
	T_ASSERT(t_read(errlog, text, sizeof text) > 0);
	T_CONTAINS(text, "/nothing: No such file or directory");
	T_ASSERT(access(ha, F_OK) < 0 && access(missing, F_OK) < 0);
}

TEST(registry_with_replaces_by_name_or_joins_in_order)
{
	struct share_entry list[3] = {{.name = "b", .ip = "10.0.0.2"}, {.name = "d", .ip = "10.0.0.4"}};
	struct share_entry c = {.name = "c", .ip = "10.0.0.3"}, d = {.name = "d", .ip = "10.0.0.44"},
			   e = {.name = "e", .ip = "10.0.0.5"};
	T_EQ_INT(share_registry_with(list, 2, 3, &d), 2);
	T_EQ_STR(list[1].ip, "10.0.0.44");
	T_EQ_INT(share_registry_with(list, 2, 3, &c), 3);
	T_EQ_STR(list[0].name, "b");
	T_EQ_STR(list[1].name, "c");
	T_EQ_STR(list[2].name, "d");
	T_EQ_INT(share_registry_with(list, 3, 3, &e), 3); /* full: e is left out */
	T_EQ_STR(list[2].name, "d");
}

int main(int argc, char **argv)
{
	(void)argc;
	t_beside_self(prog, sizeof prog, argv[0], "../phylactery");
	if (!t_tmpdir(dir, sizeof dir))
		return 1;
	T_RUN(lone_node_gets_vip_backend_and_auth_from_a_new_secret);
	T_RUN(registered_peers_and_an_existing_secret_are_used);
	T_RUN(missing_node_conf_is_a_clear_error);
	T_RUN(bad_address_in_node_conf_is_a_clear_error);
	T_RUN(worker_node_conf_is_refused);
	T_RUN(bad_cluster_conf_and_bad_arguments);
	T_RUN(registry_with_replaces_by_name_or_joins_in_order);
	t_rmtree(dir);
	return T_END();
}
