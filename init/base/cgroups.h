/* cgroup v2: hand every controller the kernel offers down from the root, so services (and the
 * container runtime with Delegate=yes) can use memory, cpu, pids, io limits. */
#ifndef EK_CGROUPS_H
#define EK_CGROUPS_H

#include <stddef.h>

/* root is normally /sys/fs/cgroup. Writes enabled controllers, space-separated, into enabled.
 * Returns the number of controllers that could not be enabled (each a warning), or -errno when
 * cgroup.controllers cannot be read. */
int cgroups_delegate(const char *root, char *enabled, size_t cap);

/* Writes s to an existing file (cgroup and /proc/sys style: one write). 0 or -errno. */
int write_string_file(const char *path, const char *s);

#endif
