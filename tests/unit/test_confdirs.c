/* confdirs: *.conf files from several directories, earlier directories win by name, survivors run
 * in lexical order, a symlink to /dev/null masks a name. */
#include <errno.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "t.h"
#include "confdirs.h"

struct seen {
	int n;
	char paths[16][256];
};

static int collect(const char *path, void *ctx)
{
	struct seen *s = ctx;
	if (s->n < 16)
		snprintf(s->paths[s->n++], sizeof s->paths[0], "%s", path);
	return 0;
}

static char base[64], d1[128], d2[128], d3[128], missing[128];

static void file(const char *dir, const char *name, const char *text)
{
	char p[300];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	t_write(p, text);
}

static const char *rel(const char *path)
{
	return path + strlen(base) + 1;
}

TEST(test_precedence_and_order)
{
	struct seen s = {0};
	const char *const dirs[] = {d1, missing, d2, d3, NULL};
	file(d1, "50-b.conf", "d1");
	file(d2, "50-b.conf", "d2 hidden");
	file(d2, "10-a.conf", "d2");
	file(d3, "99-z.conf", "d3");
	file(d3, "10-a.conf", "d3 hidden");
	file(d3, "20-c.conf", "d3");
	file(d1, "30-notconf.txt", "ignored");
	file(d1, "30-x.conf.bak", "ignored");
	file(d2, ".hidden.conf", "ignored");
	mkdir(missing, 0755);
	rmdir(missing);
	T_EQ_INT(confdirs_each(dirs, collect, &s), 4);
	T_EQ_INT(s.n, 4);
	T_EQ_STR(rel(s.paths[0]), "d2/10-a.conf");
	T_EQ_STR(rel(s.paths[1]), "d3/20-c.conf");
	T_EQ_STR(rel(s.paths[2]), "d1/50-b.conf");
	T_EQ_STR(rel(s.paths[3]), "d3/99-z.conf");
}

TEST(test_dev_null_symlink_masks)
{
	struct seen s = {0};
	const char *const dirs[] = {d1, d2, d3, NULL};
	char p[300];
	snprintf(p, sizeof p, "%s/20-c.conf", d1);
	T_EQ_INT(symlink("/dev/null", p), 0);
	/* A symlink elsewhere is followed as usual. */
	snprintf(p, sizeof p, "%s/60-link.conf", d1);
	T_EQ_INT(symlink("/dev/zero", p), 0);
	T_EQ_INT(confdirs_each(dirs, collect, &s), 4);
	T_EQ_STR(rel(s.paths[0]), "d2/10-a.conf");
	T_EQ_STR(rel(s.paths[1]), "d1/50-b.conf");
	T_EQ_STR(rel(s.paths[2]), "d1/60-link.conf");
	T_EQ_STR(rel(s.paths[3]), "d3/99-z.conf");
}

/* No files at all is the common case (most sysctl.d dirs are missing). Run in a child so that a
 * sanitizer abort shows up as this test failing rather than the whole program dying. */
TEST(test_missing_dirs_and_empty_list)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct seen s = {0};
		const char *const none[] = {NULL};
		const char *const only_missing[] = {missing, "/nonexistent/ekinit-test", NULL};
		int a = confdirs_each(none, collect, &s);
		int b = confdirs_each(only_missing, collect, &s);
		_exit(a == 0 && b == 0 && s.n == 0 ? 0 : 3);
	}
	int status = 0;
	T_ASSERT(pid > 0);
	T_EQ_INT(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		T_FAIL("confdirs_each with no files: child status 0x%x (sanitizer abort or wrong count)", status);
}

TEST(test_conf_trim)
{
	char a[] = "  \t value with inner  space \t \r\n";
	T_EQ_STR(conf_trim(a), "value with inner  space");
	char b[] = "";
	T_EQ_STR(conf_trim(b), "");
	char c[] = " \t \n";
	T_EQ_STR(conf_trim(c), "");
	char d[] = "x";
	T_EQ_STR(conf_trim(d), "x");
}

int main(void)
{
	if (!t_tmpdir(base, sizeof base))
		return 1;
	snprintf(d1, sizeof d1, "%s/d1", base);
	snprintf(d2, sizeof d2, "%s/d2", base);
	snprintf(d3, sizeof d3, "%s/d3", base);
	snprintf(missing, sizeof missing, "%s/missing", base);
	mkdir(d1, 0755);
	mkdir(d2, 0755);
	mkdir(d3, 0755);
	T_RUN(test_precedence_and_order);
	T_RUN(test_dev_null_symlink_masks);
	T_RUN(test_missing_dirs_and_empty_list);
	T_RUN(test_conf_trim);
	t_rmtree(base);
	return T_END();
}
