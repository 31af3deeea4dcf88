#include "modules.h"

#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <string.h>

#include "confdirs.h"
#include "log.h"

const char *const ek_modules_load_dirs[] = {
	"/etc/modules-load.d", "/run/modules-load.d", "/usr/local/lib/modules-load.d",
	"/usr/lib/modules-load.d", "/lib/modules-load.d", NULL,
};

const char *const ek_builtin_modules[] = {"overlay", "br_netfilter", NULL};

static int name_ok(const char *s)
{
	if (!*s || strlen(s) >= EK_MODNAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return 0;
	return 1;
}

int modules_add(struct ek_modlist *list, const char *name)
{
	if (!name_ok(name))
		return -EINVAL;
	for (size_t i = 0; i < list->n; i++)
		if (!strcmp(list->name[i], name))
			return 1;
	if (list->n == EK_MODULES_MAX)
		return -E2BIG;
	snprintf(list->name[list->n++], EK_MODNAME_MAX, "%s", name);
	return 0;
}

int modules_read_file(const char *path, struct ek_modlist *list)
{
	FILE *f = fopen(path, "re");
	char line[512];
	unsigned lineno = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *s = conf_trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		int r = modules_add(list, s);
		if (r == -EINVAL)
			ek_warn("%s:%u: '%s' is not a module name (ignored)", path, lineno, s);
		else if (r == -E2BIG)
			ek_warn("%s:%u: more than %d modules listed, '%s' ignored", path, lineno, EK_MODULES_MAX, s);
	}
	fclose(f);
	return 0;
}

int modules_load(const struct ek_modlist *list, size_t *loaded)
{
	int failed = 0;
	*loaded = 0;
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		ek_warn("modules: libkmod could not start (no /lib/modules for this kernel?)");
		return (int)list->n;
	}
	/* Without the index files libkmod falls back to slow scans; still works, so only a note. */
	if (kmod_load_resources(ctx) < 0)
		ek_debug("modules: libkmod index not loaded, lookups will be slow");
	for (size_t i = 0; i < list->n; i++) {
		struct kmod_list *found = NULL, *it;
		int r = kmod_module_new_from_lookup(ctx, list->name[i], &found);
		if (r < 0 || !found) {
			ek_warn("modules: %s: not found for this kernel", list->name[i]);
			failed++;
			continue;
		}
		int ok = 0;
		kmod_list_foreach(it, found)
		{
			struct kmod_module *mod = kmod_module_get_module(it);
			r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL, NULL);
			if (r >= 0 || r == -EEXIST)
				ok = 1;
			else
				ek_warn("modules: %s: %s", kmod_module_get_name(mod), strerror(-r));
			kmod_module_unref(mod);
		}
		kmod_module_unref_list(found);
		if (ok)
			(*loaded)++;
		else
			failed++;
	}
	kmod_unref(ctx);
	return failed;
}
