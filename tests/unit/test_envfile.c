/* EnvironmentFile= parsing: assignments, quotes, comments, continuations and bad lines. */
#include <errno.h>

#include "t.h"
#include "envfile.h"

static char dir[64];

static const char *envfile(const char *text)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/env", dir);
	t_write(path, text);
	return path;
}

TEST(test_assignments_and_quotes)
{
	struct unit_strv env = {0};
	char errbuf[1024] = "";
	FILE *err = fmemopen(errbuf, sizeof errbuf, "w");
	const char *p = envfile("# comment\n; another\nA=1\n  B = two words  \nC=\"quoted \\\"x\\\" value\"\nD='single # not a comment'\nE=line\\\ncontinued\n\n");
	T_EQ_INT(envfile_read(p, &env, err), 0);
	fclose(err);
	T_EQ_INT(env.n, 5);
	T_EQ_STR(env.v[0], "A=1");
	T_EQ_STR(env.v[1], "B=two words");
	T_EQ_STR(env.v[2], "C=quoted \"x\" value");
	T_EQ_STR(env.v[3], "D=single # not a comment");
	T_EQ_STR(env.v[4], "E=linecontinued");
	T_EQ_STR(errbuf, "");
	unit_strv_free(&env);
}

TEST(test_bad_lines_are_named_and_skipped)
{
	struct unit_strv env = {0};
	char errbuf[2048] = "";
	FILE *err = fmemopen(errbuf, sizeof errbuf, "w");
	const char *p = envfile("GOOD=1\nno equals sign\n1BAD=x\nQ=\"unterminated\nLAST=ok");
	T_EQ_INT(envfile_read(p, &env, err), 0);
	fclose(err);
	T_EQ_INT(env.n, 2);
	T_EQ_STR(env.v[0], "GOOD=1");
	T_EQ_STR(env.v[1], "LAST=ok");
	T_CONTAINS(errbuf, "env:2: expected NAME=value");
	T_CONTAINS(errbuf, "env:3: expected NAME=value");
	T_CONTAINS(errbuf, "env:4: unterminated quote");
	unit_strv_free(&env);
}

TEST(test_nul_byte_and_missing_file)
{
	struct unit_strv env = {0};
	char errbuf[1024] = "";
	FILE *err = fmemopen(errbuf, sizeof errbuf, "w");
	char path[128];
	snprintf(path, sizeof path, "%s/nul", dir);
	FILE *f = fopen(path, "w");
	fwrite("A=1\nB=x\0y\nC=3\n", 1, 14, f);
	fclose(f);
	T_EQ_INT(envfile_read(path, &env, err), 0);
	fclose(err);
	T_EQ_INT(env.n, 2);
	T_EQ_STR(env.v[1], "C=3");
	T_CONTAINS(errbuf, "nul:2: line too long or contains a NUL byte");
	unit_strv_free(&env);
	snprintf(path, sizeof path, "%s/none", dir);
	T_EQ_INT(envfile_read(path, &env, stderr), -ENOENT);
}

int main(void)
{
	if (!t_tmpdir(dir, sizeof dir))
		return 1;
	T_RUN(test_assignments_and_quotes);
	T_RUN(test_bad_lines_are_named_and_skipped);
	T_RUN(test_nul_byte_and_missing_file);
	t_rmtree(dir);
	return T_END();
}
