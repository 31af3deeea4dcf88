/* JSON shaped like real Kubernetes and etcd answers, and hostile bodies. */
#include "t.h"

#include "kjson.h"

#define P(s) s, strlen(s)

TEST(nodelist_ready_conditions)
{
	const char *body =
		"{\"kind\":\"NodeList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"1234\"},\"items\":["
		"{\"metadata\":{\"name\":\"control1\",\"labels\":{\"node-role.kubernetes.io/control-plane\":\"\"}},"
		"\"status\":{\"conditions\":[{\"type\":\"MemoryPressure\",\"status\":\"False\"},"
		"{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\"}]}},"
		"{\"metadata\":{\"name\":\"worker1\"},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"Unknown\"}]}},"
		"{\"metadata\":{\"name\":\"worker2\"},\"status\":{}}]}";
	struct k8s_node n[4];
	int count;
	char err[256];
	T_EQ_INT(k8s_nodelist_parse(P(body), n, 4, &count, err, sizeof err), 0);
	T_EQ_INT(count, 3);
	T_EQ_STR(n[0].name, "control1");
	T_ASSERT(n[0].ready);
	T_ASSERT(!n[1].ready);
	T_ASSERT(!n[2].ready);
	T_EQ_INT(k8s_nodelist_parse(P("{\"kind\":\"NodeList\",\"items\":null}"), n, 4, &count, err, sizeof err), 0);
	T_EQ_INT(count, 0);
	T_ASSERT(k8s_nodelist_parse(P(body), n, 2, &count, err, sizeof err) < 0);
	T_CONTAINS(err, "more than 2 nodes");
}

TEST(status_errors)
{
	struct k8s_status st;
	char err[256];
	const char *nf = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
			 "\"message\":\"nodes \\\"control9\\\" not found\",\"reason\":\"NotFound\","
			 "\"details\":{\"name\":\"control9\",\"kind\":\"nodes\"},\"code\":404}";
	T_EQ_INT(k8s_status_parse(P(nf), &st, err, sizeof err), 0);
	T_EQ_INT(st.code, 404);
	T_EQ_STR(st.reason, "NotFound");
	T_EQ_STR(st.message, "nodes \"control9\" not found");
	T_ASSERT(k8s_status_parse(P("{\"kind\":\"Status\",\"code\":\"404\"}"), &st, err, sizeof err) < 0);
	T_ASSERT(k8s_status_parse(P("{\"kind\":\"Status\",\"code\":99999}"), &st, err, sizeof err) < 0);
	T_ASSERT(k8s_status_parse(P("{\"kind\":\"Node\",\"code\":404}"), &st, err, sizeof err) < 0);
}

TEST(etcd_members_uint64_ids_as_strings)
{
	const char *body =
		"{\"header\":{\"cluster_id\":\"14841639068965178418\",\"member_id\":\"10276657743932975437\","
		"\"raft_term\":\"2\"},\"members\":[{\"ID\":\"10276657743932975437\",\"name\":\"control1\","
		"\"peerURLs\":[\"https://10.10.0.11:2380\"],\"clientURLs\":[\"https://10.10.0.11:2379\"]},"
		"{\"ID\":\"18446744073709551615\",\"peerURLs\":[\"https://10.10.0.12:2380\"],\"isLearner\":true}]}";
	struct etcd_member m[4];
	int n;
	char err[256];
	T_EQ_INT(etcd_members_parse(P(body), m, 4, &n, err, sizeof err), 0);
	T_EQ_INT(n, 2);
	T_ASSERT(m[0].id == 10276657743932975437ULL);
	T_EQ_STR(m[0].name, "control1");
	T_EQ_STR(m[0].client_url, "https://10.10.0.11:2379");
	T_ASSERT(m[1].id == 18446744073709551615ULL);
	T_EQ_STR(m[1].name, ""); /* not started yet */
	T_ASSERT(m[1].learner);
	/* A number loses precision above 2^53: refused. So are overflow and junk. */
	T_ASSERT(etcd_members_parse(P("{\"members\":[{\"ID\":10276657743932975437}]}"), m, 4, &n, err, sizeof err) < 0);
	T_ASSERT(etcd_members_parse(P("{\"members\":[{\"ID\":\"18446744073709551616\"}]}"), m, 4, &n, err, sizeof err) < 0);
	T_ASSERT(etcd_members_parse(P("{\"members\":[{\"ID\":\"-1\"}]}"), m, 4, &n, err, sizeof err) < 0);
	T_ASSERT(etcd_members_parse(P("{\"error\":\"etcdserver: unhealthy cluster\",\"code\":14}"), m, 4, &n, err,
				    sizeof err) < 0);
}

TEST(join_credentials_round_trip_and_validation)
{
	struct join_creds c = {0}, back;
	char err[256];
	snprintf(c.token, sizeof c.token, "abcdef.0123456789abcdef");
	snprintf(c.ca_cert_hash, sizeof c.ca_cert_hash, "sha256:%064d", 0);
	snprintf(c.certificate_key, sizeof c.certificate_key, "%064d", 7);
	snprintf(c.endpoint, sizeof c.endpoint, "vip.kubernetes.local:8443");
	char *s = join_creds_json(&c);
	T_ASSERT(s);
	int r = join_creds_parse(s, strlen(s), &back, err, sizeof err);
	free(s);
	T_EQ_INT(r, 0);
	T_EQ_STR(back.token, c.token);
	T_EQ_STR(back.endpoint, c.endpoint);
	T_ASSERT(join_creds_parse(P("{\"token\":\"ABCDEF.0123456789abcdef\"}"), &back, err, sizeof err) < 0);
	T_CONTAINS(err, "token");
	T_ASSERT(join_creds_parse(P("{\"token\":\"abcdef.0123456789abcdef\",\"ca_cert_hash\":\"md5:00\"}"), &back, err,
				  sizeof err) < 0);
	T_CONTAINS(err, "ca_cert_hash");
}

TEST(hostile_bodies)
{
	struct k8s_node n[2];
	struct etcd_member m[2];
	struct join_creds c;
	int count;
	char err[256];
	static const char *const bodies[] = {
		"", "null", "[]", "\"x\"", "{", "{\"kind\":\"NodeList\",\"items\":{}}",
		"{\"kind\":\"NodeList\",\"items\":[{\"metadata\":{\"name\":\"../../etc\"}}]}",
		"{\"kind\":\"NodeList\",\"items\":[{\"metadata\":{\"name\":7}}]}", "{\"members\":\"x\"}",
		"{\"members\":[null]}", "{\"token\":null}", "\xff\xfe{}",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		T_ASSERT(k8s_nodelist_parse(P(bodies[i]), n, 2, &count, err, sizeof err) < 0);
		T_ASSERT(etcd_members_parse(P(bodies[i]), m, 2, &count, err, sizeof err) < 0);
		T_ASSERT(join_creds_parse(P(bodies[i]), &c, err, sizeof err) < 0);
	}
	/* Deep nesting and huge bodies. */
	size_t deep = 100000;
	char *b = malloc(2 * deep + 1);
	memset(b, '[', deep);
	memset(b + deep, ']', deep);
	b[2 * deep] = '\0';
	T_ASSERT(k8s_nodelist_parse(b, 2 * deep, n, 2, &count, err, sizeof err) < 0);
	free(b);
	T_ASSERT(k8s_nodelist_parse("{}", KJSON_MAX_BODY + 1, n, 2, &count, err, sizeof err) < 0);
	T_CONTAINS(err, "exceeds");
	/* Not NUL-terminated: the parser reads only len bytes. */
	char raw[8] = {'{', '"', 'a', '"', ':', '1', '}', 'X'};
	T_ASSERT(join_creds_parse(raw, 7, &c, err, sizeof err) < 0);
}

int main(void)
{
	T_RUN(nodelist_ready_conditions);
	T_RUN(status_errors);
	T_RUN(etcd_members_uint64_ids_as_strings);
	T_RUN(join_credentials_round_trip_and_validation);
	T_RUN(hostile_bodies);
	return T_END();
}
