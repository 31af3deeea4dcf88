#include "tmpfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_lines.h"
#include "confdirs.h"
#include "log.h"

const char *const ek_tmpfiles_dirs[] = {
	"/etc/tmpfiles.d", "/run/tmpfiles.d", "/usr/local/lib/tmpfiles.d", "/usr/lib/tmpfiles.d", "/lib/tmpfiles.d", NULL,
};

struct entry {
	char type;
	bool plus;         /* f+ truncates, L+ replaces */
	bool ignore_errors; /* '-' modifier */
	char path[1024];
	mode_t mode;
	bool mode_set;
	uid_t uid;
	gid_t gid;
	bool uid_set, gid_set;
	/* ':' before the mode, user or group: applied only when the entry is created (systemd 254) */
	bool mode_on_create, uid_on_create, gid_on_create;
	const char *arg;
	const char *missing; /* the user or group name that does not exist (into the parsed line) */
};

static bool path_ok(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return false;
	/* no ".." part: the entry must not climb out of root */
	for (const char *part = p + 1;;) {
		size_t len = strcspn(part, "/");
		if (len == 2 && part[0] == '.' && part[1] == '.')
			return false;
		if (!part[len])
			return true;
		part += len + 1;
	}
}

static int owner(const char *field, bool user, unsigned *out)
{
	char *end;
	unsigned long n = strtoul(field, &end, 10);
	if (*field && !*end) {
		*out = (unsigned)n;
		return 0;
	}
	if (user) {
		struct passwd *pw = getpwnam(field);
		if (!pw)
			return -ENOENT;
		*out = pw->pw_uid;
	} else {
		struct group *gr = getgrnam(field);
		if (!gr)
			return -ENOENT;
		*out = gr->gr_gid;
	}
	return 0;
}

static int mkdir_parents(char *path)
{
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			int r = mkdir(path, 0755);
			*p = '/';
			if (r < 0 && errno != EEXIST)
				return -errno;
		}
	return 0;
}

/* Sets mode and owner on what is at path now, never through a symlink: the path is pinned with
 * O_PATH|O_NOFOLLOW and must be the kind the entry makes (a directory for d, a regular file for
 * f); it is then opened for the change without following a link or blocking (a FIFO swapped in),
 * and must still be the same inode. */
static int adjust(const struct entry *e, const char *path, bool want_dir)
{
	if (!e->mode_set && !e->uid_set && !e->gid_set)
		return 0;
	struct stat pinned, st;
	int pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	int r = fstat(pfd, &pinned) < 0 ? -errno : 0;
	close(pfd);
	if (r < 0)
		return r;
	if (S_ISLNK(pinned.st_mode))
		return -ELOOP;
	if (want_dir ? !S_ISDIR(pinned.st_mode) : !S_ISREG(pinned.st_mode))
		return want_dir ? -ENOTDIR : -EINVAL;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (want_dir ? O_DIRECTORY : 0));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_dev != pinned.st_dev || st.st_ino != pinned.st_ino)
		r = -EAGAIN; /* swapped under us */
	else if (e->mode_set && fchmod(fd, e->mode) < 0)
		r = -errno;
	else if ((e->uid_set || e->gid_set) &&
		 fchown(fd, e->uid_set ? e->uid : (uid_t)-1, e->gid_set ? e->gid : (gid_t)-1) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* An entry that was there already keeps what a ':' entry only sets on creation. */
static int adjust_existing(const struct entry *e, const char *path, bool want_dir)
{
	struct entry x = *e;
	x.mode_set = x.mode_set && !x.mode_on_create;
	x.uid_set = x.uid_set && !x.uid_on_create;
	x.gid_set = x.gid_set && !x.gid_on_create;
	return adjust(&x, path, want_dir);
}

static int apply(const struct entry *e, const char *root)
{
	char path[1200];
	if (snprintf(path, sizeof path, "%s%s", root, e->path) >= (int)sizeof path)
		return -ENAMETOOLONG;
	int r = mkdir_parents(path);
	if (r < 0)
		return r;
	switch (e->type) {
	case 'd':
	case 'D':
		if (mkdir(path, e->mode_set ? e->mode : 0755) < 0) {
			struct stat st;
			if (errno != EEXIST)
				return -errno;
			if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
				return -ENOTDIR;
			return adjust_existing(e, path, true);
		}
		return adjust(e, path, true);
	case 'f': {
		int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (e->plus ? O_TRUNC : O_EXCL);
		int fd = open(path, flags, e->mode_set ? e->mode : 0644);
		if (fd < 0)
			return errno == EEXIST ? adjust_existing(e, path, false) : -errno;
		if (e->arg && *e->arg && write(fd, e->arg, strlen(e->arg)) < 0)
			r = -errno;
		close(fd);
		return r < 0 ? r : adjust(e, path, false);
	}
	case 'L':
		if (!e->arg || !*e->arg)
			return -EINVAL;
		if (symlink(e->arg, path) == 0)
			return 0;
		if (errno != EEXIST || !e->plus)
			return errno == EEXIST ? 0 : -errno;
		if (unlink(path) < 0 || symlink(e->arg, path) < 0)
			return -errno;
		return 0;
	}
	return -EOPNOTSUPP;
}

/* "Type Path Mode User Group Age Argument"; "-" leaves a field at its default. */
static int parse(char *line, struct entry *e, const char **why)
{
	char *f[6];
	char *p = line;
	memset(e, 0, sizeof *e);
	for (int i = 0; i < 6; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		f[i] = *p ? p : NULL;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	while (*p == ' ' || *p == '\t')
		p++;
	e->arg = *p ? p : NULL;
	if (!f[0] || !f[1]) {
		*why = "expected at least a type and a path";
		return -EINVAL;
	}
	e->type = f[0][0];
	for (const char *m = f[0] + 1; *m; m++) {
		if (*m == '+')
			e->plus = true;
		else if (*m == '-')
			e->ignore_errors = true;
		else if (*m != '!' && *m != '=' && *m != '~' && *m != '^') {
			*why = "unknown type modifier";
			return -EINVAL;
		}
	}
	if (strchr(f[1], '%')) {
		*why = "specifiers in paths are not supported";
		return -EOPNOTSUPP;
	}
	if (!path_ok(f[1]) || strlen(f[1]) >= sizeof e->path) {
		*why = "the path must be absolute, without '..' or control bytes";
		return -EINVAL;
	}
	strcpy(e->path, f[1]);
	if (f[2] && strcmp(f[2], "-")) {
		char *end;
		e->mode_on_create = f[2][0] == ':';
		const char *m = f[2][0] == '~' || f[2][0] == ':' ? f[2] + 1 : f[2];
		unsigned long mode = strtoul(m, &end, 8);
		if (*end || mode > 07777) {
			*why = "mode must be octal, at most 07777";
			return -EINVAL;
		}
		e->mode = (mode_t)mode;
		e->mode_set = true;
	}
	/* A type ekinit skips is skipped before its accounts are looked up: a missing group on a line
	 * that would not be applied anyway (systemd's 'z /dev/snd/seq 0660 - audio') is nothing to act on. */
	if (!strchr("dDfL", e->type))
		return -EOPNOTSUPP;
	unsigned id;
	/* A ':' before the user or group, as before the mode, means "only when created" (systemd 254):
	 * it is not part of the name. */
	if (f[3] && f[3][0] == ':') {
		e->uid_on_create = true;
		f[3]++;
	}
	if (f[4] && f[4][0] == ':') {
		e->gid_on_create = true;
		f[4]++;
	}
	if (f[3] && strcmp(f[3], "-")) {
		if (owner(f[3], true, &id) < 0) {
			*why = "no such user";
			e->missing = f[3];
			return -ESRCH;
		}
		e->uid = id;
		e->uid_set = true;
	}
	if (f[4] && strcmp(f[4], "-")) {
		if (owner(f[4], false, &id) < 0) {
			*why = "no such group";
			e->missing = f[4];
			return -ESRCH;
		}
		e->gid = id;
		e->gid_set = true;
	}
	if (e->arg && !strcmp(e->arg, "-"))
		e->arg = NULL;
	return 0;
}

struct tmpfiles_file {
	const char *path, *root;
	struct ek_tmpfiles_result *res;
};

/* An entry naming a user or group the image lacks: counted, the name kept once, the place of the
 * first kept; tmpfiles_accounts_warning says it all in one line. */
static void note_missing_account(struct ek_tmpfiles_result *res, const char *name, const char *path,
				 unsigned lineno)
{
	size_t len = strlen(res->accounts), n = strlen(name);
	res->no_account++;
	if (!res->first_missing[0])
		snprintf(res->first_missing, sizeof res->first_missing, "%s:%u", path, lineno);
	for (const char *a = res->accounts; *a;) {
		size_t al = strcspn(a, ",");
		if (al == n && !strncmp(a, name, n))
			return;
		a += al + (a[al] == ',');
	}
	if (len + (len ? 1 : 0) + n < sizeof res->accounts)
		snprintf(res->accounts + len, sizeof res->accounts - len, "%s%s", len ? "," : "", name);
	else
		res->accounts_cut = true;
}

int tmpfiles_accounts_warning(const struct ek_tmpfiles_result *res, char *out, size_t cap)
{
	if (!res->no_account)
		return 0;
	char names[2 * sizeof res->accounts]; /* every ',' becomes ", ": never cut */
	size_t o = 0;
	for (const char *a = res->accounts; *a && o + 2 < sizeof names; a++)
		o += (size_t)snprintf(names + o, sizeof names - o, *a == ',' ? ", " : "%c", *a);
	return snprintf(out, cap,
			"tmpfiles: %u %s skipped: no user or group named %s%s in this image (first: %s); "
			"create them in the image (systemd-sysusers does, from /usr/lib/sysusers.d)",
			res->no_account, res->no_account == 1 ? "entry" : "entries", names,
			res->accounts_cut ? ", ..." : "", res->first_missing);
}

static void tmpfiles_line(char *s, unsigned lineno, void *p)
{
	struct tmpfiles_file *c = p;
	struct entry e = {0};
	const char *why = "";
	int r = parse(s, &e, &why);
	if (r == -ESRCH && e.missing) {
		ek_debug("%s:%u: %s %s (skipped)", c->path, lineno, why, e.missing);
		note_missing_account(c->res, e.missing, c->path, lineno);
		c->res->failed++;
		return;
	}
	if (r == -EOPNOTSUPP) {
		ek_debug("%s:%u: %s (skipped)", c->path, lineno, why[0] ? why : "type not supported by ekinit");
		c->res->unsupported++;
		return;
	}
	if (r < 0) {
		ek_warn("%s:%u: %s (ignored)", c->path, lineno, why);
		c->res->failed++;
		return;
	}
	r = apply(&e, c->root);
	if (r == 0)
		c->res->applied++;
	else if (!e.ignore_errors) {
		ek_warn("%s:%u: %s: %s", c->path, lineno, e.path, strerror(-r));
		c->res->failed++;
	}
}

int tmpfiles_apply_file(const char *path, const char *root, struct ek_tmpfiles_result *res)
{
	struct tmpfiles_file c = {path, root, res};
	return conf_read_lines(path, "#", tmpfiles_line, &c, &res->failed);
}
