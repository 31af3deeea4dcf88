/* libFuzzer: every JSON answer the stages read from etcd, the API server and a peer phylactery. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "etcd.h"
#include "kjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	char err[256], msg[256];
	struct k8s_status st;
	struct k8s_node nodes[4];
	struct etcd_member m[4];
	struct join_creds jc;
	int n, code;
	bool healthy;
	uint64_t me, lead;
	k8s_status_parse(b, size, &st, err, sizeof err);
	k8s_nodelist_parse(b, size, nodes, 4, &n, err, sizeof err);
	if (etcd_members_parse(b, size, m, 4, &n, err, sizeof err) == 0)
		for (int i = 0; i < n; i++) {
			char host[64];
			url_host(m[i].peer_url, host, sizeof host);
			etcd_member_is(&m[i], "control1", "10.0.0.1");
		}
	join_creds_parse(b, size, &jc, err, sizeof err);
	etcd_error_parse(b, size, &code, msg, sizeof msg);
	etcd_health_parse(b, size, &healthy, err, sizeof err);
	etcd_status_parse(b, size, &me, &lead, err, sizeof err);
	unsigned char *value;
	size_t vlen;
	if (kjson_secret_value(b, size, "ca.crt", &value, &vlen, err, sizeof err) == 0)
		free(value);
	return 0;
}
