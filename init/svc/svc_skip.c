/* Which units are systemd's own (svc_skip.h). */
#include <stdio.h>
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

bool svc_skip_first_report(const char *wants_dir)
{
	static char said[8][256];
	for (size_t i = 0; i < 8; i++) {
		if (!strcmp(said[i], wants_dir))
			return false;
		if (!said[i][0]) {
			snprintf(said[i], sizeof said[i], "%s", wants_dir);
			return true;
		}
	}
	return true;
}

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
