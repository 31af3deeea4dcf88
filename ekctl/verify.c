/* `ekctl verify FILE...` (verify.h). Each FILE is loaded as ekinit would load it, with FILE's own
 * directory as the whole search path, so its NAME.d drop-ins apply too. */
#include "verify.h"
#include "unit_parse.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The PATH a bare program name is looked up in (systemd's fixed default for services). */
#define SERVICE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *const exec_keys[UNIT_EXEC_KINDS] = {"ExecStartPre", "ExecStart",    "ExecStartPost",
						       "ExecReload",   "ExecStop",     "ExecStopPost"};

/* 0 when path (or a bare name in SERVICE_PATH) is executable, else -errno. */
static int executable(const char *path)
{
	if (path[0] == '/')
		return access(path, X_OK) == 0 ? 0 : -errno;
	const char *dirs = SERVICE_PATH;
	while (*dirs) {
		size_t n = strcspn(dirs, ":");
		char full[PATH_MAX];
		snprintf(full, sizeof full, "%.*s/%s", (int)n, dirs, path);
		if (access(full, X_OK) == 0)
			return 0;
		dirs += n + (dirs[n] == ':');
	}
	return -ENOENT;
}

static void check_exec(const struct unit_exec *e, const char *key, struct unit_diag *d)
{
	int r = executable(e->path);
	if (r < 0)
		unit_diag_add(d, false, "%s:%u: %s=: %s is not executable here (%s)", e->file, e->line, key, e->path,
			      strerror(-r));
}

static int verify_one(const char *file, FILE *out)
{
	static struct unit_diag diag;
	char dir[PATH_MAX];
	const char *slash = strrchr(file, '/');
	const char *name = slash ? slash + 1 : file;
	struct unit u;

	if (slash)
		snprintf(dir, sizeof dir, "%.*s", slash == file ? 1 : (int)(slash - file), file);
	else
		snprintf(dir, sizeof dir, ".");
	const char *dirs[] = {dir, NULL};
	unit_diag_init(&diag);
	int r = unit_load(name, dirs, &u, &diag);
	if (r >= 0 || r == -EBADMSG) {
		for (int k = 0; k < UNIT_EXEC_KINDS; k++)
			for (size_t i = 0; i < u.exec[k].n; i++)
				check_exec(&u.exec[k].v[i], exec_keys[k], &diag);
		if (u.ready_probe.kind == UNIT_PROBE_EXEC)
			check_exec(&u.ready_probe.exec, "ReadyProbe", &diag);
	}
	for (size_t i = 0; i < diag.n; i++)
		fprintf(out, "%s\n", diag.msg[i].text);
	if (diag.dropped)
		fprintf(out, "%s: %u more messages not shown\n", file, diag.dropped);
	if (diag.errors || diag.warnings)
		fprintf(out, "%s: %u error%s, %u warning%s\n", file, diag.errors, diag.errors == 1 ? "" : "s",
			diag.warnings, diag.warnings == 1 ? "" : "s");
	unit_free(&u);
	return r < 0 || diag.errors ? 1 : 0;
}

int ekctl_verify(int argc, char *const argv[], FILE *out)
{
	int rc = 0;
	for (int i = 0; i < argc; i++)
		rc |= verify_one(argv[i], out);
	return rc;
}
