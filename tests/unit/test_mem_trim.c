/* Dropping text pages from the resident set: the process keeps running (the pages fault back in)
 * and its resident file pages go down. */
#include <stdio.h>

#include "t.h"
#include "mem_trim.h"
#include "proc_status.h"


TEST(test_text_pages_dropped_and_code_still_runs)
{
	long before = proc_self_status_kib("RssFile");
	T_ASSERT(before > 0);
	long advised = mem_trim_text("/proc/self/maps");
	long after = proc_self_status_kib("RssFile"); /* this call faults a few pages back in, far fewer than dropped */
	T_ASSERT(advised > 0);
	T_ASSERT(after < before);
	/* Still working: libc's text comes back on demand. */
	char buf[32];
	snprintf(buf, sizeof buf, "%ld", advised);
	T_ASSERT(buf[0] != '\0');
}

TEST(test_missing_maps_file)
{
	T_EQ_INT(mem_trim_text("/nonexistent/maps"), -2); /* -ENOENT */
}

int main(void)
{
	T_RUN(test_text_pages_dropped_and_code_still_runs);
	T_RUN(test_missing_maps_file);
	return T_END();
}
