/* netlink: the request builders produce the exact messages the kernel expects, and a round trip in a
 * private network namespace (a veth pair the test creates; never the host's namespace) finds a link
 * by MAC, renames it, sets MTU, brings it up, adds an address and a default route, and waits for
 * carrier on an event rather than by polling. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/wait.h>

#include "t.h"
#include "netlink.h"
#include "sys.h"

static char buf[EK_NL_BUFSIZE];

static struct in_addr A(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return a;
}

/* Collects the attributes of a built message, indexed by type. */
static const struct nlattr *attrs[64];
static int collect(const struct nlattr *a, void *p)
{
	(void)p;
	if (mnl_attr_get_type(a) < 64)
		attrs[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static void parse_attrs(const struct nlmsghdr *nlh, size_t hdr)
{
	memset(attrs, 0, sizeof attrs);
	mnl_attr_parse(nlh, (unsigned)hdr, collect, NULL);
}

TEST(test_build_addr_add_bytes)
{
	struct nlmsghdr *nlh = nl_build_addr_add(buf, 7, A("10.10.0.11"), 24);
	/* nlmsghdr, ifaddrmsg, then IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST (4-byte payloads). */
	static const unsigned char want[] = {
		48, 0, 0, 0,                       /* nlmsg_len */
		RTM_NEWADDR, 0,                    /* type */
		NLM_F_REQUEST, (NLM_F_REPLACE | NLM_F_CREATE) >> 8, /* flags 0x501 */
		0, 0, 0, 0, 0, 0, 0, 0,            /* seq, pid: set when sent */
		AF_INET, 24, 0, RT_SCOPE_UNIVERSE, 7, 0, 0, 0, /* family, prefixlen, flags, scope, index */
		8, 0, IFA_LOCAL, 0, 10, 10, 0, 11,
		8, 0, IFA_ADDRESS, 0, 10, 10, 0, 11,
		8, 0, IFA_BROADCAST, 0, 10, 10, 0, 255,
	};
	T_EQ_INT(nlh->nlmsg_len, sizeof want);
	for (size_t i = 0; i < sizeof want; i++)
		if (((unsigned char *)buf)[i] != want[i])
			T_FAIL("byte %zu is 0x%02x, expected 0x%02x", i, ((unsigned char *)buf)[i], want[i]);
}

TEST(test_build_addr_add_no_broadcast_on_31_32)
{
	struct nlmsghdr *nlh = nl_build_addr_add(buf, 3, A("192.168.1.1"), 32);
	parse_attrs(nlh, sizeof(struct ifaddrmsg));
	T_ASSERT(attrs[IFA_LOCAL] && !attrs[IFA_BROADCAST]);
	nlh = nl_build_addr_add(buf, 3, A("192.168.1.1"), 31);
	parse_attrs(nlh, sizeof(struct ifaddrmsg));
	T_ASSERT(!attrs[IFA_BROADCAST]);
	nlh = nl_build_addr_add(buf, 3, A("172.16.5.9"), 12);
	parse_attrs(nlh, sizeof(struct ifaddrmsg));
	T_ASSERT(attrs[IFA_BROADCAST]);
	struct in_addr b;
	memcpy(&b, mnl_attr_get_payload(attrs[IFA_BROADCAST]), 4);
	T_EQ_INT(ntohl(b.s_addr), 0xac1fffff); /* 172.31.255.255 */
}

TEST(test_build_link_messages)
{
	struct nlmsghdr *nlh = nl_build_link_rename(buf, 4, "net0");
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	T_EQ_INT(nlh->nlmsg_type, RTM_NEWLINK);
	T_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST);
	T_EQ_INT(ifm->ifi_index, 4);
	T_EQ_INT(ifm->ifi_change, 0);
	parse_attrs(nlh, sizeof *ifm);
	T_ASSERT(attrs[IFLA_IFNAME]);
	T_EQ_STR(mnl_attr_get_str(attrs[IFLA_IFNAME]), "net0");
	T_EQ_INT(mnl_attr_get_payload_len(attrs[IFLA_IFNAME]), 5); /* NUL-terminated */

	nlh = nl_build_link_mtu(buf, 4, 9000);
	parse_attrs(nlh, sizeof *ifm);
	T_EQ_INT(mnl_attr_get_u32(attrs[IFLA_MTU]), 9000);
	T_ASSERT(!attrs[IFLA_IFNAME]);

	nlh = nl_build_link_updown(buf, 4, true);
	ifm = mnl_nlmsg_get_payload(nlh);
	T_EQ_INT(ifm->ifi_change, IFF_UP);
	T_EQ_INT(ifm->ifi_flags, IFF_UP);
	T_EQ_INT(nlh->nlmsg_len, NLMSG_HDRLEN + sizeof *ifm);
	nlh = nl_build_link_updown(buf, 4, false);
	ifm = mnl_nlmsg_get_payload(nlh);
	T_EQ_INT(ifm->ifi_change, IFF_UP);
	T_EQ_INT(ifm->ifi_flags, 0);

	nlh = nl_build_getlink_dump(buf);
	T_EQ_INT(nlh->nlmsg_type, RTM_GETLINK);
	T_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
}

TEST(test_build_route_default)
{
	struct nlmsghdr *nlh = nl_build_route_default(buf, 9, A("10.10.0.1"));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	T_EQ_INT(nlh->nlmsg_type, RTM_NEWROUTE);
	T_EQ_INT(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	T_EQ_INT(rtm->rtm_family, AF_INET);
	T_EQ_INT(rtm->rtm_dst_len, 0);
	T_EQ_INT(rtm->rtm_table, RT_TABLE_MAIN);
	T_EQ_INT(rtm->rtm_protocol, RTPROT_STATIC);
	T_EQ_INT(rtm->rtm_type, RTN_UNICAST);
	parse_attrs(nlh, sizeof *rtm);
	T_ASSERT(attrs[RTA_GATEWAY] && attrs[RTA_OIF] && !attrs[RTA_DST]);
	T_EQ_INT(mnl_attr_get_u32(attrs[RTA_GATEWAY]), A("10.10.0.1").s_addr);
	T_EQ_INT(mnl_attr_get_u32(attrs[RTA_OIF]), 9);
	T_EQ_INT(nlh->nlmsg_len, NLMSG_HDRLEN + sizeof *rtm + 16);
}

/* ---- in a private network namespace ---- */

/* Runs body in a forked child inside a fresh network namespace; its failures are reported here. */
static int in_netns(void (*body)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0) {
			printf("  unshare(CLONE_NEWNET): %s\n", strerror(errno));
			fflush(stdout);
			_exit(2);
		}
		t_failed_now = 0;
		body();
		fflush(stdout);
		_exit(t_failed_now ? 1 : 0);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static const unsigned char mac0[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0x01};

static void make_veth(void)
{
	if (system("ip link add ekt0 address 52:54:00:aa:bb:01 type veth peer name ekt1 address 52:54:00:aa:bb:02") != 0)
		printf("  could not create a veth pair\n");
}

struct addr_found {
	int ifindex;
	unsigned prefix;
	struct in_addr local, brd;
	bool found;
};

static int addr_cb(const struct nlmsghdr *nlh, void *p)
{
	struct addr_found *f = p;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != f->ifindex)
		return MNL_CB_OK;
	parse_attrs(nlh, sizeof *ifa);
	if (attrs[IFA_LOCAL])
		memcpy(&f->local, mnl_attr_get_payload(attrs[IFA_LOCAL]), 4);
	if (attrs[IFA_BROADCAST])
		memcpy(&f->brd, mnl_attr_get_payload(attrs[IFA_BROADCAST]), 4);
	f->prefix = ifa->ifa_prefixlen;
	f->found = true;
	return MNL_CB_OK;
}

/* Reads the IPv4 addresses back with RTM_GETADDR (not through the code under test). */
static int get_addr(struct addr_found *f)
{
	static char rbuf[EK_NL_BUFSIZE];
	struct mnl_socket *sk = mnl_socket_open(NETLINK_ROUTE);
	if (!sk || mnl_socket_bind(sk, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	struct nlmsghdr *nlh = nl_build_getaddr_dump(buf);
	nlh->nlmsg_seq = 42;
	mnl_socket_sendto(sk, nlh, nlh->nlmsg_len);
	int r;
	do {
		ssize_t n = mnl_socket_recvfrom(sk, rbuf, sizeof rbuf);
		r = n < 0 ? -1 : mnl_cb_run(rbuf, (size_t)n, 42, mnl_socket_get_portid(sk), addr_cb, f);
	} while (r > 0);
	mnl_socket_close(sk);
	return r;
}

static void roundtrip_body(void)
{
	struct ek_nl nl;
	struct ek_link l;
	make_veth();
	T_EQ_INT(nl_open(&nl, 0), 0);
	static const unsigned char nomac[6] = {0x52, 0x54, 0, 0, 0, 0x99};
	T_EQ_INT(nl_link_by_mac(&nl, nomac, &l), -ENODEV);
	T_EQ_INT(nl_link_by_mac(&nl, mac0, &l), 0);
	T_EQ_STR(l.name, "ekt0");
	int idx = l.ifindex;
	T_ASSERT(!(l.flags & IFF_UP));

	T_EQ_INT(nl_link_rename(&nl, idx, "net0"), 0);
	T_EQ_INT(nl_link_set_mtu(&nl, idx, 1400), 0);
	T_EQ_INT(nl_link_set_up(&nl, idx, true), 0);
	T_EQ_INT(nl_link_by_index(&nl, idx, &l), 0);
	T_EQ_STR(l.name, "net0");
	T_EQ_INT(l.mtu, 1400);
	T_ASSERT(l.flags & IFF_UP);
	/* Linux before 6.2 (Debian 12's 6.1) refuses to rename a running link with EBUSY; later
	 * kernels allow it. Either answer is passed through unchanged. */
	int rr = nl_link_rename(&nl, idx, "net9");
	if (rr != -EBUSY && rr != 0)
		T_FAIL("renaming a running link: %d", rr);
	if (rr == 0)
		T_EQ_INT(nl_link_rename(&nl, idx, "net0"), 0);
	T_EQ_INT(nl_link_set_mtu(&nl, idx, 10), -EINVAL);

	T_EQ_INT(nl_addr_add(&nl, idx, A("10.10.0.11"), 24), 0);
	T_EQ_INT(nl_addr_add(&nl, idx, A("10.10.0.11"), 24), 0); /* idempotent */
	struct addr_found f = {.ifindex = idx};
	T_EQ_INT(get_addr(&f), 0);
	T_ASSERT(f.found);
	T_EQ_INT(f.prefix, 24);
	T_EQ_INT(f.local.s_addr, A("10.10.0.11").s_addr);
	T_EQ_INT(f.brd.s_addr, A("10.10.0.255").s_addr);

	T_EQ_INT(nl_route_add_default(&nl, idx, A("10.10.0.1")), 0);
	T_EQ_INT(nl_route_add_default(&nl, idx, A("10.10.0.1")), 0); /* idempotent */
	/* A gateway that is not on any connected network is refused. */
	T_EQ_INT(nl_route_add_default(&nl, idx, A("192.0.2.1")), -ENETUNREACH);
	char out[256] = "";
	FILE *p = popen("ip -4 route show default", "r");
	T_ASSERT(p);
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	pclose(p);
	T_CONTAINS(out, "default via 10.10.0.1 dev net0 proto static");
	nl_close(&nl);
}

TEST(test_kernel_roundtrip_in_netns)
{
	int r = in_netns(roundtrip_body);
	if (r)
		T_FAIL("namespace child exited %d", r);
}

static void carrier_body(void)
{
	struct ek_nl nl;
	struct ek_link l;
	make_veth();
	T_EQ_INT(nl_open(&nl, 0), 0);
	T_EQ_INT(nl_link_by_mac(&nl, mac0, &l), 0);
	T_EQ_INT(nl_link_set_up(&nl, l.ifindex, true), 0);
	nl_close(&nl);
	int idx = l.ifindex;
	bool carrier = true;
	/* The peer is down: no carrier, and the wait ends at its deadline. */
	double t0 = ek_sys.now_ms();
	T_EQ_INT(nl_wait_carrier(&idx, &carrier, 1, t0 + 300), 0);
	double waited = ek_sys.now_ms() - t0;
	T_ASSERT(!carrier);
	if (waited < 290 || waited > 2000)
		T_FAIL("waited %.0f ms for a 300 ms deadline", waited);
	/* The peer comes up 200 ms later: the event wakes the wait long before its 10 s deadline. */
	pid_t pid = fork();
	if (pid == 0) {
		usleep(200 * 1000);
		_exit(system("ip link set ekt1 up") == 0 ? 0 : 1);
	}
	t0 = ek_sys.now_ms();
	T_EQ_INT(nl_wait_carrier(&idx, &carrier, 1, t0 + 10000), 1);
	waited = ek_sys.now_ms() - t0;
	waitpid(pid, NULL, 0);
	T_ASSERT(carrier);
	if (waited > 5000)
		T_FAIL("carrier took %.0f ms", waited);
	/* Already there: returns at once. */
	t0 = ek_sys.now_ms();
	T_EQ_INT(nl_wait_carrier(&idx, &carrier, 1, t0 + 10000), 1);
	T_ASSERT(ek_sys.now_ms() - t0 < 1000);
}

TEST(test_wait_carrier_in_netns)
{
	int r = in_netns(carrier_body);
	if (r)
		T_FAIL("namespace child exited %d", r);
}

int main(void)
{
	T_RUN(test_build_addr_add_bytes);
	T_RUN(test_build_addr_add_no_broadcast_on_31_32);
	T_RUN(test_build_link_messages);
	T_RUN(test_build_route_default);
	T_RUN(test_kernel_roundtrip_in_netns);
	T_RUN(test_wait_carrier_in_netns);
	return T_END();
}
