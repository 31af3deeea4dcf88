/* ek-vip-clean in a network namespace of this test's own (root only): a VIP left behind as /32 is
 * removed, the node's other addresses stay, and a second run finds nothing to do. */
#include "t.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <sys/wait.h>

#include "vip_addr.h"

static char prog[512];

/* Runs in the child, inside the new namespace: 0 when all is as expected, else the failed step. */
static int in_netns(void)
{
	char err[300];
	struct in_addr vip, other;
	inet_pton(AF_INET, "10.10.0.100", &vip);
	inet_pton(AF_INET, "10.10.0.10", &other);
	int lo = (int)if_nametoindex("lo");
	if (!lo)
		return 10;
	if (vip_addr_change(0, lo, vip, 32, err, sizeof err) < 0 || vip_addr_change(0, lo, other, 32, err, sizeof err) < 0) {
		printf("  %s\n", err);
		return 11;
	}
	if (vip_addr_change(0, lo, vip, 32, err, sizeof err) != -EEXIST)
		return 12;
	if (vip_count(vip, err, sizeof err) != 1)
		return 13;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "%s --vip 10.10.0.100", prog);
	if (system(cmd) != 0)
		return 14;
	if (vip_count(vip, err, sizeof err) != 0)
		return 15; /* the VIP is gone */
	if (vip_count(other, err, sizeof err) != 1)
		return 16; /* the node's own address stays */
	int removed = -1;
	if (vip_remove_all(vip, &removed, err, sizeof err) < 0 || removed != 0)
		return 17;
	snprintf(cmd, sizeof cmd, "%s --vip 10.10.0.1000 2>/dev/null", prog);
	if (WEXITSTATUS(system(cmd)) != 2)
		return 18; /* a bad address is refused */
	return 0;
}

TEST(vip_left_behind_is_removed)
{
	if (geteuid() != 0) {
		printf("  (not root: checking only that the program refuses a bad address)\n");
		char cmd[600];
		snprintf(cmd, sizeof cmd, "%s --vip nope 2>/dev/null", prog);
		T_EQ_INT(WEXITSTATUS(system(cmd)), 2);
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(9);
		_exit(in_netns());
	}
	int st;
	T_EQ_INT(waitpid(pid, &st, 0), pid);
	T_ASSERT(WIFEXITED(st));
	T_EQ_INT(WEXITSTATUS(st), 0);
}

int main(int argc, char **argv)
{
	(void)argc;
	t_beside_self(prog, sizeof prog, argv[0], "../ek-vip-clean");
	T_RUN(vip_left_behind_is_removed);
	return T_END();
}
