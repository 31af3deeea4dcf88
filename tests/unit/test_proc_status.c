/* proc_file_kib and its two callers: the named field only (VmRSS is not VmRSSx), -1 for a field that
 * is not there or has no number. */
#include <stdio.h>

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

TEST(test_meminfo)
{
	T_ASSERT(proc_meminfo_kib("MemTotal") > 0);
	T_ASSERT(proc_meminfo_kib("Shmem") >= 0);
	T_EQ_INT(proc_meminfo_kib("Shme"), -1);
}

TEST(test_file_fields)
{
	char dir[64], path[128];
	T_ASSERT(t_tmpdir(dir, sizeof dir));
	snprintf(path, sizeof path, "%s/meminfo", dir);
	FILE *f = fopen(path, "w");
	T_ASSERT(f);
	fputs("ShmemHugePages:      7 kB\nShmem:        123456 kB\nBad:   x kB\nNeg: -5 kB\n", f);
	fclose(f);
	T_EQ_INT(proc_file_kib(path, "Shmem"), 123456); /* not ShmemHugePages, which comes first */
	T_EQ_INT(proc_file_kib(path, "ShmemHugePages"), 7);
	T_EQ_INT(proc_file_kib(path, "Bad"), -1);
	T_EQ_INT(proc_file_kib(path, "Neg"), -1);
	T_EQ_INT(proc_file_kib("/nonexistent/meminfo", "Shmem"), -1);
}

int main(void)
{
	T_RUN(test_known_fields);
	T_RUN(test_unknown_and_prefix_fields);
	T_RUN(test_meminfo);
	T_RUN(test_file_fields);
	return T_END();
}
