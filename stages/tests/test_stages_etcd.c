/* Stale-member cleanup: exact matching of a node's etcd member, quorum arithmetic, the gateway's JSON,
 * the admin kubeconfig, and forget_node end to end against a fake etcd gateway and API server (plain
 * HTTP on 127.0.0.1, libmicrohttpd in this process). */
#include "t.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>

#include "etcd.h"
#include "kubeconfig.h"
#include "forget.h"

#define P(s) s, strlen(s)

TEST(url_host_is_exact)
{
	char h[64];
	T_EQ_INT(url_host("https://10.0.0.1:2380", h, sizeof h), 0);
	T_EQ_STR(h, "10.0.0.1");
	T_EQ_INT(url_host("http://[fd00::1]:2380", h, sizeof h), 0);
	T_EQ_STR(h, "fd00::1");
	T_EQ_INT(url_host("https://control1/x", h, sizeof h), 0);
	T_EQ_STR(h, "control1");
	T_ASSERT(url_host("10.0.0.1:2380", h, sizeof h) < 0);
	T_ASSERT(url_host("https://:2380", h, sizeof h) < 0);
	T_ASSERT(url_host("https://user@10.0.0.1:2380", h, sizeof h) < 0);
	T_ASSERT(url_host("https://[fd00::1", h, sizeof h) < 0);
	T_ASSERT(url_host("", h, sizeof h) < 0);
	T_ASSERT(url_host(NULL, h, sizeof h) < 0);
	T_ASSERT(url_host("https://10.0.0.1:2380", h, 4) < 0);
}

TEST(member_match_never_by_substring)
{
	struct etcd_member m12 = {.id = 1, .name = "control12", .peer_url = "https://10.0.0.12:2380"};
	struct etcd_member unstarted = {.id = 2, .peer_url = "https://10.0.0.1:2380"};
	/* The proof of concept's bug: 10.0.0.1 matched 10.0.0.12. */
	T_ASSERT(!etcd_member_is(&m12, "control1", "10.0.0.1"));
	T_ASSERT(!etcd_member_is(&m12, "control1", "10.0.0.1:2380"));
	T_ASSERT(etcd_member_is(&m12, "control12", "10.9.9.9"));
	T_ASSERT(etcd_member_is(&m12, "other", "10.0.0.12"));
	/* A member added but never started has no name: matched by its peer URL's host only. */
	T_ASSERT(etcd_member_is(&unstarted, "control1", "10.0.0.1"));
	T_ASSERT(!etcd_member_is(&unstarted, "", ""));
	T_ASSERT(!etcd_member_is(&unstarted, "control1", "10.0.0.10"));
	struct etcd_member empty = {.id = 3};
	T_ASSERT(!etcd_member_is(&empty, "", "10.0.0.1"));
}

TEST(quorum_arithmetic)
{
	struct etcd_member m[4] = {{.id = 1}, {.id = 2}, {.id = 3}, {.id = 4, .learner = true}};
	bool all[4] = {true, true, true, false}, one_dead[4] = {true, true, false, false},
	     two_dead[4] = {true, false, false, true};
	char why[200];
	struct etcd_quorum q = etcd_quorum_of(m, all, 4);
	T_EQ_INT(q.voting, 3);
	T_EQ_INT(q.needed, 2);
	T_ASSERT(q.ok);
	T_ASSERT(etcd_quorum_of(m, one_dead, 4).ok);
	q = etcd_quorum_of(m, two_dead, 4);
	T_ASSERT(!q.ok);
	T_EQ_INT(q.healthy_voting, 1);
	/* The dead member of a rebooted node: 2 healthy of the 2 left. */
	T_ASSERT(etcd_remove_keeps_quorum(m, one_dead, 4, 2, why, sizeof why));
	/* A healthy member while another is dead: 1 healthy of 2 left is no majority. */
	T_ASSERT(!etcd_remove_keeps_quorum(m, one_dead, 4, 1, why, sizeof why));
	T_CONTAINS(why, "1 of the remaining 2");
	T_ASSERT(!etcd_remove_keeps_quorum(m, two_dead, 4, 1, why, sizeof why));
	T_ASSERT(etcd_remove_keeps_quorum(m, two_dead, 4, 3, why, sizeof why)); /* a learner */
	T_ASSERT(!etcd_remove_keeps_quorum(m, all, 1, 0, why, sizeof why));
	T_CONTAINS(why, "last voting member");
	T_ASSERT(!etcd_remove_keeps_quorum(m, all, 4, 7, why, sizeof why));
}

TEST(gateway_json)
{
	int code;
	char msg[200];
	bool h;
	T_EQ_INT(etcd_error_parse(P("{\"error\":\"etcdserver: unhealthy cluster\",\"code\":14,"
				    "\"message\":\"etcdserver: unhealthy cluster\"}"),
				  &code, msg, sizeof msg),
		 0);
	T_EQ_INT(code, 14);
	T_EQ_STR(msg, "etcdserver: unhealthy cluster");
	T_EQ_INT(etcd_error_parse(P("{\"header\":{},\"members\":[]}"), &code, msg, sizeof msg), -ENOENT);
	T_EQ_INT(etcd_error_parse(P("{\"code\":\"14\",\"error\":\"x\"}"), &code, msg, sizeof msg), -ENOENT);
	T_EQ_INT(etcd_error_parse(P("nope"), &code, msg, sizeof msg), -EBADMSG);
	T_EQ_INT(etcd_health_parse(P("{\"health\":\"true\"}"), &h, msg, sizeof msg), 0);
	T_ASSERT(h);
	T_EQ_INT(etcd_health_parse(P("{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}"), &h, msg, sizeof msg), 0);
	T_ASSERT(!h);
	T_ASSERT(etcd_health_parse(P("{\"health\":1}"), &h, msg, sizeof msg) < 0);
	T_ASSERT(etcd_health_parse(P("{\"health\":\"yes\"}"), &h, msg, sizeof msg) < 0);
	T_ASSERT(etcd_health_parse(P("[]"), &h, msg, sizeof msg) < 0);
}

TEST(kubeconfig_embedded_credentials)
{
	unsigned char out[16];
	T_EQ_INT(base64_decode(P("aGk="), out), 2);
	T_ASSERT(!memcmp(out, "hi", 2));
	T_EQ_INT(base64_decode(P("aGVsbG8h"), out), 6);
	T_EQ_INT(base64_decode(P("aG=k"), out), -1);
	T_EQ_INT(base64_decode(P("aGk"), out), -1);
	T_EQ_INT(base64_decode(P("a\nGk="), out), -1);
	const char *kc = "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: Q0E=\n"
			 "    server: https://vip.kubernetes.local:8443\n  name: kubernetes\nusers:\n"
			 "- name: kubernetes-admin\n  user:\n    client-certificate-data: Q0VSVA==\n"
			 "    client-key-data: S0VZ\n";
	struct kubeconfig k;
	char err[200];
	T_EQ_INT(kubeconfig_parse(P(kc), &k, err, sizeof err), 0);
	T_EQ_STR(k.server, "https://vip.kubernetes.local:8443");
	T_EQ_STR((char *)k.ca, "CA");
	T_EQ_STR((char *)k.cert, "CERT");
	T_EQ_INT(k.key_len, 3);
	kubeconfig_free(&k);
	T_ASSERT(kubeconfig_parse(P("server: https://a:1\n"), &k, err, sizeof err) < 0);
	T_CONTAINS(err, "expected server");
	T_ASSERT(kubeconfig_parse(P("server: https://a:1\ncertificate-authority-data: !!!!\n"), &k, err, sizeof err) < 0);
	T_CONTAINS(err, "base64");
	T_ASSERT(kubeconfig_parse(P("client-key-data: S0VZ\nclient-key-data: S0VZ\n"), &k, err, sizeof err) < 0);
	T_CONTAINS(err, "once");
	T_ASSERT(kubeconfig_parse(P("server: http://plain:80\n"), &k, err, sizeof err) < 0);
}

/* The fake etcd gateway + API server. */
static struct fake {
	pthread_mutex_t mu;
	int unhealthy_answers; /* member/remove answers "unhealthy cluster" this many times first */
	int removes, remove_attempts, deletes, promotes;
	bool dead[4]; /* members whose /health fails */
	char removed_ids[256];
	unsigned port;
	bool node_exists;
} fk = {.mu = PTHREAD_MUTEX_INITIALIZER};

struct body {
	char buf[4096];
	size_t len;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_fake(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *data, size_t *size, void **con_cls)
{
	(void)cls, (void)version;
	if (!*con_cls) {
		*con_cls = calloc(1, sizeof(struct body));
		return MHD_YES;
	}
	struct body *b = *con_cls;
	if (*size) {
		size_t n = *size < sizeof b->buf - 1 - b->len ? *size : sizeof b->buf - 1 - b->len;
		memcpy(b->buf + b->len, data, n);
		b->len += n;
		*size = 0;
		return MHD_YES;
	}
	char text[2048];
	pthread_mutex_lock(&fk.mu);
	enum MHD_Result ret;
	int member;
	if (!strcmp(url, "/v3/cluster/member/list")) {
		snprintf(text, sizeof text,
			 "{\"header\":{\"cluster_id\":\"1\"},\"members\":["
			 "{\"ID\":\"11\",\"name\":\"control1\",\"peerURLs\":[\"https://10.0.0.1:2380\"],"
			 "\"clientURLs\":[\"http://127.0.0.1:%u/m0\"]},"
			 "{\"ID\":\"12\",\"name\":\"control12\",\"peerURLs\":[\"https://10.0.0.12:2380\"],"
			 "\"clientURLs\":[\"http://127.0.0.1:%u/m1\"]},"
			 "{\"ID\":\"18446744073709551615\",\"name\":\"control3\",\"peerURLs\":[\"https://10.0.0.3:2380\"],"
			 "\"clientURLs\":[\"http://127.0.0.1:%u/m2\"]},"
			 "{\"ID\":\"14\",\"name\":\"control4\",\"peerURLs\":[\"https://10.0.0.4:2380\"],\"isLearner\":true,"
			 "\"clientURLs\":[\"http://127.0.0.1:%u/m3\"]}]}",
			 fk.port, fk.port, fk.port, fk.port);
		ret = answer(c, 200, text);
	} else if (sscanf(url, "/m%d/health", &member) == 1 && member >= 0 && member < 4) {
		ret = fk.dead[member] ? answer(c, 503, "{\"health\":\"false\"}") : answer(c, 200, "{\"health\":\"true\"}");
	} else if (!strcmp(url, "/v3/cluster/member/remove")) {
		fk.remove_attempts++;
		if (fk.unhealthy_answers > 0) {
			fk.unhealthy_answers--;
			ret = answer(c, 503, "{\"error\":\"etcdserver: unhealthy cluster\",\"code\":14,"
					     "\"message\":\"etcdserver: unhealthy cluster\"}");
		} else {
			fk.removes++;
			snprintf(fk.removed_ids + strlen(fk.removed_ids), sizeof fk.removed_ids - strlen(fk.removed_ids),
				 "%.*s;", (int)b->len, b->buf);
			ret = answer(c, 200, "{\"header\":{},\"members\":[]}");
		}
	} else if (!strcmp(url, "/v3/cluster/member/promote")) {
		fk.promotes++;
		ret = answer(c, 400, "{\"error\":\"etcdserver: can only promote a learner member which is in sync with "
				     "leader\",\"code\":9,\"message\":\"etcdserver: can only promote a learner member "
				     "which is in sync with leader\"}");
	} else if (!strcmp(method, "DELETE") && !strcmp(url, "/api/v1/nodes/control1")) {
		fk.deletes++;
		if (fk.node_exists) {
			fk.node_exists = false;
			ret = answer(c, 200, "{\"kind\":\"Node\",\"metadata\":{\"name\":\"control1\"}}");
		} else {
			ret = answer(c, 404, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
					     "\"message\":\"nodes \\\"control1\\\" not found\",\"reason\":\"NotFound\","
					     "\"code\":404}");
		}
	} else if (!strcmp(method, "DELETE")) {
		ret = answer(c, 403, "{\"kind\":\"Status\",\"message\":\"forbidden\",\"reason\":\"Forbidden\",\"code\":403}");
	} else {
		ret = answer(c, 404, "not found");
	}
	pthread_mutex_unlock(&fk.mu);
	return ret;
}

static void done_fake(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	(void)cls, (void)c, (void)t;
	free(*con_cls);
	*con_cls = NULL;
}

static long slept;
static void no_sleep(long ms)
{
	slept += ms;
}

static struct MHD_Daemon *fake_start(struct etcd_client *ec, struct kube_target *kt)
{
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_fake, NULL,
						MHD_OPTION_NOTIFY_COMPLETED, done_fake, NULL, MHD_OPTION_END);
	if (!d)
		return NULL;
	fk.port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
	memset(ec, 0, sizeof *ec);
	snprintf(ec->endpoint, sizeof ec->endpoint, "http://127.0.0.1:%u", fk.port);
	ec->sleep_ms = no_sleep;
	memset(kt, 0, sizeof *kt);
	snprintf(kt->base, sizeof kt->base, "http://127.0.0.1:%u", fk.port);
	return d;
}

TEST(forget_removes_node_and_exact_member_with_retries)
{
	struct etcd_client ec;
	struct kube_target kt;
	struct MHD_Daemon *d = fake_start(&ec, &kt);
	T_ASSERT(d);
	pthread_mutex_lock(&fk.mu);
	fk.unhealthy_answers = 2, fk.node_exists = true, fk.dead[0] = true; /* control1 rebooted: its etcd is gone */
	pthread_mutex_unlock(&fk.mu);
	struct forget_report rep;
	char msg[400];
	slept = 0;
	int r = forget_node(&ec, &kt, "control1", "10.0.0.1", true, "10.0.0.3", &rep, msg, sizeof msg);
	MHD_stop_daemon(d);
	T_EQ_INT(r, 0);
	T_ASSERT(rep.node_deleted);
	T_EQ_INT(rep.members_removed, 1);
	T_EQ_INT(rep.etcd_members, 3);
	T_EQ_INT(fk.remove_attempts, 3); /* two "unhealthy cluster", then done */
	T_EQ_INT(slept, 250 + 500);
	/* Only control1's ID, never control12's (10.0.0.12). */
	T_EQ_STR(fk.removed_ids, "{\"ID\":\"11\"};");
}

TEST(forget_refuses_to_break_quorum_and_own_member)
{
	struct etcd_client ec;
	struct kube_target kt;
	struct MHD_Daemon *d = fake_start(&ec, &kt);
	T_ASSERT(d);
	pthread_mutex_lock(&fk.mu);
	fk.unhealthy_answers = 0, fk.removes = fk.remove_attempts = 0, fk.node_exists = false;
	fk.dead[0] = false, fk.dead[1] = true; /* control12 dead, control1 alive: removing control1 leaves 1 of 2 */
	fk.removed_ids[0] = '\0';
	pthread_mutex_unlock(&fk.mu);
	struct forget_report rep;
	char msg[400];
	int r = forget_node(&ec, &kt, "control1", "10.0.0.1", true, "10.0.0.3", &rep, msg, sizeof msg);
	T_EQ_INT(r, -EBUSY);
	T_CONTAINS(msg, "quorum would be lost");
	T_ASSERT(!rep.node_deleted); /* 404: there was no Node */
	r = forget_node(&ec, &kt, "control3", "10.0.0.3", true, "10.0.0.3", &rep, msg, sizeof msg);
	T_EQ_INT(r, -EACCES); /* the fake API forbids deleting control3 */
	r = forget_node(&ec, NULL, "control3", "10.0.0.3", true, "10.0.0.3", &rep, msg, sizeof msg);
	T_EQ_INT(r, -EPERM);
	T_CONTAINS(msg, "own");
	/* A worker: the Node only, etcd untouched. */
	r = forget_node(&ec, &kt, "control1", "10.0.0.1", false, "10.0.0.3", &rep, msg, sizeof msg);
	T_EQ_INT(r, 0);
	/* Learner promotion: "not in sync" (code 9) is not an error, only not yet. */
	r = promote_learners(&ec, msg, sizeof msg);
	MHD_stop_daemon(d);
	T_EQ_INT(r, 0);
	T_EQ_INT(fk.promotes, 1);
	T_EQ_STR(msg, "");
	T_EQ_INT(fk.remove_attempts, 0);
}

int main(void)
{
	T_RUN(url_host_is_exact);
	T_RUN(member_match_never_by_substring);
	T_RUN(quorum_arithmetic);
	T_RUN(gateway_json);
	T_RUN(kubeconfig_embedded_credentials);
	T_RUN(forget_removes_node_and_exact_member_with_retries);
	T_RUN(forget_refuses_to_break_quorum_and_own_member);
	return T_END();
}
