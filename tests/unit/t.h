/* A minimal unit-test harness: each test_*.c defines TEST functions and lists them in main() with
 * T_RUN. A test stops at its first failed check. The program prints one line per test and exits
 * non-zero when any failed; tests/unit/run adds the counts up. A test that cannot run here (no
 * mount namespace, say) calls T_SKIP: it is counted as skipped, never as passed, and the summary
 * line then reads "N passed, N failed, N skipped". */
#ifndef EK_T_H
#define EK_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int t_failed_now, t_skipped_now, t_passed, t_failed, t_skipped;

#define TEST(name) static void name(void)

#define T_FAIL(...)                                                                                \
	do {                                                                                       \
		printf("  %s:%d: ", __FILE__, __LINE__);                                             \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		t_failed_now = 1;                                                                  \
		return;                                                                            \
	} while (0)

/* Ends the test as skipped, saying why (printf-style). */
#define T_SKIP(...)                                                                                \
	do {                                                                                       \
		printf("  skipped: ");                                                             \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		t_skipped_now = 1;                                                                 \
		return;                                                                            \
	} while (0)

#define T_ASSERT(cond)                                                                             \
	do {                                                                                       \
		if (!(cond))                                                                       \
			T_FAIL("assertion failed: %s", #cond);                                     \
	} while (0)

#define T_EQ_INT(a, b)                                                                             \
	do {                                                                                       \
		long long t_a = (long long)(a), t_b = (long long)(b);                              \
		if (t_a != t_b)                                                                    \
			T_FAIL("%s == %lld, expected %s == %lld", #a, t_a, #b, t_b);               \
	} while (0)

#define T_EQ_STR(a, b)                                                                             \
	do {                                                                                       \
		const char *t_a = (a), *t_b = (b);                                                 \
		if (strcmp(t_a, t_b))                                                              \
			T_FAIL("%s is \"%s\", expected \"%s\"", #a, t_a, t_b);                     \
	} while (0)

#define T_CONTAINS(hay, needle)                                                                    \
	do {                                                                                       \
		const char *t_h = (hay), *t_n = (needle);                                          \
		if (!strstr(t_h, t_n))                                                             \
			T_FAIL("%s does not contain \"%s\": \"%s\"", #hay, t_n, t_h);              \
	} while (0)

#define T_RUN(fn)                                                                                  \
	do {                                                                                       \
		t_failed_now = t_skipped_now = 0;                                                  \
		fn();                                                                              \
		if (t_failed_now) {                                                                \
			t_failed++;                                                                \
			printf("FAIL %s\n", #fn);                                                  \
		} else if (t_skipped_now) {                                                        \
			t_skipped++;                                                               \
			printf("skip %s\n", #fn);                                                  \
		} else {                                                                           \
			t_passed++;                                                                \
			printf("ok %s\n", #fn);                                                    \
		}                                                                                  \
	} while (0)

/* The summary line: ", N skipped" only when something was. */
#define T_END()                                                                                    \
	(t_skipped ? printf("%d passed, %d failed, %d skipped\n", t_passed, t_failed, t_skipped)       \
		   : printf("%d passed, %d failed\n", t_passed, t_failed),                          \
	 t_failed ? 1 : 0)

/* A path relative to the test program's own directory (build/unit/): rel "../phylactery" names the
 * program under test beside it, wherever BUILD is. */
static inline char *t_beside_self(char *out, size_t cap, const char *argv0, const char *rel)
{
	const char *slash = strrchr(argv0, '/');
	snprintf(out, cap, "%.*s/%s", slash ? (int)(slash - argv0) : 1, slash ? argv0 : ".", rel);
	return out;
}

/* A fresh temporary directory for a test; removed by t_rmtree. */
static inline char *t_tmpdir(char *buf, size_t cap)
{
	snprintf(buf, cap, "/tmp/ekinit-test-XXXXXX");
	return mkdtemp(buf);
}

static inline void t_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static inline void t_rmtree(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* Reads a whole (small) file into buf, NUL-terminated; returns its length or -1. */
static inline long t_read(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

/* Reads what is waiting in a non-blocking pipe (e.g. captured ekinit log lines), NUL-terminated. */
static inline size_t t_drain(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		if (n + 1 >= cap)
			break;
		long r = (long)read(fd, buf + n, cap - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return n;
}

#endif
