/* ekctl's pure parts: the systemctl personality's argument mapping and exit codes, unit-name
 * normalisation, reply classification and job outcomes (ekctl/mapping.c, ekctl/systemctl_args.c). */
#include <errno.h>

#include "t.h"
#include "mapping.h"
#include "systemctl_args.h"

static struct sc_cmd c;
static char err[400];

#define PARSE(...) parse((char *const[]){"systemctl", __VA_ARGS__, NULL})

static int parse(char *const *argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return sc_parse(argc, argv, &c, err, sizeof err);
}

TEST(test_kubeadm_commands)
{
	/* What kubeadm's init-system code runs, word for word. */
	T_EQ_INT(PARSE("is-active", "kubelet"), 0);
	T_EQ_INT(c.verb, SC_IS_ACTIVE);
	T_EQ_INT(c.nunits, 1);
	T_EQ_STR(c.units[0], "kubelet");
	T_EQ_INT(PARSE("is-enabled", "kubelet.service"), 0);
	T_EQ_INT(c.verb, SC_IS_ENABLED);
	T_EQ_INT(PARSE("enable", "kubelet.service"), 0);
	T_EQ_INT(c.verb, SC_ENABLE);
	T_EQ_INT(PARSE("daemon-reload"), 0);
	T_EQ_INT(c.verb, SC_DAEMON_RELOAD);
	T_EQ_INT(PARSE("restart", "kubelet"), 0);
	T_EQ_INT(c.verb, SC_RESTART);
	T_EQ_INT(PARSE("stop", "kubelet"), 0);
	T_EQ_INT(c.verb, SC_STOP);
	T_EQ_INT(PARSE("status", "kubelet"), 0);
	T_EQ_INT(c.verb, SC_STATUS);
}

TEST(test_options_anywhere)
{
	T_EQ_INT(PARSE("-q", "is-active", "a", "--quiet"), 0);
	T_ASSERT(c.quiet);
	T_EQ_INT(c.nunits, 1);
	T_EQ_INT(PARSE("enable", "--now", "a", "b"), 0);
	T_ASSERT(c.now && !c.no_block);
	T_EQ_INT(c.nunits, 2);
	T_EQ_STR(c.units[1], "b");
	T_EQ_INT(PARSE("--no-block", "--system", "--no-pager", "start", "x"), 0);
	T_ASSERT(c.no_block && !c.quiet);
	T_EQ_INT(PARSE("list-units", "--type=service", "--no-legend", "--all"), 0);
	T_EQ_INT(c.verb, SC_LIST_UNITS);
	T_EQ_INT(PARSE("list-units", "-t", "service"), 0);
	T_EQ_INT(PARSE("list-units", "-t", "socket"), 1);
	T_CONTAINS(err, "only 'service'");
	/* After "--" a word that looks like an option is a unit name. */
	T_EQ_INT(PARSE("status", "--", "-odd"), 0);
	T_EQ_STR(c.units[0], "-odd");
}

TEST(test_no_verb_lists)
{
	T_EQ_INT(parse((char *const[]){"systemctl", NULL}), 0);
	T_EQ_INT(c.verb, SC_LIST_UNITS);
	T_EQ_INT(PARSE("--no-pager"), 0);
	T_EQ_INT(c.verb, SC_LIST_UNITS);
}

TEST(test_refusals)
{
	T_EQ_INT(PARSE("mask", "kubelet"), 1);
	T_CONTAINS(err, "systemctl (ekinit): 'mask' is not supported; supported: is-active");
	T_CONTAINS(err, "list-units");
	T_EQ_INT(PARSE("list-unit-files"), 1);
	T_CONTAINS(err, "'list-unit-files' is not supported");
	T_EQ_INT(PARSE("start"), 1);
	T_CONTAINS(err, "too few arguments");
	T_EQ_INT(PARSE("is-active"), 1);
	T_EQ_INT(PARSE("daemon-reload", "x"), 1);
	T_CONTAINS(err, "takes no unit names");
	T_EQ_INT(PARSE("--user", "start", "x"), 1);
	T_CONTAINS(err, "unknown option '--user'");
}

TEST(test_check_exit_codes)
{
	/* is-active: 0 when a unit is active, else 3 (systemctl: at least one of the units). */
	T_ASSERT(sc_check_good(SC_IS_ACTIVE, "active", false));
	T_ASSERT(!sc_check_good(SC_IS_ACTIVE, "activating", true));
	T_ASSERT(!sc_check_good(SC_IS_ACTIVE, "failed", true));
	T_EQ_INT(sc_check_exit(SC_IS_ACTIVE, 1), 0);
	T_EQ_INT(sc_check_exit(SC_IS_ACTIVE, 0), 3);
	/* is-failed: 0 when failed, else 1. */
	T_ASSERT(sc_check_good(SC_IS_FAILED, "failed", false));
	T_ASSERT(!sc_check_good(SC_IS_FAILED, "inactive", false));
	T_EQ_INT(sc_check_exit(SC_IS_FAILED, 0), 1);
	T_EQ_INT(sc_check_exit(SC_IS_FAILED, 2), 0);
	/* is-enabled: 0/1, whatever the unit's state. */
	T_ASSERT(sc_check_good(SC_IS_ENABLED, "failed", true));
	T_ASSERT(!sc_check_good(SC_IS_ENABLED, "active", false));
	T_EQ_INT(sc_check_exit(SC_IS_ENABLED, 0), 1);
	T_EQ_INT(sc_check_exit(SC_IS_ENABLED, 1), 0);
}

TEST(test_status_and_not_found_exit_codes)
{
	T_EQ_INT(sc_status_exit("active"), 0);
	T_EQ_INT(sc_status_exit("inactive"), 3);
	T_EQ_INT(sc_status_exit("failed"), 3);
	T_EQ_INT(sc_status_exit("activating"), 3);
	T_EQ_INT(sc_not_found_exit(SC_STATUS), 4);
	T_EQ_INT(sc_not_found_exit(SC_START), 5);
	T_EQ_INT(sc_not_found_exit(SC_STOP), 5);
	T_EQ_INT(sc_not_found_exit(SC_RESTART), 5);
	T_EQ_INT(sc_not_found_exit(SC_IS_ACTIVE), 3);
	T_EQ_INT(sc_not_found_exit(SC_IS_ENABLED), 1);
	T_EQ_INT(sc_not_found_exit(SC_IS_FAILED), 1);
}

TEST(test_unit_names)
{
	char n[64];
	T_EQ_INT(ekc_unit_name("kubelet", n, sizeof n), 0);
	T_EQ_STR(n, "kubelet.service");
	T_EQ_INT(ekc_unit_name("kubelet.service", n, sizeof n), 0);
	T_EQ_STR(n, "kubelet.service");
	T_EQ_INT(ekc_unit_name("multi-user.target", n, sizeof n), 0);
	T_EQ_STR(n, "multi-user.target");
	T_EQ_INT(ekc_unit_name("getty@tty1", n, sizeof n), 0);
	T_EQ_STR(n, "getty@tty1.service");
	/* Like systemctl: a dot that is not a unit type's suffix is part of the name. */
	T_EQ_INT(ekc_unit_name("php7.4-fpm", n, sizeof n), 0);
	T_EQ_STR(n, "php7.4-fpm.service");
	T_EQ_INT(ekc_unit_name(".service", n, sizeof n), 0);
	T_EQ_STR(n, ".service.service");
	T_EQ_INT(ekc_unit_name("", n, sizeof n), -EINVAL);
	T_EQ_INT(ekc_unit_name("/etc/x", n, sizeof n), -EINVAL);
	T_EQ_INT(ekc_unit_name("a-very-long-name-that-does-not-fit-at-all-here-no", n, 50), -ENAMETOOLONG);
}

TEST(test_replies)
{
	const char *body;
	T_EQ_INT(ekc_reply_kind("ok\nactive enabled\n", &body), EKC_OK);
	T_EQ_STR(body, "active enabled\n");
	T_EQ_INT(ekc_reply_kind("ok", &body), EKC_OK);
	T_EQ_STR(body, "");
	T_EQ_INT(ekc_reply_kind("error\nnot-found: no such unit x.service", &body), EKC_NOT_FOUND);
	T_EQ_STR(body, "not-found: no such unit x.service");
	T_EQ_INT(ekc_reply_kind("error\ninvalid: start takes one unit", &body), EKC_INVALID);
	T_EQ_INT(ekc_reply_kind("error\nfailed: could not fork", &body), EKC_ERROR);
	/* "not-foundish" is not the word not-found. */
	T_EQ_INT(ekc_reply_kind("error\nnot-foundish", &body), EKC_ERROR);
	T_EQ_INT(ekc_reply_kind("garbage", &body), EKC_ERROR);
	T_EQ_STR(body, "garbage");
}

TEST(test_state_bodies)
{
	char a[16];
	bool en = false;
	T_EQ_INT(ekc_parse_state("active enabled\n", a, sizeof a, &en), 0);
	T_EQ_STR(a, "active");
	T_ASSERT(en);
	T_EQ_INT(ekc_parse_state("failed disabled", a, sizeof a, &en), 0);
	T_EQ_STR(a, "failed");
	T_ASSERT(!en);
	T_EQ_INT(ekc_parse_state("active", a, sizeof a, &en), -EINVAL);
	T_EQ_INT(ekc_parse_state("active maybe\n", a, sizeof a, &en), -EINVAL);
	T_EQ_INT(ekc_parse_state(" enabled", a, sizeof a, &en), -EINVAL);
	T_EQ_INT(ekc_parse_state("a-word-much-too-long-for-it enabled", a, sizeof a, &en), -EINVAL);
}

TEST(test_job_outcomes)
{
	T_EQ_INT(ekc_job_outcome(EKC_JOB_START, "activating"), EKC_WAIT);
	T_EQ_INT(ekc_job_outcome(EKC_JOB_START, "active"), EKC_DONE);
	T_EQ_INT(ekc_job_outcome(EKC_JOB_START, "failed"), EKC_FAILED);
	T_EQ_INT(ekc_job_outcome(EKC_JOB_START, "inactive"), EKC_DONE); /* a finished oneshot */
	T_EQ_INT(ekc_job_outcome(EKC_JOB_RESTART, "deactivating"), EKC_WAIT);
	T_EQ_INT(ekc_job_outcome(EKC_JOB_STOP, "active"), EKC_WAIT);
	T_EQ_INT(ekc_job_outcome(EKC_JOB_STOP, "deactivating"), EKC_WAIT);
	T_EQ_INT(ekc_job_outcome(EKC_JOB_STOP, "inactive"), EKC_DONE);
	T_EQ_INT(ekc_job_outcome(EKC_JOB_STOP, "failed"), EKC_DONE);
}

int main(void)
{
	T_RUN(test_kubeadm_commands);
	T_RUN(test_options_anywhere);
	T_RUN(test_no_verb_lists);
	T_RUN(test_refusals);
	T_RUN(test_check_exit_codes);
	T_RUN(test_status_and_not_found_exit_codes);
	T_RUN(test_unit_names);
	T_RUN(test_replies);
	T_RUN(test_state_bodies);
	T_RUN(test_job_outcomes);
	return T_END();
}
