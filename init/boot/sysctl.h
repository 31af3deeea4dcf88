/* Kernel parameters from sysctl.d, applied after the modules that create some of them (for example
 * net.bridge.* exists only once br_netfilter is loaded). Same file format and precedence as
 * systemd-sysctl: `key = value`, `-key = value` ignores failure, globs in keys, # and ; comments. */
#ifndef EK_SYSCTL_H
#define EK_SYSCTL_H

#include <stdbool.h>

extern const char *const ek_sysctl_dirs[];

struct ek_sysctl_result {
	unsigned applied;
	unsigned failed;  /* unknown keys and write errors; reported as warnings */
	unsigned skipped; /* not for this namespace (container mode) */
};

/* Applies one file. proc_sys is normally "/proc/sys" (tests point it elsewhere). With net_only
 * (container mode) only net.* keys are written: the others would change the host's kernel. */
int sysctl_apply_file(const char *path, const char *proc_sys, bool net_only, struct ek_sysctl_result *res);

/* Turns a key (net.ipv4.ip_forward or net/ipv4/ip_forward) into a path below proc_sys. Returns 0, or
 * -EINVAL for a key with bytes or parts no sysctl can have. */
int sysctl_key_to_path(const char *key, const char *proc_sys, char *out, unsigned long cap);

#endif
