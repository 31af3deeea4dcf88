#include "network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strbuf.h"
#include "log.h"
#include "netlink.h"
#include "sys.h"

#define HOSTS_MAX (64 * 1024)

double network_carrier_timeout_ms = 10000;

/* Writes text to dir/name through a temporary file and rename(), so readers never see half a file. */
static int write_atomic(const char *dir, const char *name, const char *text, size_t len)
{
	char path[512], tmp[520];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof tmp, "%s.ekinit-tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			unlink(tmp);
			return -e;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return -e;
	}
	return 0;
}

int network_write_resolv(const struct ek_nodeconf *nc, const char *etc, unsigned *nservers)
{
	struct in_addr dns[EK_DNS_MAX];
	const char *search[EK_SEARCH_MAX];
	unsigned nd = 0, ns = 0;
	for (unsigned i = 0; i < nc->nnetdev; i++) {
		const struct ek_netdev *d = &nc->netdev[i];
		for (unsigned j = 0; j < d->ndns; j++) {
			bool dup = false;
			for (unsigned k = 0; k < nd; k++)
				dup |= dns[k].s_addr == d->dns[j].s_addr;
			if (!dup && nd < EK_DNS_MAX) /* glibc reads only the first 3 anyway */
				dns[nd++] = d->dns[j];
		}
		for (unsigned j = 0; j < d->nsearch; j++) {
			bool dup = false;
			for (unsigned k = 0; k < ns; k++)
				dup |= !strcmp(search[k], d->search[j]);
			if (!dup && ns < EK_SEARCH_MAX)
				search[ns++] = d->search[j];
		}
	}
	*nservers = nd;
	if (!nd)
		return 0;
	char text[1024];
	struct strbuf sb;
	sb_init(&sb, text, sizeof text);
	sb_puts(&sb, "# written by ekinit from the node config\n");
	for (unsigned i = 0; i < nd; i++) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &dns[i], a, sizeof a);
		sb_printf(&sb, "nameserver %s\n", a);
	}
	if (ns) {
		sb_puts(&sb, "search");
		for (unsigned i = 0; i < ns; i++)
			sb_printf(&sb, " %s", search[i]);
		sb_puts(&sb, "\n");
	}
	return write_atomic(etc, "resolv.conf", text, strlen(text));
}

/* Does a hosts line map addr to name? Comments and blank lines never match. */
static bool hosts_line_maps(const char *line, size_t len, const char *addr, const char *name)
{
	char copy[1024];
	if (len >= sizeof copy)
		len = sizeof copy - 1;
	memcpy(copy, line, len);
	copy[len] = '\0';
	char *hash = strchr(copy, '#');
	if (hash)
		*hash = '\0';
	char *save = NULL, *tok = strtok_r(copy, " \t", &save);
	if (!tok || strcmp(tok, addr))
		return false;
	while ((tok = strtok_r(NULL, " \t", &save)))
		if (!strcmp(tok, name))
			return true;
	return false;
}

static bool hosts_has(const char *text, const char *addr, const char *name)
{
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (hosts_line_maps(l, len, addr, name))
			return true;
		l += len + (nl ? 1 : 0);
	}
	return false;
}

int network_merge_hosts(const struct ek_nodeconf *nc, const char *etc, unsigned *added)
{
	static char text[HOSTS_MAX + 256];
	char path[512];
	size_t len = 0;
	*added = 0;
	snprintf(path, sizeof path, "%s/hosts", etc);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return -errno;
	if (fd >= 0) {
		ssize_t n;
		while ((n = read(fd, text + len, HOSTS_MAX + 1 - len)) > 0)
			len += (size_t)n;
		int e = errno;
		close(fd);
		if (n < 0)
			return -e;
		if (len > HOSTS_MAX)
			return -EFBIG;
	}
	text[len] = '\0';
	if (strlen(text) != len)
		return -EINVAL; /* a NUL byte: not a hosts file we should rewrite */
	struct strbuf sb;
	sb_init(&sb, text + len, sizeof text - len);
	if (len && text[len - 1] != '\n')
		sb_puts(&sb, "\n");
	if (!hosts_has(text, "127.0.0.1", "localhost")) {
		sb_puts(&sb, "127.0.0.1\tlocalhost\n");
		++*added;
	}
	if (nc->nnetdev) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &nc->netdev[0].ipaddr, a, sizeof a);
		if (!hosts_has(text, a, nc->hostname)) {
			sb_printf(&sb, "%s\t%s\n", a, nc->hostname);
			++*added;
		}
	}
	if (!*added)
		return 0;
	return write_atomic(etc, "hosts", text, strlen(text));
}

/* Configures one interface; returns 0 or -errno with the failed operation in what. */
static int configure(struct ek_nl *nl, const struct ek_netdev *d, struct ek_link *l, const char **what)
{
	int r;
	*what = "find by hwaddr";
	if ((r = nl_link_by_mac(nl, d->hwaddr, l)) < 0)
		return r;
	if (d->device[0] && strcmp(l->name, d->device)) {
		*what = "rename";
		r = nl_link_rename(nl, l->ifindex, d->device);
		if (r == -EBUSY) {
			/* Linux before 6.2 renames only links that are down (Warewulf's own init may have
			 * brought it up): take it down, rename, and it comes up again below. */
			nl_link_set_up(nl, l->ifindex, false);
			r = nl_link_rename(nl, l->ifindex, d->device);
		}
		if (r < 0)
			return r;
		snprintf(l->name, sizeof l->name, "%s", d->device);
	}
	if (d->mtu && d->mtu != l->mtu) {
		*what = "set mtu";
		if ((r = nl_link_set_mtu(nl, l->ifindex, d->mtu)) < 0)
			return r;
	}
	*what = "set up";
	if ((r = nl_link_set_up(nl, l->ifindex, true)) < 0)
		return r;
	*what = "add address";
	if ((r = nl_addr_add(nl, l->ifindex, d->ipaddr, d->prefix)) < 0)
		return r;
	if (d->has_gateway) {
		/* After the address: the kernel wants the gateway on a connected network. */
		*what = "add default route";
		if ((r = nl_route_add_default(nl, l->ifindex, d->gateway)) < 0)
			return r;
	}
	return 0;
}

static void mac_text(const unsigned char m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

enum ek_result network_up(const struct ek_nodeconf *nc, const char *etc, char *detail, size_t cap)
{
	struct strbuf sb;
	struct ek_nl nl;
	int ifindex[EK_NETDEV_MAX];
	const char *names[EK_NETDEV_MAX];
	struct ek_link links[EK_NETDEV_MAX];
	bool carrier[EK_NETDEV_MAX];
	size_t nup = 0;
	bool failed = false;
	sb_init(&sb, detail, cap);

	int r = nc->nnetdev ? nl_open(&nl, 0) : 0;
	if (r < 0) {
		sb_printf(&sb, "netlink: %s", strerror(-r));
		return EK_FAILED;
	}
	for (unsigned i = 0; i < nc->nnetdev; i++) {
		const struct ek_netdev *d = &nc->netdev[i];
		const char *what;
		char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN], mac[18];
		inet_ntop(AF_INET, &d->ipaddr, a, sizeof a);
		inet_ntop(AF_INET, &d->gateway, g, sizeof g);
		mac_text(d->hwaddr, mac);
		if (i)
			sb_puts(&sb, "; ");
		r = configure(&nl, d, &links[nup], &what);
		if (r < 0) {
			failed = true;
			const char *why = r == -ENODEV ? "no interface has this hwaddr" : strerror(-r);
			ek_warn("network: [netdev %s] %s: %s: %s", d->name, mac, what, why);
			sb_printf(&sb, "%s (%s) %s: %s", d->device[0] ? d->device : d->name, mac, what, why);
			continue;
		}
		sb_printf(&sb, "%s %s/%u up", links[nup].name, a, d->prefix);
		if (d->has_gateway)
			sb_printf(&sb, ", gw %s", g);
		ifindex[nup] = links[nup].ifindex;
		names[nup] = links[nup].name;
		nup++;
	}
	if (nc->nnetdev)
		nl_close(&nl);

	if (nup) {
		int k = nl_wait_carrier(ifindex, carrier, nup, ek_sys.now_ms() + network_carrier_timeout_ms);
		if (k < 0) {
			ek_warn("network: cannot watch for carrier: %s", strerror(-k));
		} else if ((size_t)k < nup) {
			sb_puts(&sb, "; no carrier:");
			for (size_t i = 0; i < nup; i++)
				if (!carrier[i]) {
					sb_printf(&sb, " %s", names[i]);
					ek_warn("network: %s: no carrier after %g s (carrying on)", names[i],
						network_carrier_timeout_ms / 1000);
				}
			failed = true;
		}
	}

	unsigned ndns = 0, added = 0;
	r = network_write_resolv(nc, etc, &ndns);
	if (r < 0) {
		ek_warn("network: %s/resolv.conf: %s", etc, strerror(-r));
		failed = true;
	} else if (ndns) {
		sb_printf(&sb, ", dns %u", ndns);
	}
	r = network_merge_hosts(nc, etc, &added);
	if (r < 0) {
		ek_warn("network: %s/hosts: %s", etc, strerror(-r));
		failed = true;
	}
	if (sethostname(nc->hostname, strlen(nc->hostname)) < 0) {
		ek_warn("network: sethostname %s: %s", nc->hostname, strerror(errno));
		failed = true;
	}
	if (!nc->nnetdev) {
		sb_printf(&sb, "no [netdev] in the node config; hostname %s", nc->hostname);
		return failed ? EK_FAILED : EK_SKIPPED;
	}
	return failed ? EK_FAILED : EK_OK;
}
