/* Decoding sd_notify datagrams: what a service may send, and what a hostile one might. */
#include "t.h"
#include "svc_notify.h"

static struct svc_notify n;

TEST(ready)
{
	svc_notify_parse("READY=1", &n);
	T_ASSERT(n.ready);
	svc_notify_parse("READY=0\nREADY=11\nREADY=1x", &n);
	T_ASSERT(!n.ready);
	T_EQ_INT(n.unknown, 3);
}

TEST(several_lines_and_empty_ones)
{
	svc_notify_parse("\nSTATUS=warming up\n\nREADY=1\n", &n);
	T_ASSERT(n.ready);
	T_ASSERT(n.has_status);
	T_EQ_STR(n.status, "warming up");
	T_EQ_INT(n.unknown, 0);
}

TEST(status_is_printable_and_bounded)
{
	svc_notify_parse("STATUS=a\tb\x7f" "c\xc3\xa9", &n);
	T_EQ_STR(n.status, "a?b?c??");
	char big[600] = "STATUS=";
	memset(big + 7, 'x', 500);
	svc_notify_parse(big, &n);
	T_EQ_INT(strlen(n.status), SVC_NOTIFY_STATUS_MAX - 1);
}

TEST(status_last_one_wins)
{
	svc_notify_parse("STATUS=one\nSTATUS=two", &n);
	T_EQ_STR(n.status, "two");
	svc_notify_parse("STATUS=", &n);
	T_ASSERT(n.has_status);
	T_EQ_STR(n.status, "");
}

TEST(mainpid)
{
	svc_notify_parse("MAINPID=4242", &n);
	T_ASSERT(n.has_mainpid);
	T_EQ_INT(n.mainpid, 4242);
	const char *bad[] = {"MAINPID=1", "MAINPID=0", "MAINPID=-5", "MAINPID=12x", "MAINPID=",
			     "MAINPID=99999999999999999999", "MAINPID=4294967298"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		svc_notify_parse(bad[i], &n);
		T_ASSERT(n.has_mainpid);
		T_EQ_INT(n.mainpid, 0);
		T_EQ_STR(n.mainpid_text, bad[i] + 8);
	}
}

TEST(extend_timeout)
{
	svc_notify_parse("EXTEND_TIMEOUT_USEC=5000000", &n);
	T_ASSERT(n.has_extend);
	T_EQ_INT(n.extend_usec, 5000000);
	svc_notify_parse("EXTEND_TIMEOUT_USEC=5s", &n);
	T_ASSERT(!n.has_extend);
}

TEST(known_but_ignored_and_unknown)
{
	svc_notify_parse("STOPPING=1\nWATCHDOG=1\nFDSTORE=1\nERRNO=2\nBUSERROR=x\nHELLO", &n);
	T_EQ_INT(n.ignored, 4);
	T_EQ_INT(n.unknown, 2);
	T_EQ_STR(n.first_unknown, "BUSERROR=x");
	T_ASSERT(!n.ready && !n.has_status && !n.has_mainpid && !n.has_extend);
}

TEST(empty_message)
{
	svc_notify_parse("", &n);
	T_ASSERT(!n.ready);
	T_EQ_INT(n.unknown + n.ignored, 0);
}

int main(void)
{
	T_RUN(ready);
	T_RUN(several_lines_and_empty_ones);
	T_RUN(status_is_printable_and_bounded);
	T_RUN(status_last_one_wins);
	T_RUN(mainpid);
	T_RUN(extend_timeout);
	T_RUN(known_but_ignored_and_unknown);
	T_RUN(empty_message);
	return T_END();
}
