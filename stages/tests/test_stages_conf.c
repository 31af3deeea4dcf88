/* cluster.conf and node.conf as the stages read them: every error names file, line, key, expectation. */
#include "t.h"

#include <errno.h>

#include "cluster_conf.h"
#include "node_info.h"

static const char *const good = "[cluster]\n"
				"vip = 10.10.0.100\n"
				"vip_name = vip.kubernetes.local   # comment\n"
				"k8s_version = 1.32.0\n"
				"pod_cidr = 10.244.0.0/16\n";

TEST(defaults_and_required)
{
	struct cluster_conf c;
	char err[512] = "";
	T_EQ_INT(cluster_conf_parse("cluster.conf", good, &c, err, sizeof err), 0);
	T_EQ_STR(c.vip, "10.10.0.100");
	T_EQ_STR(c.vip_name, "vip.kubernetes.local");
	T_EQ_INT(c.api_port, 8443);
	T_EQ_INT(c.backend_port, 6443);
	T_EQ_INT(c.phylactery_port, 9180);
	T_EQ_INT(c.vrid, 51);
	T_EQ_INT(c.lease_seconds, 30);
	T_EQ_INT(c.clock_max_skew_ms, 2000);
	T_EQ_STR(c.service_cidr, "10.96.0.0/12");
	T_EQ_STR(c.share, "/share");
	T_ASSERT(!c.pki_on_share);
	T_EQ_INT(c.on_quorum_loss, QUORUM_REPORT);
}

/* Each bad line: the message must say file:line, the key and what was expected. */
TEST(every_error_names_file_line_key_expectation)
{
	static const struct {
		const char *line, *want;
	} cases[] = {
		{"vip = x", "vip: expected an IPv4 address like 10.10.0.100, got 'x'"},
		{"vip = 010.1.1.1", "vip: expected an IPv4 address"},
		{"vip_name = Bad_Name", "vip_name: expected a DNS name"},
		{"k8s_version = 1.32", "k8s_version: expected a Kubernetes version"},
		{"api_port = 0", "api_port: expected a port number 1-65535, got '0'"},
		{"backend_port = 65536", "backend_port: expected a port number"},
		{"k8s_version = v1.32.0", "k8s_version: expected a Kubernetes version like 1.32.0 (no leading 'v')"},
		{"pod_cidr = 10.244.0.1/16", "pod_cidr: expected an IPv4 CIDR like 10.244.0.0/16 (host bits zero)"},
		{"service_cidr = 10.96.0.0/33", "service_cidr: expected an IPv4 CIDR"},
		{"cni_manifest = cni.yaml", "cni_manifest: expected an absolute path"},
		{"images_dir = /share/../etc", "images_dir: expected an absolute path"},
		{"vrid = 256", "vrid: expected a VRRP router id 1-255"},
		{"lease_seconds = 2", "lease_seconds: expected a number of seconds 3-3600"},
		{"clock_max_skew_ms = -1", "clock_max_skew_ms: expected a number of milliseconds"},
		{"pki_on_share = true", "pki_on_share: expected yes or no, got 'true'"},
		{"on_quorum_loss = panic", "on_quorum_loss: expected report or restore"},
		{"vrid = 52\nvrid = 53", "cluster.conf:7: vrid: expected once, already set on line 6"},
		{"colour = blue", "colour: unknown key (expected one of vip,"},
		{"no equals sign", "cluster.conf:6: expected 'key = value'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[1024], err[512] = "";
		struct cluster_conf c;
		/* The key under test is moved to line 6 (a required one is taken out of the good lines). */
		char key[32];
		snprintf(key, sizeof key, "\n%.*s ", (int)strcspn(cases[i].line, " "), cases[i].line);
		const char *skip = strstr(good, key);
		size_t head = skip ? (size_t)(skip - good) + 1 : strlen(good);
		const char *tail = skip ? strchr(skip + 1, '\n') + 1 : "";
		snprintf(text, sizeof text, "%.*s%s%s\n", (int)head, good, tail, cases[i].line);
		if (skip)
			snprintf(text + strlen(text), sizeof text - strlen(text), "%.*s", (int)(tail - skip - 1), skip + 1);
		T_ASSERT(cluster_conf_parse("cluster.conf", text, &c, err, sizeof err) < 0);
		if (strncmp(cases[i].want, "cluster.conf:", 13))
			T_CONTAINS(err, skip ? "cluster.conf:5: " : "cluster.conf:6: ");
		T_CONTAINS(err, cases[i].want);
	}
}

TEST(missing_required_keys_are_named)
{
	struct cluster_conf c;
	char err[512] = "";
	T_ASSERT(cluster_conf_parse("c.conf", "[cluster]\nvip = 10.0.0.1\nvip_name = a.b\npod_cidr = 10.0.0.0/8\n", &c,
				    err, sizeof err) < 0);
	T_CONTAINS(err, "c.conf: k8s_version: missing; expected a Kubernetes version");
	T_ASSERT(cluster_conf_parse("c.conf", "# only a comment\n", &c, err, sizeof err) < 0);
	T_CONTAINS(err, "vip: missing; expected an IPv4 address like 10.10.0.100 in a [cluster] section");
	T_ASSERT(cluster_conf_parse("c.conf", "[other]\nvip = 10.0.0.1\n", &c, err, sizeof err) < 0);
	T_CONTAINS(err, "c.conf:2: vip: expected it in the [cluster] section, found it in [other]");
	char text[600];
	snprintf(text, sizeof text, "%sapi_port = 6443\n", good);
	T_ASSERT(cluster_conf_parse("c.conf", text, &c, err, sizeof err) < 0);
	T_CONTAINS(err, "api_port: expected a port other than backend_port (6443)");
}

TEST(load_names_the_file_and_refuses_binary)
{
	char dir[64], path[128], err[512] = "";
	struct cluster_conf c;
	T_ASSERT(t_tmpdir(dir, sizeof dir));
	snprintf(path, sizeof path, "%s/cluster.conf", dir);
	T_ASSERT(cluster_conf_load(path, &c, err, sizeof err) == -ENOENT);
	T_CONTAINS(err, path);
	FILE *f = fopen(path, "w");
	fwrite("[cluster]\n\0vip", 1, 14, f);
	fclose(f);
	T_ASSERT(cluster_conf_load(path, &c, err, sizeof err) < 0);
	T_CONTAINS(err, "NUL byte");
	t_write(path, good);
	T_EQ_INT(cluster_conf_load(path, &c, err, sizeof err), 0);
	t_rmtree(dir);
}

TEST(node_info_takes_the_first_netdev)
{
	struct node_info n;
	char err[512] = "";
	T_EQ_INT(node_info_parse("node.conf",
				 "[node]\nid = control1\nhostname = control1\nrole = control\nmanager = 10.10.0.1\n"
				 "[netdev default]\ndevice = net0\nhwaddr = 52:54:00:12:34:01\nipaddr = 10.10.0.11\n"
				 "[netdev storage]\ndevice = net1\nipaddr = 10.20.0.11\n",
				 &n, err, sizeof err),
		 0);
	T_EQ_STR(n.name, "control1");
	T_ASSERT(n.control);
	T_EQ_STR(n.ip, "10.10.0.11");
	T_EQ_STR(n.device, "net0");
	T_EQ_STR(n.manager, "10.10.0.1");
	T_EQ_INT(node_info_parse("node.conf", "[node]\nid = worker1\n[netdev a]\nipaddr = 10.0.0.2\n", &n, err, sizeof err), 0);
	T_ASSERT(!n.control);
	T_ASSERT(node_info_parse("node.conf", "[node]\nid = x\n[netdev a]\nipaddr = 10.0.0\n", &n, err, sizeof err) < 0);
	T_CONTAINS(err, "node.conf:4: ipaddr: expected an IPv4 address, got '10.0.0'");
	T_ASSERT(node_info_parse("node.conf", "[node]\nid = x\n", &n, err, sizeof err) < 0);
	T_CONTAINS(err, "ipaddr: missing");
}

int main(void)
{
	T_RUN(defaults_and_required);
	T_RUN(every_error_names_file_line_key_expectation);
	T_RUN(missing_required_keys_are_named);
	T_RUN(load_names_the_file_and_refuses_binary);
	T_RUN(node_info_takes_the_first_netdev);
	return T_END();
}
