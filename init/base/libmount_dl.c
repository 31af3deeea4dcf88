/* libmount through dlopen (libmount_dl.h). */
#include <dlfcn.h>
#include <errno.h>
#include <libmount.h>
#include <malloc.h>
#include <stddef.h>
#include <string.h>

#include "libmount_dl.h"

#include "log.h"

#define LIBMOUNT_SONAME "libmount.so.1"
/* For the image builder (image/mkinitramfs.py): copy this library although ldd cannot see it. */
__attribute__((used, section(".ekinit.dlopen"))) static const char dlopen_note[] = LIBMOUNT_SONAME;

/* X(return type, name, parameters, arguments, value on failure) for every function ekinit uses;
 * V(...) for those returning nothing. */
#define LIBMOUNT_FUNCS(X, V)                                                                            \
	X(struct libmnt_table *, mnt_new_table, (void), (), NULL)                                       \
	V(mnt_unref_table, (struct libmnt_table * tb), (tb))                                            \
	X(struct libmnt_iter *, mnt_new_iter, (int direction), (direction), NULL)                       \
	V(mnt_free_iter, (struct libmnt_iter * itr), (itr))                                             \
	X(int, mnt_table_parse_file, (struct libmnt_table * tb, const char *filename), (tb, filename), -ENOSYS) \
	X(int, mnt_table_parse_fstab, (struct libmnt_table * tb, const char *filename), (tb, filename), -ENOSYS) \
	X(int, mnt_table_next_fs, (struct libmnt_table * tb, struct libmnt_iter * itr, struct libmnt_fs * *fs), \
	  (tb, itr, fs), 1)                                                                             \
	X(struct libmnt_fs *, mnt_table_find_target, (struct libmnt_table * tb, const char *path, int direction), \
	  (tb, path, direction), NULL)                                                                  \
	X(int, mnt_table_get_root_fs, (struct libmnt_table * tb, struct libmnt_fs * *root), (tb, root), -ENOSYS) \
	X(const char *, mnt_fs_get_target, (struct libmnt_fs * fs), (fs), NULL)                         \
	X(const char *, mnt_fs_get_source, (struct libmnt_fs * fs), (fs), NULL)                         \
	X(const char *, mnt_fs_get_fstype, (struct libmnt_fs * fs), (fs), NULL)                         \
	X(const char *, mnt_fs_get_fs_options, (struct libmnt_fs * fs), (fs), NULL)                     \
	X(const char *, mnt_fs_get_vfs_options, (struct libmnt_fs * fs), (fs), NULL)                    \
	X(const char *, mnt_fs_get_user_options, (struct libmnt_fs * fs), (fs), NULL)                   \
	X(int, mnt_fs_get_option, (struct libmnt_fs * fs, const char *name, char **value, size_t *valsz), \
	  (fs, name, value, valsz), -ENOSYS)                                                            \
	X(int, mnt_fs_get_id, (struct libmnt_fs * fs), (fs), -ENOSYS)                                   \
	X(int, mnt_fs_get_parent_id, (struct libmnt_fs * fs), (fs), -ENOSYS)                            \
	X(int, mnt_fs_is_netfs, (struct libmnt_fs * fs), (fs), 0)                                       \
	X(int, mnt_fs_is_swaparea, (struct libmnt_fs * fs), (fs), 0)                                    \
	X(const struct libmnt_optmap *, mnt_get_builtin_optmap, (int id), (id), NULL)                   \
	X(int, mnt_optstr_get_flags, (const char *optstr, unsigned long *flags, const struct libmnt_optmap *map), \
	  (optstr, flags, map), -ENOSYS)

#define ENUM_X(ret, name, params, args, fail) F_##name,
#define ENUM_V(name, params, args) F_##name,
enum { LIBMOUNT_FUNCS(ENUM_X, ENUM_V) F_COUNT };

#define NAME_X(ret, name, params, args, fail) #name,
#define NAME_V(name, params, args) #name,
static const char *const names[F_COUNT] = {LIBMOUNT_FUNCS(NAME_X, NAME_V)};

static void *handle;
static void *fn[F_COUNT];
static int open_failed; /* said once */

static int load(void)
{
	if (handle)
		return 1;
	void *h = dlopen(LIBMOUNT_SONAME, RTLD_NOW | RTLD_LOCAL);
	for (size_t i = 0; h && i < F_COUNT; i++)
		if (!(fn[i] = dlsym(h, names[i]))) {
			dlclose(h);
			h = NULL;
		}
	if (!h) {
		if (!open_failed++)
			ek_warn("cannot use %s: %s; mount table lookups fail", LIBMOUNT_SONAME, dlerror());
		return 0;
	}
	handle = h;
	return 1;
}

/* A function pointer from dlsym's void * (memcpy: ISO C has no cast between the two). */
#define CALL(ret, name, params, args)                                                                   \
	ret(*f) params;                                                                                 \
	memcpy(&f, &fn[F_##name], sizeof f);                                                             \
	return f args

#define DEF_X(ret, name, params, args, fail)                                                            \
	ret name params                                                                                 \
	{                                                                                               \
		if (!load())                                                                            \
			return fail;                                                                    \
		CALL(ret, name, params, args);                                                          \
	}
#define DEF_V(name, params, args)                                                                       \
	void name params                                                                                \
	{                                                                                               \
		if (!load())                                                                            \
			return;                                                                         \
		CALL(void, name, params, args);                                                         \
	}
LIBMOUNT_FUNCS(DEF_X, DEF_V)

void libmount_release(void)
{
	if (!handle)
		return;
	dlclose(handle);
	handle = NULL;
	malloc_trim(0);
}

int libmount_is_open(void)
{
	return handle != NULL;
}
