/* tmpfiles.d: the directories, files and symlinks that packages declare for /run and /tmp (the
 * subset a diskless node needs at boot: d, D, f, f+, L, L+). With the root in RAM, /run/haproxy and
 * friends exist only if someone creates them on every boot. Other types are counted and skipped. */
#ifndef EK_TMPFILES_H
#define EK_TMPFILES_H

#include <stdbool.h>
#include <stddef.h>

extern const char *const ek_tmpfiles_dirs[];

struct ek_tmpfiles_result {
	unsigned applied;     /* entries created or adjusted */
	unsigned failed;      /* each reported as a warning with file:line, except those below */
	unsigned unsupported; /* types ekinit does not implement (debug output) */
	/* Entries naming a user or group the image does not have: on an image whose accounts
	 * systemd-sysusers was to create at boot, systemd's own tmpfiles.d files alone name a dozen.
	 * One cause, one warning (tmpfiles_accounts_warning); each line is debug output. Counted
	 * in failed too. */
	unsigned no_account;
	char accounts[160];      /* the names, each once, comma-separated, as many as fit */
	bool accounts_cut;       /* more names than fit */
	char first_missing[300]; /* file:line of the first such entry */
};

/* Applies one tmpfiles.d file; root is prepended to every path ("" normally; tests use a temp
 * dir). Returns 0 or -errno when the file cannot be read. */
int tmpfiles_apply_file(const char *path, const char *root, struct ek_tmpfiles_result *res);

/* The one warning for every entry that named a missing user or group, into out; returns its length
 * (as snprintf), or 0 when there were none. */
int tmpfiles_accounts_warning(const struct ek_tmpfiles_result *res, char *out, size_t cap);

#endif
