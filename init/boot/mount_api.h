/* The API filesystems every Linux userspace expects, mounted unless already there (the kernel, an
 * earlier init such as Warewulf's wwinit, or a container runtime may have mounted some). */
#ifndef EK_MOUNT_API_H
#define EK_MOUNT_API_H

#include <stdbool.h>
#include <stddef.h>

struct ek_mount_result {
	unsigned mounted, present, failed;
};

/* mountinfo: normally /proc/self/mountinfo. Reports failures as warnings and carries on. */
void mount_api(const char *mountinfo, struct ek_mount_result *res);
/* Is target a mount point according to mountinfo? -errno when the file cannot be read. */
int mount_is_mounted(const char *mountinfo, const char *target);
/* The filesystem type mounted on target (e.g. "rootfs" for the initramfs root); 0 or -errno. */
int mount_fstype(const char *mountinfo, const char *target, char *out, size_t cap);
/* Makes / and everything below it shared (kubelet and containerd rely on mount propagation). */
int mount_make_rshared(void);

#endif
