/* Kernel modules: the names listed in modules-load.d plus a built-in list that every Kubernetes node
 * needs (overlay for containerd's snapshotter, br_netfilter for bridged pod traffic), loaded through
 * libkmod with their dependencies, the way systemd-modules-load does. */
#ifndef EK_MODULES_H
#define EK_MODULES_H

#include <stddef.h>

#define EK_MODULES_MAX 128
#define EK_MODNAME_MAX 64

struct ek_modlist {
	size_t n;
	char name[EK_MODULES_MAX][EK_MODNAME_MAX];
};

extern const char *const ek_modules_load_dirs[];
extern const char *const ek_builtin_modules[];

/* Adds each module named in file to list (duplicates dropped); bad lines are warnings naming
 * file:line. Returns 0 or -errno when the file cannot be read. */
int modules_read_file(const char *path, struct ek_modlist *list);
/* Adds one name; returns 0, 1 if already present, -EINVAL if the name is malformed, -E2BIG if full. */
int modules_add(struct ek_modlist *list, const char *name);
/* Loads every module in list; returns how many failed (each reported as a warning). loaded gets how
 * many were loaded or already present. */
int modules_load(const struct ek_modlist *list, size_t *loaded);

#endif
