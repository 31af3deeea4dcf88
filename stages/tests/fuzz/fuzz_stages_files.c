/* libFuzzer: what the stages read from files: cluster.conf, node.conf, the share's key=value entries,
 * the admin kubeconfig (base64 inside), URLs, and the etcd manifest edit of the quorum restore. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_conf.h"
#include "etcd.h"
#include "kubeconfig.h"
#include "node_info.h"
#include "share.h"
#include "quorum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[512];
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* files are read into NUL-terminated buffers; embedded NULs end them early */
	static struct cluster_conf c;
	struct node_info ni;
	struct share_entry e;
	struct kubeconfig k;
	cluster_conf_parse("fuzz", text, &c, err, sizeof err);
	node_info_parse("fuzz", text, &ni, err, sizeof err);
	share_entry_parse("fuzz", text, &e, err, sizeof err);
	if (kubeconfig_parse((const char *)data, size, &k, err, sizeof err) == 0)
		kubeconfig_free(&k);
	char host[64];
	url_host(text, host, sizeof host);
	size_t cap = 2 * size + 64;
	char *out = malloc(cap), *back = malloc(cap);
	if (out && back && manifest_force_new_cluster(text, true, out, cap) >= 0) {
		/* Adding then removing the flag gives the input without any flag line. */
		manifest_force_new_cluster(out, false, back, cap);
	}
	unsigned char *dec = malloc(size / 4 * 3 + 1);
	if (dec)
		base64_decode((const char *)data, size, dec);
	free(dec);
	free(out);
	free(back);
	free(text);
	return 0;
}
