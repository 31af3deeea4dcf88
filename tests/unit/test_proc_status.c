/* proc_self_status_kib: the named field only (VmRSS is not VmRSSx), -1 for a field that is not there. */
#include "t.h"
#include "proc_status.h"

TEST(test_known_fields)
{
	long rss = proc_self_status_kib("VmRSS");
	long hwm = proc_self_status_kib("VmHWM");
	T_ASSERT(rss > 0);
	T_ASSERT(hwm >= rss);
	T_ASSERT(proc_self_status_kib("RssFile") > 0);
}

TEST(test_unknown_and_prefix_fields)
{
	T_EQ_INT(proc_self_status_kib("NoSuchField"), -1);
	T_EQ_INT(proc_self_status_kib("VmRS"), -1); /* a prefix of VmRSS is not VmRSS */
	T_EQ_INT(proc_self_status_kib(""), -1);
}

int main(void)
{
	T_RUN(test_known_fields);
	T_RUN(test_unknown_and_prefix_fields);
	return T_END();
}
