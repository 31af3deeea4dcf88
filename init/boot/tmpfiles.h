/* tmpfiles.d: the directories, files and symlinks that packages declare for /run and /tmp (the
 * subset a diskless node needs at boot: d, D, f, f+, L, L+). With the root in RAM, /run/haproxy and
 * friends exist only if someone creates them on every boot. Other types are counted and skipped. */
#ifndef EK_TMPFILES_H
#define EK_TMPFILES_H

extern const char *const ek_tmpfiles_dirs[];

struct ek_tmpfiles_result {
	unsigned applied;     /* entries created or adjusted */
	unsigned failed;      /* each reported as a warning with file:line */
	unsigned unsupported; /* types ekinit does not implement (debug output) */
};

/* Applies one tmpfiles.d file; root is prepended to every path ("" normally; tests use a temp
 * dir). Returns 0 or -errno when the file cannot be read. */
int tmpfiles_apply_file(const char *path, const char *root, struct ek_tmpfiles_result *res);

#endif
