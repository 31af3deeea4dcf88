/* libmount through dlopen: opened on first use, answers as libmount does, and gone from the
 * address space after libmount_release (the point: PID 1's resident size). */
#include <libmount.h>
#include <stdio.h>

#include "t.h"
#include "libmount_dl.h"

/* Whether libmount.so is mapped into this process. */
static int mapped(void)
{
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		found |= strstr(line, "/libmount.so") != NULL;
	fclose(f);
	return found;
}

TEST(test_opened_on_first_use_and_released)
{
	T_EQ_INT(mapped(), 0); /* ekinit does not link it */
	T_ASSERT(!libmount_is_open());
	struct libmnt_table *tb = mnt_new_table();
	T_ASSERT(tb != NULL);
	T_ASSERT(libmount_is_open());
	T_EQ_INT(mapped(), 1);
	T_EQ_INT(mnt_table_parse_file(tb, "/proc/self/mountinfo"), 0);
	struct libmnt_fs *root = NULL;
	T_EQ_INT(mnt_table_get_root_fs(tb, &root), 0);
	T_EQ_STR(mnt_fs_get_target(root), "/");
	mnt_unref_table(tb);
	libmount_release();
	T_ASSERT(!libmount_is_open());
	T_EQ_INT(mapped(), 0);
	/* And again after a release. */
	tb = mnt_new_table();
	T_ASSERT(tb != NULL && libmount_is_open());
	T_EQ_INT(mnt_table_parse_file(tb, "/nonexistent/mountinfo") < 0, 1);
	mnt_unref_table(tb);
	libmount_release();
	T_EQ_INT(mapped(), 0);
}

int main(void)
{
	T_RUN(test_opened_on_first_use_and_released);
	return T_END();
}
