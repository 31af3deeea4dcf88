#include "conf_lines.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "confdirs.h"
#include "log.h"

int conf_read_lines(const char *path, const char *comments, void (*fn)(char *line, unsigned lineno, void *ctx),
		    void *ctx, unsigned *too_long)
{
	FILE *f = fopen(path, "re");
	char line[4096];
	unsigned lineno = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			ek_warn("%s:%u: line too long (ignored)", path, lineno);
			(*too_long)++;
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		char *s = conf_trim(line);
		if (*s && !strchr(comments, *s))
			fn(s, lineno, ctx);
	}
	fclose(f);
	return 0;
}
