#include "confdirs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct entry {
	char name[NAME_MAX + 1];
	char path[PATH_MAX];
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static int seen(const struct entry *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].name, name))
			return 1;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

int confdirs_each(const char *const dirs[], int (*fn)(const char *path, void *ctx), void *ctx)
{
	struct entry *e = NULL;
	size_t n = 0, cap = 0;
	int count = 0;

	for (size_t d = 0; dirs[d]; d++) {
		DIR *dir = opendir(dirs[d]);
		if (!dir)
			continue;
		struct dirent *de;
		while ((de = readdir(dir))) {
			if (de->d_name[0] == '.' || !ends_with(de->d_name, ".conf") || seen(e, n, de->d_name))
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct entry *ne = realloc(e, ncap * sizeof *e);
				if (!ne) {
					closedir(dir);
					free(e);
					return -ENOMEM;
				}
				e = ne;
				cap = ncap;
			}
			snprintf(e[n].name, sizeof e[n].name, "%s", de->d_name);
			if (snprintf(e[n].path, sizeof e[n].path, "%s/%s", dirs[d], de->d_name) >= PATH_MAX)
				continue;
			n++;
		}
		closedir(dir);
	}
	if (n)
		qsort(e, n, sizeof *e, by_name);
	for (size_t i = 0; i < n; i++) {
		char target[16];
		ssize_t l = readlink(e[i].path, target, sizeof target - 1);
		if (l == 9 && !memcmp(target, "/dev/null", 9))
			continue; /* masked */
		fn(e[i].path, ctx);
		count++;
	}
	free(e);
	return count;
}

char *conf_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}
