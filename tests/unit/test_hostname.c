/* /etc/hostname: the first non-comment line, trimmed and validated. */
#include <errno.h>

#include "t.h"
#include "hostname.h"

static char base[64], path[128];

static int read_text(const char *text, char *out, size_t cap)
{
	t_write(path, text);
	return hostname_read(path, out, cap);
}

TEST(test_read_good)
{
	char out[80];
	T_EQ_INT(read_text("# written by the installer\n\n   node-1.example.com  \t\nignored\n", out, sizeof out), 0);
	T_EQ_STR(out, "node-1.example.com");
	T_EQ_INT(read_text("plain", out, sizeof out), 0);
	T_EQ_STR(out, "plain");
	T_EQ_INT(read_text("crlf\r\n", out, sizeof out), 0);
	T_EQ_STR(out, "crlf");
}

TEST(test_read_bad)
{
	char out[80];
	T_EQ_INT(read_text("bad_name\n", out, sizeof out), -EINVAL);
	T_EQ_STR(out, "bad_name"); /* copied so the caller can quote it */
	T_EQ_INT(read_text("two words\n", out, sizeof out), -EINVAL);
	T_EQ_INT(read_text("-lead\n", out, sizeof out), -EINVAL);
	T_EQ_INT(read_text("", out, sizeof out), -ENODATA);
	T_EQ_STR(out, "");
	T_EQ_INT(read_text("# only a comment\n\n   \n", out, sizeof out), -ENODATA);
	T_EQ_INT(hostname_read("/nonexistent/ekinit/hostname", out, sizeof out), -ENOENT);
	/* Valid, but does not fit the caller's buffer. */
	char small[4];
	T_EQ_INT(read_text("abcdef\n", small, sizeof small), -EINVAL);
	T_EQ_STR(small, "abc");
}

TEST(test_valid_edges)
{
	char name[80];
	memset(name, 'a', sizeof name);
	name[64] = '\0';
	T_ASSERT(hostname_valid(name));
	name[64] = 'a';
	name[65] = '\0';
	T_ASSERT(!hostname_valid(name));
	T_ASSERT(hostname_valid("a"));
	T_ASSERT(hostname_valid("Node-7.Cluster.local"));
	T_ASSERT(!hostname_valid(""));
	T_ASSERT(!hostname_valid("-node"));
	T_ASSERT(!hostname_valid(".node"));
	T_ASSERT(!hostname_valid("no\nde"));
	T_ASSERT(!hostname_valid("n\xc3\xb6" "de"));
	T_ASSERT(!hostname_valid("node/1"));
}

int main(void)
{
	if (!t_tmpdir(base, sizeof base))
		return 1;
	snprintf(path, sizeof path, "%s/hostname", base);
	T_RUN(test_read_good);
	T_RUN(test_read_bad);
	T_RUN(test_valid_edges);
	t_rmtree(base);
	return T_END();
}
