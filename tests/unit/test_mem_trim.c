/* Dropping text pages from the resident set: the process keeps running (the pages fault back in)
 * and its resident file pages go down. */
#include <stdio.h>

#include "t.h"
#include "mem_trim.h"

static long rss_file_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "RssFile: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

TEST(test_text_pages_dropped_and_code_still_runs)
{
	long before = rss_file_kib();
	T_ASSERT(before > 0);
	long advised = mem_trim_text("/proc/self/maps");
	long after = rss_file_kib(); /* this call faults a few pages back in, far fewer than dropped */
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
