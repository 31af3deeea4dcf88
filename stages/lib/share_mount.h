/* Is the share mounted? Every stage that acts on the share (the election, the registry, the reset
 * epoch) first waits until its directory is a mount point. Without this, a node whose NFS mount had
 * failed elected itself on its own empty local /share, ran `kubeadm init`, and the rack split into
 * single-node clusters (found when the test manager could not boot: three control nodes, three
 * clusters). */
#ifndef STAGES_SHARE_MOUNT_H
#define STAGES_SHARE_MOUNT_H

#include <stddef.h>

/* 1 when dir is a mount point (its device differs from its parent's, or it is /), 0 when it is a
 * plain directory of the file system above it, -errno (err set) when it cannot be looked at. */
int share_is_mounted(const char *dir, char *err, size_t errlen);

/* Returns once dir is a mount point, after deadline_ms (monotonic milliseconds, 0: never) with
 * -ETIMEDOUT. While it waits it says so once through status(text) and wakes on every change of the
 * mount table (poll on /proc/self/mountinfo), or every few seconds when that cannot be watched. */
int share_wait_mounted(const char *dir, long long deadline_ms, void (*status)(const char *text));

#endif
