/* Which units are systemd's own (svc_skip.h). */
#include <string.h>

#include "svc_skip.h"

/* By name: prefixes (a template's instances included) and whole names. */
static const char *const prefixes[] = {
	"systemd-", "getty@", "serial-getty@", "container-getty@", "autovt@", "modprobe@",
	"user@", "user-runtime-dir@", "dbus-org.freedesktop.", NULL,
};
static const char *const names[] = {
	"getty.target", "getty-static.service", "console-getty.service", "kmod-static-nodes.service",
	"ldconfig.service", "emergency.service", "rescue.service", "debug-shell.service", NULL,
};

bool svc_systemd_own(const char *name)
{
	for (size_t i = 0; prefixes[i]; i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	for (size_t i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}
