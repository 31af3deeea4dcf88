#include "hostname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "confdirs.h"

int hostname_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || s[0] == '-' || s[0] == '.')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '.'))
			return 0;
	return 1;
}

int hostname_read(const char *path, char *out, size_t cap)
{
	char line[256];
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	int r = -ENODATA;
	out[0] = '\0';
	/* Like systemd: the first line that is not a comment. The name is copied even when invalid so
	 * that the caller can quote it in the error. */
	while (fgets(line, sizeof line, f)) {
		char *s = conf_trim(line);
		if (!*s || *s == '#')
			continue;
		r = hostname_valid(s) && strlen(s) < cap ? 0 : -EINVAL;
		snprintf(out, cap, "%s", s);
		break;
	}
	fclose(f);
	return r;
}
