/* Leaving the initramfs rootfs: container runtimes pivot_root into their containers, and pivot_root
 * refuses to work when / is the kernel's rootfs. So when / is rootfs, ekinit moves the tree into a
 * tmpfs (tree_move), moves the mounts it already made along, switches root, and re-executes itself
 * from the new root so the old binary's pages are freed too. */
#ifndef EK_ROOT_MOVE_H
#define EK_ROOT_MOVE_H

#include <stddef.h>

#include "timeline.h"

#define EK_NEWROOT "/.ekinit-root"

/* Is / the initramfs rootfs? 1, 0, or -errno (mountinfo unreadable). */
int root_is_rootfs(const char *mountinfo);

/* Copies / into a tmpfs at EK_NEWROOT (size option: tmpfs size=, "" for the kernel's default) and
 * switches root to it. On success the process is in the new root (still the same process; the caller
 * re-executes). On failure everything is put back where it was and / is still the rootfs; detail
 * says why either way. */
enum ek_result root_move(const char *size, char *detail, size_t cap);

#endif
