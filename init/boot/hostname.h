#ifndef EK_HOSTNAME_H
#define EK_HOSTNAME_H

#include <stddef.h>

/* Reads the first line of path (normally /etc/hostname) into out, validated as a hostname (letters,
 * digits, '-' and '.', at most 64 bytes). Returns 0, -errno when unreadable, -ENODATA when empty, -EINVAL for a malformed name. */
int hostname_read(const char *path, char *out, size_t cap);
/* Is s a valid hostname? */
int hostname_valid(const char *s);

#endif
