#include "modules.h"

#include <dlfcn.h>
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

/* libkmod is opened only while modules load, and only in a child process (the step runs in one):
 * it pulls in libcrypto, which pins itself in memory once loaded, so PID 1 itself must never map
 * it (its resident size is the point; systemd 256 dlopens libkmod for the same reason). */
struct kmod_api {
	struct kmod_ctx *(*new)(const char *dirname, const char *const *config_paths);
	int (*load_resources)(struct kmod_ctx *ctx);
	int (*lookup)(struct kmod_ctx *ctx, const char *alias, struct kmod_list **list);
	struct kmod_list *(*list_next)(const struct kmod_list *list, const struct kmod_list *curr);
	struct kmod_module *(*get_module)(const struct kmod_list *entry);
	int (*probe)(struct kmod_module *mod, unsigned int flags, const char *extra_options,
		     int (*run_install)(struct kmod_module *m, const char *cmdline, void *data),
		     const void *data, void (*print_action)(struct kmod_module *m, bool install, const char *options));
	const char *(*name)(const struct kmod_module *mod);
	struct kmod_module *(*unref)(struct kmod_module *mod);
	int (*unref_list)(struct kmod_list *list);
	struct kmod_ctx *(*ctx_unref)(struct kmod_ctx *ctx);
};

#define KMOD_SONAME "libkmod.so.2"
/* Tells the image builder (image/mkinitramfs.py) which library to copy along with ekinit although
 * ldd cannot see it. */
__attribute__((used, section(".ekinit.dlopen"))) static const char dlopen_note[] = KMOD_SONAME;

static int kmod_api_open(struct kmod_api *k, void **handle)
{
	*handle = dlopen(KMOD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!*handle)
		return -ENOENT;
	struct {
		void *slot;
		const char *sym;
	} t[] = {
		{&k->new, "kmod_new"},
		{&k->load_resources, "kmod_load_resources"},
		{&k->lookup, "kmod_module_new_from_lookup"},
		{&k->list_next, "kmod_list_next"},
		{&k->get_module, "kmod_module_get_module"},
		{&k->probe, "kmod_module_probe_insert_module"},
		{&k->name, "kmod_module_get_name"},
		{&k->unref, "kmod_module_unref"},
		{&k->unref_list, "kmod_module_unref_list"},
		{&k->ctx_unref, "kmod_unref"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		void *f = dlsym(*handle, t[i].sym);
		if (!f) {
			dlclose(*handle);
			return -ENOSYS;
		}
		memcpy(t[i].slot, &f, sizeof f); /* a function pointer from dlsym's void * */
	}
	return 0;
}

int modules_load(const struct ek_modlist *list, size_t *loaded)
{
	int failed = 0;
	struct kmod_api k;
	void *handle;
	*loaded = 0;
	if (list->n == 0)
		return 0;
	int r = kmod_api_open(&k, &handle);
	if (r < 0) {
		ek_warn("modules: cannot use %s: %s", KMOD_SONAME, r == -ENOENT ? dlerror() : "a symbol is missing");
		return (int)list->n;
	}
	struct kmod_ctx *ctx = k.new(NULL, NULL);
	if (!ctx) {
		ek_warn("modules: libkmod could not start (no /lib/modules for this kernel?)");
		dlclose(handle);
		return (int)list->n;
	}
	/* Without the index files libkmod falls back to slow scans; still works, so only a note. */
	if (k.load_resources(ctx) < 0)
		ek_debug("modules: libkmod index not loaded, lookups will be slow");
	for (size_t i = 0; i < list->n; i++) {
		struct kmod_list *found = NULL;
		r = k.lookup(ctx, list->name[i], &found);
		if (r < 0 || !found) {
			ek_warn("modules: %s: not found for this kernel", list->name[i]);
			failed++;
			continue;
		}
		int ok = 0;
		for (struct kmod_list *it = found; it; it = k.list_next(found, it)) {
			struct kmod_module *mod = k.get_module(it);
			r = k.probe(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL, NULL);
			if (r >= 0 || r == -EEXIST)
				ok = 1;
			else
				ek_warn("modules: %s: %s", k.name(mod), strerror(-r));
			k.unref(mod);
		}
		k.unref_list(found);
		if (ok)
			(*loaded)++;
		else
			failed++;
	}
	k.ctx_unref(ctx);
	dlclose(handle);
	return failed;
}
