/* Small file helpers for ek-join. */
#ifndef EKJOIN_FILES_H
#define EKJOIN_FILES_H

#include <stddef.h>
#include <sys/types.h>

/* Reads at most cap-1 bytes of path into buf (NUL-terminated). Length, or -errno (-EFBIG if larger). */
long read_small_file(const char *path, char *buf, size_t cap);
/* Copies src to dst atomically with mode. 0 or -errno, err says which. */
int copy_file_atomic(const char *src, const char *dst, mode_t mode, char *err, size_t errlen);

#endif
