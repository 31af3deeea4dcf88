#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "share.h"
#include "valid.h"

bool snapshot_name_time(const char *name, long long *t)
{
	size_t pl = strlen(SNAPSHOT_PREFIX), sl = strlen(SNAPSHOT_SUFFIX), len = strlen(name);
	if (len <= pl + sl || len > pl + sl + 19 || strncmp(name, SNAPSHOT_PREFIX, pl) ||
	    strcmp(name + len - sl, SNAPSHOT_SUFFIX))
		return false;
	char num[24];
	snprintf(num, sizeof num, "%.*s", (int)(len - pl - sl), name + pl);
	unsigned long long v;
	if (!valid_uint(num, 1, 1ULL << 62, &v))
		return false;
	*t = (long long)v;
	return true;
}

static int newest_first(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

int snapshot_list(const char *dir, long long *times, int max, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(e));
		return -e;
	}
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < max) {
		long long t;
		if (snapshot_name_time(de->d_name, &t))
			times[n++] = t;
	}
	closedir(d);
	qsort(times, (size_t)n, sizeof times[0], newest_first);
	return n;
}

int file_sha256(const char *path, char out[65], char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	ssize_t n = -1;
	int r = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ? 0 : -ENOMEM;
	while (r == 0 && (n = read(fd, buf, sizeof buf)) > 0)
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			r = -EIO;
	if (r == 0 && n < 0)
		r = -errno;
	if (r == 0 && !EVP_DigestFinal_ex(ctx, md, &mdlen))
		r = -EIO;
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot checksum: %s", path, strerror(-r));
		return r;
	}
	for (unsigned i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int snapshot_checksum_ok(const char *path, char *err, size_t errlen)
{
	char sum_path[600], want[80], have[65];
	snprintf(sum_path, sizeof sum_path, "%s.sha256", path);
	int fd = open(sum_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", sum_path, strerror(e));
		return -e;
	}
	ssize_t n = read(fd, want, sizeof want - 1);
	close(fd);
	want[n > 0 ? n : 0] = '\0';
	if (n == 65 && want[64] == '\n')
		want[64] = '\0';
	if (!valid_hex(want, 64)) {
		snprintf(err, errlen, "%s: expected 64 hex digits and a newline", sum_path);
		return -EBADMSG;
	}
	int r = file_sha256(path, have, err, errlen);
	if (r < 0)
		return r;
	if (strcmp(want, have)) {
		snprintf(err, errlen, "%s: checksum mismatch (torn or altered snapshot)", path);
		return -EBADMSG;
	}
	return 0;
}

int snapshot_checksum_write(const char *path, char *err, size_t errlen)
{
	char sum[66], sum_path[600];
	int r = file_sha256(path, sum, err, errlen);
	if (r < 0)
		return r;
	sum[64] = '\n';
	snprintf(sum_path, sizeof sum_path, "%s.sha256", path);
	return share_write_atomic(sum_path, sum, 65, 0600, err, errlen);
}

static void snapshot_path(const char *dir, long long t, char *out, size_t cap)
{
	snprintf(out, cap, "%s/" SNAPSHOT_PREFIX "%lld" SNAPSHOT_SUFFIX, dir, t);
}

int snapshot_prune(const char *dir, int keep)
{
	static long long times[SNAPSHOTS_MAX];
	char err[200], path[600], sum[620];
	int n = snapshot_list(dir, times, SNAPSHOTS_MAX, err, sizeof err), removed = 0;
	for (int i = keep; i < n; i++) {
		snapshot_path(dir, times[i], path, sizeof path);
		snprintf(sum, sizeof sum, "%s.sha256", path);
		if (unlink(path) == 0)
			removed++;
		unlink(sum);
	}
	return removed;
}

int snapshot_newest_valid(const char *dir, int (*check)(const char *path, char *err, size_t errlen), char *path,
			  size_t cap, char *err, size_t errlen)
{
	static long long times[SNAPSHOTS_MAX];
	char why[300] = "no snapshot";
	int n = snapshot_list(dir, times, SNAPSHOTS_MAX, err, errlen);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		snapshot_path(dir, times[i], path, cap);
		if (snapshot_checksum_ok(path, why, sizeof why) == 0 && (!check || check(path, why, sizeof why) == 0))
			return 0;
		fprintf(stderr, "snapshot: skipped: %s\n", why);
	}
	snprintf(err, errlen, "%s: no snapshot verifies (last problem: %s)", dir, why);
	path[0] = '\0';
	return -ENOENT;
}

int snapshot_etcdctl_status(const char *path, char *err, size_t errlen)
{
	char *argv[] = {"etcdctl", "snapshot", "status", (char *)path, "--write-out=json", NULL}, out[2048], why[200];
	struct run_result res;
	if (run_cmd(argv, 60000, out, sizeof out, &res, why, sizeof why) < 0) {
		snprintf(err, errlen, "etcdctl: %s", why);
		return -ENOENT;
	}
	if (res.timed_out || res.exit_code) {
		snprintf(err, errlen, "%s: etcdctl snapshot status failed (exit %d)", path, res.exit_code);
		return -EBADMSG;
	}
	return 0;
}
