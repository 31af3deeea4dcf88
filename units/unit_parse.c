/* Loading a unit (unit_parse.h): the search path, alias symlinks, templates, the line loop of
 * systemd.syntax(7) over the main file and its drop-ins, and the checks that make a unit usable. */
#include "unit_parse.h"
#include "confdirs.h"
#include "unit_keys.h"
#include "unit_lex.h"
#include "unit_name.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYMLINK_HOPS 8

const char *const unit_default_dirs[] = {"/etc/ekinit/system", "/etc/systemd/system", "/usr/lib/systemd/system",
					 "/lib/systemd/system", NULL};

void unit_diag_init(struct unit_diag *d)
{
	memset(d, 0, sizeof *d);
}

static void diag_vadd(struct unit_diag *d, bool error, const char *fmt, va_list ap)
{
	if (!d)
		return;
	if (error)
		d->errors++;
	else
		d->warnings++;
	if (d->n >= UNIT_DIAG_MAX) {
		d->dropped++;
		return;
	}
	struct unit_diag_msg *m = &d->msg[d->n++];
	m->error = error;
	vsnprintf(m->text, sizeof m->text, fmt, ap);
	/* The text may quote hostile input: keep each message on one line of printable ASCII. */
	for (char *p = m->text; *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
			*p = '?';
}

void unit_diag_add(struct unit_diag *d, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, error, fmt, ap);
	va_end(ap);
}

void unit_line_error(struct unit_parse_ctx *c, const char *fmt, ...)
{
	char text[UNIT_DIAG_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	unit_diag_add(c->diag, true, "%s:%u: %s", c->file, c->line, text);
}

void unit_line_unsupported(struct unit_parse_ctx *c, const char *what)
{
	struct unit_diag *d = c->diag;
	if (!d)
		return;
	for (size_t i = 0; i < d->nwarned; i++)
		if (!strcmp(d->warned[i], what))
			return;
	if (d->nwarned < UNIT_DIAG_MAX)
		snprintf(d->warned[d->nwarned++], sizeof d->warned[0], "%s", what);
	unit_diag_add(d, false, "%s:%u: %s is not supported by ekinit (ignored)", c->file, c->line, what);
}

/* One logical line: a section header or an assignment. */
static void parse_line(struct unit_parse_ctx *c, char *line)
{
	if (line[0] == '[') {
		size_t n = strlen(line);
		char *close = strchr(line, ']');
		if (!close || close != line + n - 1 || n < 3 || memchr(line + 1, '[', n - 2)) {
			unit_line_error(c, "invalid section header \"%.100s\"", line);
			c->section = SEC_IGNORED; /* its keys would land in the wrong section */
			return;
		}
		*close = '\0';
		c->section = unit_section_of(line + 1);
		if (c->section == SEC_NONE) {
			char what[80];
			snprintf(what, sizeof what, "[%.60s] section", line + 1);
			unit_line_unsupported(c, what);
			c->section = SEC_IGNORED;
		}
		return;
	}
	char *eq = strchr(line, '=');
	if (!eq) {
		unit_line_error(c, "not an assignment (missing '='): \"%.100s\"", line);
		return;
	}
	*eq = '\0';
	char *key = conf_trim(line), *value = conf_trim(eq + 1);
	if (!key[0]) {
		unit_line_error(c, "assignment without a key");
		return;
	}
	if (strcspn(key, " \t") != strlen(key)) {
		unit_line_error(c, "invalid key \"%.100s\"", key);
		return;
	}
	if (c->section == SEC_NONE) {
		unit_line_error(c, "%.100s= outside of a section", key);
		return;
	}
	unit_key_apply(c, key, value);
}

/* Reads a regular file of at most UNIT_FILE_MAX bytes. O_NONBLOCK and the S_ISREG check keep a
 * FIFO or a device named like a unit from hanging the loader. */
static int read_file(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	/* Sized from fstat (one byte more, to see the end), grown if the file grows while read: a
	 * unit is a few hundred bytes, and a 1 MiB buffer per load cost PID 1 an mmap and munmap. */
	size_t cap = (st.st_size < UNIT_FILE_MAX ? (size_t)st.st_size : UNIT_FILE_MAX) + 1;
	char *buf = malloc(cap);
	size_t n = 0;
	int r = buf ? 0 : -ENOMEM;
	while (r == 0 && n <= UNIT_FILE_MAX) {
		if (n == cap) {
			size_t ncap = cap * 2 > UNIT_FILE_MAX + 1 ? UNIT_FILE_MAX + 1 : cap * 2;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			r = -EIO;
		else if (k == 0)
			break;
		else
			n += (size_t)k;
	}
	close(fd);
	if (r == 0 && n > UNIT_FILE_MAX)
		r = -EFBIG;
	if (r < 0) {
		free(buf);
		return r;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int parse_file(struct unit_parse_ctx *c, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int r = read_file(path, &buf, &len);
	c->file = path;
	c->line = 0;
	if (r < 0) {
		unit_diag_add(c->diag, true, "%s: %s", path,
			      r == -EFBIG ? "file is larger than 1 MiB" : r == -EISDIR ? "not a regular file" : strerror(-r));
		return r;
	}
	/* The line has its own buffer: handlers use c->buf and c->word as scratch. */
	char *line = malloc(UNIT_LINE_MAX + 1);
	struct unit_lines l = {.buf = buf, .len = len, .line = line};
	if (!line) {
		free(buf);
		return -ENOMEM;
	}
	c->section = SEC_NONE; /* every file, drop-ins too, starts outside any section */
	const char *text;
	unsigned lineno;
	while ((r = unit_lines_next(&l, &text, &lineno)) != 0) {
		c->line = lineno;
		if (r == -EILSEQ)
			unit_line_error(c, "line contains a NUL byte (ignored)");
		else if (r == -E2BIG)
			unit_line_error(c, "line longer than %d bytes (ignored)", UNIT_LINE_MAX);
		else
			parse_line(c, line);
	}
	free(line);
	free(buf);
	return 0;
}

static int dropin_one(const char *path, void *ctx)
{
	struct unit_parse_ctx *c = ctx;
	if (parse_file(c, path) == 0)
		unit_strv_add(&c->u->dropins, path);
	return 0;
}

/* NAME.d directories for every name the unit goes by, in every search directory, plus the
 * type-wide "service.d"; confdirs_each then lets an earlier directory's file hide a later one of the
 * same name and applies the survivors in file-name order, as systemd does. */
static int apply_dropins(struct unit_parse_ctx *c, const char *const dirs[], const char *requested)
{
	const char *names[5];
	char tmpl_real[UNIT_NAME_MAX + 1], tmpl_req[UNIT_NAME_MAX + 1], type_d[UNIT_NAME_MAX + 1];
	size_t nn = 0, nd = 0;
	const char *dot = strrchr(c->u->name, '.');

	names[nn++] = c->u->name;
	if (strcmp(requested, c->u->name))
		names[nn++] = requested;
	if (unit_name_template(c->u->name, tmpl_real, sizeof tmpl_real) == 0 && strcmp(tmpl_real, c->u->name))
		names[nn++] = tmpl_real;
	if (unit_name_template(requested, tmpl_req, sizeof tmpl_req) == 0 && strcmp(tmpl_req, requested) &&
	    strcmp(tmpl_req, tmpl_real))
		names[nn++] = tmpl_req;
	snprintf(type_d, sizeof type_d, "%s", dot ? dot + 1 : "");
	names[nn++] = type_d;

	while (dirs[nd])
		nd++;
	char **paths = calloc(nd * nn + 1, sizeof *paths);
	int r = paths ? 0 : -ENOMEM;
	size_t np = 0;
	for (size_t d = 0; r == 0 && d < nd; d++)
		for (size_t i = 0; r == 0 && i < nn; i++)
			if (asprintf(&paths[np++], "%s/%s.d", dirs[d], names[i]) < 0) {
				paths[--np] = NULL;
				r = -ENOMEM;
			}
	if (r == 0) {
		int n = confdirs_each((const char *const *)paths, dropin_one, c);
		r = n < 0 ? n : 0;
	}
	for (size_t i = 0; paths && i < np; i++)
		free(paths[i]);
	free(paths);
	return r;
}

/* The file for name: the first directory that has it, else (for an instance) the first that has
 * its template. *via_template says which. */
static int find_file(const char *name, const char *const dirs[], char *path, bool *via_template)
{
	char tmpl[UNIT_NAME_MAX + 1];
	struct stat st;
	bool inst = unit_name_template(name, tmpl, sizeof tmpl) == 0 && strcmp(tmpl, name);

	for (int pass = 0; pass < (inst ? 2 : 1); pass++)
		for (size_t d = 0; dirs[d]; d++) {
			if (snprintf(path, PATH_MAX, "%s/%s", dirs[d], pass ? tmpl : name) >= PATH_MAX)
				continue;
			if (lstat(path, &st) == 0) {
				*via_template = pass == 1;
				return 0;
			}
		}
	return -ENOENT;
}

/* Follows alias symlinks from path. The last link's target names the unit (for an instance found
 * through a template, the target template with the same instance). */
static int follow_links(char *path, char *real, const char *instance, bool via_template)
{
	for (int hop = 0;; hop++) {
		struct stat st;
		if (lstat(path, &st) < 0)
			return -ENOENT; /* a dangling alias */
		if (!S_ISLNK(st.st_mode))
			return 0;
		if (hop == SYMLINK_HOPS)
			return -ELOOP;
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (!strcmp(target, "/dev/null"))
			return -ERFKILL;
		if (target[0] != '/') {
			char *slash = strrchr(path, '/');
			size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
			char joined[PATH_MAX];
			if ((size_t)snprintf(joined, sizeof joined, "%.*s%s", (int)dl, path, target) >= sizeof joined)
				return -ENAMETOOLONG;
			strcpy(path, joined);
		} else {
			strcpy(path, target);
		}
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (!unit_name_valid(base))
			continue; /* a linked file with another kind of name keeps the unit's name */
		char prefix[UNIT_NAME_MAX + 1], inst[UNIT_NAME_MAX + 1], suffix[UNIT_NAME_MAX + 1];
		bool at = unit_name_parts(base, prefix, inst, suffix);
		if (via_template && at && !inst[0]) {
			if (snprintf(real, UNIT_NAME_MAX + 1, "%s@%s%s", prefix, instance, suffix) > UNIT_NAME_MAX)
				return -ENAMETOOLONG;
		} else {
			snprintf(real, UNIT_NAME_MAX + 1, "%s", base);
		}
	}
}

static const char *suffix_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot ? dot : "";
}

/* What makes a service unusable, as systemd refuses it too. */
static int check_service(struct unit_parse_ctx *c)
{
	struct unit *u = c->u;
	size_t starts = u->exec[UNIT_EXEC_START].n;
	int r = 0;

	if (!starts && !u->type_set)
		u->type = UNIT_TYPE_ONESHOT;
	if (!starts && u->type != UNIT_TYPE_ONESHOT) {
		unit_diag_add(c->diag, true, "%s: Type=%s needs an ExecStart= command (only Type=oneshot may omit it)",
			      u->path, unit_type_name(u->type));
		r = -EBADMSG;
	} else if (!starts && !u->exec[UNIT_EXEC_STOP].n) {
		unit_diag_add(c->diag, true, "%s: the service has neither ExecStart= nor ExecStop=", u->path);
		r = -EBADMSG;
	}
	if (starts > 1 && u->type != UNIT_TYPE_ONESHOT) {
		unit_diag_add(c->diag, true, "%s:%u: Type=%s allows only one ExecStart= command (%zu given)",
			      u->exec[UNIT_EXEC_START].v[1].file, u->exec[UNIT_EXEC_START].v[1].line,
			      unit_type_name(u->type), starts);
		r = -EBADMSG;
	}
	if (u->type == UNIT_TYPE_ONESHOT &&
	    (u->restart == UNIT_RESTART_ALWAYS || u->restart == UNIT_RESTART_ON_SUCCESS)) {
		unit_diag_add(c->diag, true, "%s: Restart=%s is not allowed for Type=oneshot", u->path,
			      unit_restart_name(u->restart));
		r = -EBADMSG;
	}
	return r;
}

int unit_load(const char *name, const char *const dirs[], struct unit *u, struct unit_diag *diag)
{
	char path[PATH_MAX], real[UNIT_NAME_MAX + 1];
	char prefix[UNIT_NAME_MAX + 1], instance[UNIT_NAME_MAX + 1], suffix[UNIT_NAME_MAX + 1];
	bool via_template = false;
	int r;

	unit_init(u);
	if (diag)
		diag->nwarned = 0;
	if (!unit_name_valid(name)) {
		unit_diag_add(diag, true, "%.200s: invalid unit name", name);
		return -EINVAL;
	}
	unit_name_parts(name, prefix, instance, suffix);
	snprintf(real, sizeof real, "%s", name);
	r = find_file(name, dirs, path, &via_template);
	if (r == 0)
		r = follow_links(path, real, instance, via_template);
	if (r < 0) {
		unit_diag_add(diag, true, "%s: %s", name,
			      r == -ENOENT ? "no such unit" : r == -ERFKILL ? "unit is masked" :
			      r == -ELOOP ? "too many levels of symbolic links" : strerror(-r));
		return r;
	}
	if (strcmp(suffix_of(real), suffix)) {
		unit_diag_add(diag, true, "%s: alias of %s, a unit of another type", name, real);
		return -EINVAL;
	}
	if (!(u->name = strdup(real)) || !(u->path = strdup(path)) ||
	    (strcmp(real, name) && unit_strv_add(&u->aliases, name) < 0))
		return -ENOMEM;
	unit_name_parts(real, prefix, instance, suffix);
	if (instance[0] && !(u->instance = strdup(instance)))
		return -ENOMEM;

	struct unit_parse_ctx c = {.u = u, .diag = diag, .spec = {.name = u->name}};
	c.buf = malloc(UNIT_LINE_MAX + 1);
	c.word = malloc(UNIT_LINE_MAX + 1);
	if (!c.buf || !c.word) {
		r = -ENOMEM;
		goto out;
	}
	r = parse_file(&c, path);
	if (r < 0) {
		r = r == -ENOMEM ? r : r == -EFBIG ? -EFBIG : -EIO;
		goto out;
	}
	r = apply_dropins(&c, dirs, name);
	if (r == 0 && !strcmp(suffix, ".service"))
		r = check_service(&c);
	/* systemd's default: a oneshot has no start timeout (ek-join's `kubeadm init` may take minutes
	 * under load), every other type 90 s. An explicit TimeoutStartSec= or TimeoutSec= wins. */
	if (u->timeout_start == UNIT_TIMEOUT_DEFAULT)
		u->timeout_start = u->type == UNIT_TYPE_ONESHOT ? UNIT_INFINITY : 90 * 1000000ULL;
out:
	free(c.buf);
	free(c.word);
	return r;
}
