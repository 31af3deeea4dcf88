/* The kubeadm config the leader writes, the SNTP arithmetic, and the process runner. */
#include "t.h"

#include <errno.h>

#include "kubeadm_config.h"
#include "run.h"
#include "sntp.h"

TEST(kubeadm_config_has_what_init_needs)
{
	struct cluster_conf c;
	char err[256], buf[8192];
	T_EQ_INT(cluster_conf_parse("c", "[cluster]\nvip = 10.10.0.100\nvip_name = vip.kubernetes.local\n"
					 "k8s_version = 1.32.0\npod_cidr = 10.244.0.0/16\n", &c, err, sizeof err), 0);
	struct node_info n = {.name = "control1", .ip = "10.10.0.11", .manager = "10.10.0.1", .control = true};
	const char *key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	T_ASSERT(kubeadm_config_render(&c, &n, key, buf, sizeof buf) > 0);
	T_CONTAINS(buf, "kind: InitConfiguration\n");
	T_CONTAINS(buf, "  advertiseAddress: \"10.10.0.11\"\n  bindPort: 6443\n");
	T_CONTAINS(buf, "  name: \"control1\"\n");
	T_CONTAINS(buf, "certificateKey: \"0123456789abcdef");
	T_CONTAINS(buf, "---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n");
	T_CONTAINS(buf, "kubernetesVersion: \"v1.32.0\"\n");
	T_CONTAINS(buf, "controlPlaneEndpoint: \"vip.kubernetes.local:8443\"\n");
	T_CONTAINS(buf, "    - \"10.10.0.100\"\n    - \"vip.kubernetes.local\"\n    - \"10.10.0.1\"\n    - \"10.10.0.11\"\n");
	T_CONTAINS(buf, "  podSubnet: \"10.244.0.0/16\"\n  serviceSubnet: \"10.96.0.0/12\"\n");
	T_CONTAINS(buf, "kind: KubeletConfiguration\ncgroupDriver: cgroupfs\n");
	T_CONTAINS(buf, "  nodefs.available: \"256Mi\"\n");
	/* Without a manager, no empty SAN. */
	n.manager[0] = '\0';
	kubeadm_config_render(&c, &n, key, buf, sizeof buf);
	T_ASSERT(!strstr(buf, "\"\"\n"));
	T_EQ_INT(kubeadm_config_render(&c, &n, key, buf, 200), -ENOSPC);
}

TEST(sntp_offset_arithmetic_and_checks)
{
	unsigned char req[48], ans[48];
	int64_t t1 = 1700000000LL * 1000000000, off;
	sntp_request(req, t1);
	T_EQ_INT(req[0], 0x23);
	/* Server 5 s ahead, 10 ms each way, 2 ms processing. */
	memset(ans, 0, sizeof ans);
	ans[0] = 0x24, ans[1] = 2;
	memcpy(ans + 24, req + 40, 8);
	ntp_ts_put(ans + 32, t1 + 10000000 + 5000000000LL);
	ntp_ts_put(ans + 40, t1 + 12000000 + 5000000000LL);
	T_EQ_INT(sntp_answer_offset(ans, t1, t1 + 22000000, &off), 0);
	T_ASSERT(off >= 4999 && off <= 5001);
	ans[1] = 0; /* kiss-o'-death / unsynchronised */
	T_EQ_INT(sntp_answer_offset(ans, t1, t1 + 22000000, &off), -EBADMSG);
	ans[1] = 2;
	ans[24] ^= 1; /* not an answer to our request */
	T_EQ_INT(sntp_answer_offset(ans, t1, t1 + 22000000, &off), -EBADMSG);
}

TEST(runner_captures_bounded_output_and_kills_on_deadline)
{
	char out[16], err[256];
	struct run_result res;
	char *echo[] = {"sh", "-c", "printf 'hello world, this is long'; exit 3", NULL};
	T_EQ_INT(run_cmd(echo, 10000, out, sizeof out, &res, err, sizeof err), 0);
	T_EQ_INT(res.exit_code, 3);
	T_EQ_STR(out, "hello world, th");
	T_ASSERT(res.truncated);
	char *hang[] = {"sh", "-c", "sleep 30 & wait", NULL};
	T_EQ_INT(run_cmd(hang, 200, out, sizeof out, &res, err, sizeof err), 0);
	T_ASSERT(res.timed_out);
	char *missing[] = {"/nonexistent/prog", NULL};
	T_EQ_INT(run_cmd(missing, 10000, NULL, 0, &res, err, sizeof err), 0);
	T_EQ_INT(res.exit_code, 127);
}

int main(void)
{
	T_RUN(kubeadm_config_has_what_init_needs);
	T_RUN(sntp_offset_arithmetic_and_checks);
	T_RUN(runner_captures_bounded_output_and_kills_on_deadline);
	return T_END();
}
