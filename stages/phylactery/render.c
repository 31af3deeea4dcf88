#include "render.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lb_config.h"
#include "phylactery.h"

#define RENDER_MAX 16384 /* as phyl_refresh's buffer */

static int load(const struct render_opts *o, struct cluster_conf *c, struct node_info *n, char *err, size_t errlen)
{
	int r = cluster_conf_load(o->cluster_conf, c, err, errlen);
	if (r < 0 || (r = node_info_load(o->node_conf, n, err, errlen)) < 0)
		return r;
	if (!n->control) {
		snprintf(err, errlen, "%s: node %s is not a control node (role %s); haproxy and keepalived run on control nodes only",
			 o->node_conf, n->name, n->role[0] ? n->role : "unset");
		return -EINVAL;
	}
	struct stat st;
	r = stat(o->share, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	if (r < 0)
		snprintf(err, errlen, "--share %s: %s", o->share, strerror(-r));
	return r;
}

/* The secret, made when the directory has none (said on log: a preview of a live cluster should
 * find one, so a new one there means the wrong directory). */
static int secret(const struct render_opts *o, char out[65], FILE *log, char *err, size_t errlen)
{
	int r = share_secret_read(o->share, out, err, errlen);
	if (r != -ENOENT)
		return r;
	if ((r = share_secret_ensure(o->share, out, err, errlen)) == 0)
		fprintf(log, "phylactery: %s had no cluster secret: made %s/phylactery/secret\n", o->share, o->share);
	return r;
}

static int emit(const char *path, const char *text, int len, mode_t mode, FILE *out, FILE *log, char *err,
		size_t errlen)
{
	if (!path)
		return 0;
	if (!strcmp(path, "-")) {
		if (fwrite(text, 1, (size_t)len, out) == (size_t)len && fflush(out) == 0)
			return 0;
		snprintf(err, errlen, "standard output: %s", strerror(errno));
		return -EIO;
	}
	int r = write_if_changed(path, text, (size_t)len, mode, err, errlen);
	if (r >= 0)
		fprintf(log, "phylactery: %s %s\n", r ? "wrote" : "unchanged:", path);
	return r < 0 ? r : 0;
}

int render_once(const struct render_opts *o, FILE *out, FILE *log, char *err, size_t errlen)
{
	struct cluster_conf c;
	struct node_info n;
	char key[65];
	int r = load(o, &c, &n, err, errlen);
	if (r < 0 || (r = secret(o, key, log, err, errlen)) < 0)
		return r;
	struct share_entry reg[REGISTRY_MAX];
	int garbage, nreg = share_registry_list(o->share, reg, REGISTRY_MAX, &garbage, err, errlen);
	if (nreg < 0)
		return nreg;
	if (garbage)
		fprintf(log, "phylactery: registry: %d unreadable entries ignored\n", garbage);
	struct share_entry me = {.time = time(NULL)};
	snprintf(me.name, sizeof me.name, "%s", n.name);
	snprintf(me.ip, sizeof me.ip, "%s", n.ip);
	nreg = share_registry_with(reg, nreg, REGISTRY_MAX, &me);
	char ha[RENDER_MAX], ka[RENDER_MAX];
	int halen = haproxy_cfg_render(&c, reg, nreg, ha, sizeof ha);
	int kalen = keepalived_conf_render(&c, &n, reg, nreg, key, ka, sizeof ka);
	if (halen < 0 || kalen < 0) {
		snprintf(err, errlen, "%d registry entries do not fit in %d bytes", nreg, RENDER_MAX);
		return -ENOSPC;
	}
	fprintf(log, "phylactery: %d control node%s (%s as %s)\n", nreg, nreg == 1 ? "" : "s", n.name, n.ip);
	/* 0600: keepalived.conf holds the VRRP password (as phyl_refresh writes it) */
	if ((r = emit(o->haproxy_cfg, ha, halen, 0644, out, log, err, errlen)) < 0 ||
	    (r = emit(o->keepalived_conf, ka, kalen, 0600, out, log, err, errlen)) < 0)
		return r;
	return 0;
}
