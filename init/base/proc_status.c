#include "proc_status.h"

#include <stdio.h>
#include <string.h>

long proc_file_kib(const char *path, const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long kib = -1;
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			if (sscanf(line + kl + 1, " %ld", &kib) != 1 || kib < 0)
				kib = -1;
			break;
		}
	fclose(f);
	return kib;
}

long proc_self_status_kib(const char *key)
{
	return proc_file_kib("/proc/self/status", key);
}

long proc_meminfo_kib(const char *key)
{
	return proc_file_kib("/proc/meminfo", key);
}
