/* The kernel command line: ekinit.* options set fields, everything else is ignored, mistakes are
 * collected as problems (never fatal). */
#include "t.h"
#include "cmdline.h"

static struct ek_cmdline c;

TEST(test_defaults_and_foreign_words)
{
	cmdline_parse("BOOT_IMAGE=/vmlinuz console=ttyS0,115200 quiet init=/sbin/ekinit shell=1 ekinitx.debug=1\n",
		      &c);
	T_ASSERT(!c.shell);
	T_ASSERT(!c.debug);
	T_EQ_STR(c.brk, "");
	T_EQ_STR(c.role, "");
	T_EQ_STR(c.rootsize, "");
	T_EQ_INT(c.nproblems, 0);
	cmdline_parse("", &c);
	T_EQ_INT(c.nproblems, 0);
}

TEST(test_shell_values)
{
	cmdline_parse("ekinit.shell", &c);
	T_ASSERT(c.shell);
	cmdline_parse("ekinit.shell=1", &c);
	T_ASSERT(c.shell);
	T_EQ_INT(c.nproblems, 0);
	cmdline_parse("ekinit.shell=1 ekinit.shell=0", &c);
	T_ASSERT(!c.shell);
	cmdline_parse("ekinit.shell=yes ekinit.debug=on", &c);
	T_ASSERT(c.shell);
	T_ASSERT(c.debug);
	cmdline_parse("ekinit.shell=maybe", &c);
	T_ASSERT(!c.shell);
	T_EQ_INT(c.nproblems, 1);
	T_EQ_STR(c.problems[0], "ekinit.shell=maybe: expected 0 or 1");
}

TEST(test_debug_break_rootsize_role)
{
	cmdline_parse("quiet ekinit.debug ekinit.break=modules ekinit.rootsize=80% ekinit.role=control", &c);
	T_ASSERT(c.debug);
	T_EQ_STR(c.brk, "modules");
	T_EQ_STR(c.rootsize, "80%");
	T_EQ_STR(c.role, "control");
	T_EQ_INT(c.nproblems, 0);
	cmdline_parse("ekinit.role=worker", &c);
	T_EQ_STR(c.role, "worker");
}

TEST(test_rootmove_copy_or_bind)
{
	cmdline_parse("ekinit.rootmove=bind", &c);
	T_ASSERT(c.rootmove_bind);
	T_EQ_INT(c.nproblems, 0);
	cmdline_parse("ekinit.rootmove=copy", &c);
	T_ASSERT(!c.rootmove_bind);
	cmdline_parse("ekinit.rootmove=zero", &c);
	T_ASSERT(!c.rootmove_bind); /* the default stays */
	T_EQ_INT(c.nproblems, 1);
	T_EQ_STR(c.problems[0], "ekinit.rootmove=zero: expected copy or bind");
}

TEST(test_carrier_timeout_seconds)
{
	cmdline_parse("ekinit.carrier_timeout=45", &c);
	T_EQ_INT(c.carrier_timeout_s, 45);
	T_EQ_INT(c.nproblems, 0);
	cmdline_parse("ekinit.carrier_timeout=0 ekinit.carrier_timeout=601 ekinit.carrier_timeout=5s "
		      "ekinit.carrier_timeout=-1 ekinit.carrier_timeout", &c);
	T_EQ_INT(c.carrier_timeout_s, 0); /* the default stays */
	T_EQ_INT(c.nproblems, 5);
	T_EQ_STR(c.problems[2], "ekinit.carrier_timeout=5s: expected seconds, 1 to 600");
	T_EQ_STR(c.problems[4], "ekinit.carrier_timeout=: expected seconds, 1 to 600");
}

TEST(test_bad_values_are_problems)
{
	cmdline_parse("ekinit.role=bogus ekinit.break= ekinit.rootsize ekinit.foo=1 ekinit.debug=2", &c);
	T_EQ_STR(c.role, "");
	T_EQ_STR(c.brk, "");
	T_EQ_STR(c.rootsize, "");
	T_ASSERT(!c.debug);
	T_EQ_INT(c.nproblems, 5);
	T_EQ_STR(c.problems[0], "ekinit.role=bogus: expected control or worker");
	T_EQ_STR(c.problems[1], "ekinit.break: needs a value");
	T_EQ_STR(c.problems[2], "ekinit.rootsize: needs a value");
	T_EQ_STR(c.problems[3], "unknown option ekinit.foo (ignored)");
	T_EQ_STR(c.problems[4], "ekinit.debug=2: expected 0 or 1");
}

TEST(test_problems_are_capped)
{
	cmdline_parse("ekinit.a ekinit.b ekinit.c ekinit.d ekinit.e ekinit.f ekinit.g ekinit.h ekinit.i ekinit.j", &c);
	T_EQ_INT(c.nproblems, EK_CMDLINE_PROBLEMS_MAX);
	T_EQ_STR(c.problems[7], "unknown option ekinit.h (ignored)");
}

TEST(test_quotes_group_words)
{
	cmdline_parse("quiet \"ekinit.break=a b\" ekinit.shell=1", &c);
	T_EQ_STR(c.brk, "a b");
	T_ASSERT(c.shell);
	T_EQ_INT(c.nproblems, 0);
	cmdline_parse("ekinit.break=\"x y\"\tekinit.debug=1", &c);
	T_EQ_STR(c.brk, "x y");
	T_ASSERT(c.debug);
	/* A quote in a foreign word must not swallow the ekinit option after it. */
	cmdline_parse("dyndbg=\"file x +p\" ekinit.role=worker", &c);
	T_EQ_STR(c.role, "worker");
}

TEST(test_long_words)
{
	static char text[1200];
	/* A value too long for its field. */
	snprintf(text, sizeof text, "ekinit.break=%040d", 0);
	cmdline_parse(text, &c);
	T_EQ_STR(c.brk, "");
	T_EQ_INT(c.nproblems, 1);
	T_CONTAINS(c.problems[0], "value too long");
	/* A word longer than the parser's buffer. */
	strcpy(text, "ekinit.rootsize=");
	memset(text + strlen(text), '9', 1000);
	strcat(text, " ekinit.shell=1");
	cmdline_parse(text, &c);
	T_EQ_STR(c.rootsize, "");
	T_ASSERT(c.shell);
	T_EQ_INT(c.nproblems, 1);
	T_CONTAINS(c.problems[0], "option ekinit.rootsize=9999");
	/* A long foreign word is just ignored. */
	memset(text, 'k', 1000);
	strcpy(text + 1000, " ekinit.debug=1");
	cmdline_parse(text, &c);
	T_ASSERT(c.debug);
	T_EQ_INT(c.nproblems, 0);
}

/* The problem for an over-long word must still say what is wrong: the message is cut at 128 bytes,
 * so a 255-byte word pushes ": too long (ignored)" out of it. */
TEST(test_long_word_problem_says_why)
{
	static char text[1200];
	strcpy(text, "ekinit.rootsize=");
	memset(text + strlen(text), '9', 1000);
	cmdline_parse(text, &c);
	T_EQ_INT(c.nproblems, 1);
	T_CONTAINS(c.problems[0], "too long");
}

int main(void)
{
	T_RUN(test_defaults_and_foreign_words);
	T_RUN(test_shell_values);
	T_RUN(test_debug_break_rootsize_role);
	T_RUN(test_bad_values_are_problems);
	T_RUN(test_problems_are_capped);
	T_RUN(test_quotes_group_words);
	T_RUN(test_rootmove_copy_or_bind);
	T_RUN(test_carrier_timeout_seconds);
	T_RUN(test_long_words);
	T_RUN(test_long_word_problem_says_why);
	return T_END();
}
