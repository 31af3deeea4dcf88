/* tmpfiles.d entries applied under a temporary root: d, D, f, f+, L, L+, ':' (only when created), bad
 * lines, missing accounts, unsupported types, and paths that try to leave the root. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "log.h"
#include "tmpfiles.h"

static char dir[64], root[128];
static int logpipe[2];
static char logbuf[8192];

static struct ek_tmpfiles_result apply_text(const char *text)
{
	char conf[160];
	struct ek_tmpfiles_result res = {0};
	snprintf(conf, sizeof conf, "%s/t.conf", dir);
	t_write(conf, text);
	tmpfiles_apply_file(conf, root, &res);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	return res;
}

static mode_t mode_of(const char *rel)
{
	char p[300];
	struct stat st;
	snprintf(p, sizeof p, "%s%s", root, rel);
	return lstat(p, &st) == 0 ? st.st_mode : 0;
}

TEST(test_directories_files_links)
{
	struct ek_tmpfiles_result r = apply_text("# comment\n"
						 "d /run/haproxy 0750 root root -\n"
						 "D /run/deep/er/dir - - - -\n"
						 "f /run/motd 0640 - - - hello\n"
						 "L /run/link - - - - /run/motd\n");
	T_EQ_INT(r.applied, 4);
	T_EQ_INT(r.failed, 0);
	T_ASSERT(S_ISDIR(mode_of("/run/haproxy")));
	T_EQ_INT(mode_of("/run/haproxy") & 07777, 0750);
	T_EQ_INT(mode_of("/run/deep/er/dir") & 07777, 0755);
	T_EQ_INT(mode_of("/run/motd") & 07777, 0640);
	T_ASSERT(S_ISLNK(mode_of("/run/link")));
	char p[300], buf[32];
	snprintf(p, sizeof p, "%s/run/motd", root);
	T_EQ_INT(t_read(p, buf, sizeof buf), 5);
	T_EQ_STR(buf, "hello");
}

TEST(test_existing_entries_kept_or_replaced)
{
	apply_text("f /run/keep 0644 - - - first\nL /run/l - - - - /a\n");
	struct ek_tmpfiles_result r = apply_text("f /run/keep - - - - second\nf+ /run/trunc - - - - new\n"
						 "L /run/l - - - - /b\nL+ /run/l2 - - - - /c\nL+ /run/l - - - - /d\n");
	T_EQ_INT(r.failed, 0);
	char p[300], buf[64];
	snprintf(p, sizeof p, "%s/run/keep", root);
	t_read(p, buf, sizeof buf);
	T_EQ_STR(buf, "first"); /* f does not overwrite */
	snprintf(p, sizeof p, "%s/run/l", root);
	ssize_t n = readlink(p, buf, sizeof buf - 1);
	T_ASSERT(n > 0);
	buf[n] = '\0';
	T_EQ_STR(buf, "/d"); /* L+ replaced it */
}

TEST(test_bad_lines_and_unsupported_types)
{
	struct ek_tmpfiles_result r = apply_text("d\n"
						 "d relative/path\n"
						 "d /run/../../escape\n"
						 "d /run/x 9999\n"
						 "d /run/y - nosuchuser\n"
						 "x /tmp/foo\n"
						 "d %t/spec\n"
						 "d! /run/ok-boot\n");
	T_EQ_INT(r.failed, 5);
	T_EQ_INT(r.unsupported, 2);
	T_EQ_INT(r.applied, 1);
	T_CONTAINS(logbuf, "t.conf:1: expected at least a type and a path");
	T_CONTAINS(logbuf, "t.conf:3: the path must be absolute");
	T_CONTAINS(logbuf, "t.conf:4: mode must be octal");
	/* line 5 names a user the image lacks: not a warning of its own but counted for the summary */
	T_ASSERT(strstr(logbuf, "no such user") == NULL);
	T_EQ_INT(r.no_account, 1);
	T_EQ_STR(r.accounts, "nosuchuser");
	char p[300];
	snprintf(p, sizeof p, "%s/../escape", root);
	T_ASSERT(access(p, F_OK) < 0);
}

/* Entries naming users or groups the image does not have (systemd-sysusers was to create them):
 * one warning names each account once, the count and the first place; numeric ids need no account. */
TEST(test_missing_accounts_one_warning)
{
	char out[512], conf[200];
	struct ek_tmpfiles_result r = {0};
	T_EQ_INT(tmpfiles_accounts_warning(&r, out, sizeof out), 0);
	snprintf(conf, sizeof conf, "%s/t.conf", dir);
	t_write(conf, "d /run/a 0755 root nosuchgroup1\n"
		      "d /run/b 0755 nosuchuser1 -\n"
		      "d /run/c 0755 root nosuchgroup1\n"
		      "d /run/d 0755 4321 4321\n"
		      "z /dev/snd/seq 0660 - nosuchgroup3\n"); /* a type ekinit skips: not looked up */
	T_EQ_INT(tmpfiles_apply_file(conf, root, &r), 0);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_ASSERT(strstr(logbuf, "warning") == NULL);
	T_EQ_INT(r.no_account, 3);
	T_EQ_INT(r.failed, 3);
	T_EQ_INT(r.applied, 1);
	T_EQ_INT(r.unsupported, 1);
	T_EQ_INT(mode_of("/run/a"), 0);
	T_EQ_STR(r.accounts, "nosuchgroup1,nosuchuser1");
	T_ASSERT(tmpfiles_accounts_warning(&r, out, sizeof out) > 0);
	T_CONTAINS(out, "tmpfiles: 3 entries skipped: no user or group named nosuchgroup1, nosuchuser1 in this image");
	T_CONTAINS(out, "(first: ");
	T_CONTAINS(out, "t.conf:1)");
	T_CONTAINS(out, "systemd-sysusers");
	/* More names than fit: the list says so instead of cutting a name in half. */
	struct ek_tmpfiles_result many = {0};
	char text[4096] = "";
	for (int i = 0; i < 40; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "d /run/m%d 0755 root group-number-%02d\n", i, i);
	t_write(conf, text);
	T_EQ_INT(tmpfiles_apply_file(conf, root, &many), 0);
	t_drain(logpipe[0], logbuf, sizeof logbuf);
	T_EQ_INT(many.no_account, 40);
	T_ASSERT(many.accounts_cut);
	T_ASSERT(strlen(many.accounts) < sizeof many.accounts);
	const char *last = strrchr(many.accounts, ',');
	last = last ? last + 1 : many.accounts;
	T_EQ_INT(strlen(last), 15); /* the last name kept is whole: group-number-NN */
	T_ASSERT(!strncmp(last, "group-number-", 13));
	T_ASSERT(tmpfiles_accounts_warning(&many, out, sizeof out) > 0);
	T_CONTAINS(out, ", ... in this image");
	T_CONTAINS(out, last); /* the names' list in the warning is not cut either */
}

/* ':' before a mode, user or group (systemd 254): applied when the entry is created, left alone
 * on one that exists; not part of the name (":0" is uid 0, ":nosuchgroup2" is nosuchgroup2). */
TEST(test_colon_prefixed_only_when_created)
{
	char p[300];
	struct ek_tmpfiles_result r = apply_text("d /run/colon :0750 :0 :0\n"
						 "d /run/colon2 0750 :0 :nosuchgroup2\n");
	T_EQ_INT(r.applied, 1);
	T_EQ_INT(r.no_account, 1);
	T_EQ_STR(r.accounts, "nosuchgroup2");
	T_EQ_INT(mode_of("/run/colon"), S_IFDIR | 0750);
	/* there already: a ':' mode and owner leave it as it is, a plain mode still applies */
	snprintf(p, sizeof p, "%s/run/kept", root);
	T_EQ_INT(mkdir(p, 0711), 0);
	T_EQ_INT(chown(p, 4321, 4321), 0);
	snprintf(p, sizeof p, "%s/run/changed", root);
	T_EQ_INT(mkdir(p, 0711), 0);
	r = apply_text("d /run/kept :0700 :0 :0\nd /run/changed 0700 - -\nf /run/kept/f :0600 :0 :0\n");
	T_EQ_INT(r.failed, 0);
	T_EQ_INT(mode_of("/run/kept"), S_IFDIR | 0711);
	T_EQ_INT(mode_of("/run/changed"), S_IFDIR | 0700);
	T_EQ_INT(mode_of("/run/kept/f"), S_IFREG | 0600);
	struct stat st;
	snprintf(p, sizeof p, "%s/run/kept", root);
	T_EQ_INT(stat(p, &st), 0);
	T_EQ_INT(st.st_uid, 4321);
	r = apply_text("f /run/kept/f :0644 :4321 -\n"); /* exists now: unchanged */
	T_EQ_INT(mode_of("/run/kept/f"), S_IFREG | 0600);
}

/* An existing path that is a symlink (planted by a service in /run, say) is never followed when
 * modes and owners are set: the file it points to keeps its mode. */
TEST(test_symlinks_not_followed)
{
	char target[300], tdir[300], link[300];
	snprintf(target, sizeof target, "%s/outside-file", dir);
	snprintf(tdir, sizeof tdir, "%s/outside-dir", dir);
	t_write(target, "x");
	chmod(target, 0644);
	mkdir(tdir, 0755);
	chmod(tdir, 0755);
	apply_text("d /run 0755\n");
	snprintf(link, sizeof link, "%s/run/evil", root);
	T_EQ_INT(symlink(target, link), 0);
	snprintf(link, sizeof link, "%s/run/evildir", root);
	T_EQ_INT(symlink(tdir, link), 0);
	struct ek_tmpfiles_result r = apply_text("f /run/evil 0600\nd /run/evildir 0700\n");
	T_EQ_INT(r.failed, 2);
	struct stat st;
	T_EQ_INT(stat(target, &st), 0);
	T_EQ_INT(st.st_mode & 07777, 0644);
	T_EQ_INT(stat(tdir, &st), 0);
	T_EQ_INT(st.st_mode & 07777, 0755);
}

int main(void)
{
	if (!t_tmpdir(dir, sizeof dir) || pipe2(logpipe, O_NONBLOCK) < 0)
		return 1;
	snprintf(root, sizeof root, "%s/root", dir);
	mkdir(root, 0755);
	ek_log_set_fd(logpipe[1]);
	T_RUN(test_directories_files_links);
	T_RUN(test_existing_entries_kept_or_replaced);
	T_RUN(test_bad_lines_and_unsupported_types);
	T_RUN(test_symlinks_not_followed);
	T_RUN(test_missing_accounts_one_warning);
	T_RUN(test_colon_prefixed_only_when_created);
	t_rmtree(dir);
	return T_END();
}
