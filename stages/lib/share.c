#include "share.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kv.h"
#include "valid.h"

#define ENTRY_TEXT_MAX 512

/* A temporary name next to path, unique across the nodes sharing the directory (pids repeat from
 * node to node, random bytes do not). */
static int tmp_name(const char *path, char *out, size_t cap)
{
	unsigned char rnd[8];
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return -EIO;
	int n = snprintf(out, cap, "%s.tmp.%02x%02x%02x%02x%02x%02x%02x%02x", path, rnd[0], rnd[1], rnd[2], rnd[3],
			 rnd[4], rnd[5], rnd[6], rnd[7]);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int write_tmp(const char *path, char *tmp, size_t tmpcap, const char *data, size_t len, mode_t mode,
		     char *err, size_t errlen)
{
	int r = tmp_name(path, tmp, tmpcap);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot make a temporary name: %s", path, strerror(-r));
		return r;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(-r));
		return r;
	}
	/* The umask must not widen or narrow what the protocol says (0600 for secrets). */
	if (fchmod(fd, mode) < 0)
		r = -errno;
	for (size_t off = 0; !r && off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			r = w < 0 ? -errno : -EIO;
		else
			off += (size_t)w;
	}
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (r) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(-r));
		unlink(tmp);
	}
	return r;
}

int share_write_atomic(const char *path, const char *data, size_t len, mode_t mode, char *err, size_t errlen)
{
	char tmp[512];
	int r = write_tmp(path, tmp, sizeof tmp, data, len, mode, err, errlen);
	if (r < 0)
		return r;
	if (rename(tmp, path) < 0) {
		r = -errno;
		snprintf(err, errlen, "rename %s to %s: %s", tmp, path, strerror(-r));
		unlink(tmp);
	}
	return r;
}

int share_create_exclusive(const char *path, const char *data, size_t len, mode_t mode, char *err, size_t errlen)
{
	char tmp[512];
	int r = write_tmp(path, tmp, sizeof tmp, data, len, mode, err, errlen);
	if (r < 0)
		return r;
	if (link(tmp, path) < 0) {
		r = -errno;
		if (r != -EEXIST)
			snprintf(err, errlen, "link %s to %s: %s", tmp, path, strerror(-r));
		else
			snprintf(err, errlen, "%s exists", path);
	}
	unlink(tmp);
	return r;
}

int share_entry_format(const struct share_entry *e, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "name=%s\nip=%s\nboot_id=%s\ntime=%lld\n", e->name, e->ip, e->boot_id, e->time);
	if (n >= 0 && (size_t)n < cap && e->lease)
		n += snprintf(buf + n, cap - (size_t)n, "lease=%u\n", e->lease);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

struct entry_state {
	struct share_entry *e;
	unsigned seen;
};

static int entry_line(const char *section, const char *key, const char *value, unsigned lineno, void *ctx,
		      char *err, size_t errlen)
{
	(void)section;
	(void)lineno;
	struct entry_state *st = ctx;
	struct share_entry *e = st->e;
	unsigned long long n;
	unsigned bit;
	bool ok;
	if (!strcmp(key, "name")) {
		bit = 1, ok = valid_node_name(value);
		if (ok)
			snprintf(e->name, sizeof e->name, "%s", value);
	} else if (!strcmp(key, "ip")) {
		bit = 2, ok = valid_ipv4(value, NULL);
		if (ok)
			snprintf(e->ip, sizeof e->ip, "%s", value);
	} else if (!strcmp(key, "boot_id")) {
		bit = 4, ok = valid_uuid(value);
		if (ok)
			snprintf(e->boot_id, sizeof e->boot_id, "%s", value);
	} else if (!strcmp(key, "time")) {
		bit = 8, ok = valid_uint(value, 0, 1ULL << 40, &n);
		if (ok)
			e->time = (long long)n;
	} else if (!strcmp(key, "lease")) {
		bit = 16, ok = valid_uint(value, 1, 86400, &n);
		if (ok)
			e->lease = (unsigned)n;
	} else {
		return 0; /* later versions may add keys */
	}
	if (!ok || (st->seen & bit)) {
		snprintf(err, errlen, "%s: %s '%.60s'", key, ok ? "repeated" : "invalid", value);
		return -EBADMSG;
	}
	st->seen |= bit;
	return 0;
}

int share_entry_parse(const char *name, const char *text, struct share_entry *e, char *err, size_t errlen)
{
	struct entry_state st = {.e = e};
	memset(e, 0, sizeof *e);
	int r = kv_parse(name, text, entry_line, &st, err, errlen);
	if (r < 0)
		return -EBADMSG;
	if ((st.seen & 15) != 15) {
		snprintf(err, errlen, "%s: expected name=, ip=, boot_id= and time= lines", name);
		return -EBADMSG;
	}
	return 0;
}

int share_entry_read(const char *path, struct share_entry *e, char *err, size_t errlen)
{
	char text[ENTRY_TEXT_MAX + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	ssize_t n = read(fd, text, sizeof text);
	int r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (n > ENTRY_TEXT_MAX || memchr(text, '\0', (size_t)n)) {
		snprintf(err, errlen, "%s: not a share entry (too long or binary)", path);
		return -EBADMSG;
	}
	text[n] = '\0';
	return share_entry_parse(path, text, e, err, errlen);
}

static bool live(long long time, unsigned lease, long long now)
{
	/* A time in the future (another node's clock ahead of ours) counts as live: taking over a lease
	 * that may be held is the one mistake this protocol must not make. */
	return now - time <= (long long)lease;
}

static void path_in(char *out, size_t cap, const char *share, const char *name)
{
	snprintf(out, cap, "%s/%s", share, name);
}

/* Holding leader.takeover: moves the stale leader aside and creates ours. CLAIM_WON, CLAIM_HELD
 * (someone else got there first), -EAGAIN (look again), or -errno. */
static int take_over(const char *leader, const char *stale, const char *text, size_t len, bool judged_garbage,
		     long long judged_time, const struct share_entry *me, long long now, char *err, size_t errlen)
{
	char lock[440], why[256];
	snprintf(lock, sizeof lock, "%s.takeover", leader);
	int r = share_create_exclusive(lock, text, len, 0644, err, errlen);
	if (r == -EEXIST) {
		struct stat st;
		/* A taker that died half-way leaves its lock: after a lease it is removed. */
		if (stat(lock, &st) == 0 && !live(st.st_mtime, me->lease, now)) {
			char aside[500];
			snprintf(aside, sizeof aside, "%s.stale.%s", lock, me->boot_id);
			rename(lock, aside);
			return -EAGAIN;
		}
		return CLAIM_HELD;
	}
	if (r < 0)
		return r;
	/* Still the file we judged stale? (its owner may have refreshed it meanwhile) */
	struct share_entry cur;
	struct stat st;
	int cr = share_entry_read(leader, &cur, why, sizeof why);
	bool same = cr == -ENOENT ||
		    (judged_garbage ? cr < 0 && stat(leader, &st) == 0 && st.st_mtime == judged_time
				    : cr == 0 && cur.time == judged_time);
	r = -EAGAIN;
	if (same && cr != -ENOENT && rename(leader, stale) < 0 && errno != ENOENT) {
		r = -errno;
		snprintf(err, errlen, "rename %s to %s: %s", leader, stale, strerror(-r));
	} else if (same) {
		r = share_create_exclusive(leader, text, len, 0644, err, errlen);
		r = r == 0 ? CLAIM_WON : r == -EEXIST ? -EAGAIN : r;
	}
	unlink(lock);
	return r;
}

int share_lease_claim(const char *share, const char *file, const struct share_entry *me, long long now,
		      struct share_entry *holder, char *err, size_t errlen)
{
	char leader[400], stale[480], text[ENTRY_TEXT_MAX], why[256];
	struct share_entry mine = *me;
	mine.time = now;
	int len = share_entry_format(&mine, text, sizeof text);
	if (len < 0) {
		snprintf(err, errlen, "%s entry too long", file);
		return len;
	}
	path_in(leader, sizeof leader, share, file);
	snprintf(stale, sizeof stale, "%s.stale.%s", leader, me->boot_id);

	for (int attempt = 0; attempt < 8; attempt++) {
		int r = share_create_exclusive(leader, text, (size_t)len, 0644, err, errlen);
		if (r == 0) {
			*holder = mine;
			return CLAIM_WON;
		}
		if (r != -EEXIST)
			return r;
		struct stat st;
		r = share_entry_read(leader, holder, why, sizeof why);
		if (r == -ENOENT)
			continue; /* taken over or removed meanwhile: try to create it */
		bool judged_garbage = r < 0;
		long long judged_time;
		if (!judged_garbage) {
			/* Ours already: a restarted ek-join, or an NFS link() whose reply was lost and retried. */
			if (!strcmp(holder->boot_id, me->boot_id) && !strcmp(holder->name, me->name))
				return CLAIM_WON;
			judged_time = holder->time;
			if (live(holder->time, holder->lease ? holder->lease : me->lease, now))
				return CLAIM_HELD;
		} else {
			if (stat(leader, &st) < 0)
				continue;
			judged_time = st.st_mtime;
			memset(holder, 0, sizeof *holder);
			holder->time = judged_time;
			if (live(st.st_mtime, me->lease, now))
				return CLAIM_HELD;
		}
		/* Stale. Only the holder of leader.takeover may move the leader file aside: two takers that
		 * both judged it stale must not both rename, or the second would move the first one's fresh
		 * lease away. */
		r = take_over(leader, stale, text, (size_t)len, judged_garbage, judged_time, me, now, err, errlen);
		if (r == CLAIM_WON)
			*holder = mine;
		if (r != -EAGAIN)
			return r;
	}
	snprintf(err, errlen, "%s keeps changing under us", leader);
	return -EAGAIN;
}

int share_leader_claim(const char *share, const struct share_entry *me, long long now, struct share_entry *holder,
		       char *err, size_t errlen)
{
	return share_lease_claim(share, "leader", me, now, holder, err, errlen);
}

int share_lease_refresh(const char *share, const char *file, const struct share_entry *me, long long now, char *err,
			size_t errlen)
{
	char leader[400], text[ENTRY_TEXT_MAX], why[256];
	struct share_entry cur, mine = *me;
	path_in(leader, sizeof leader, share, file);
	int r = share_entry_read(leader, &cur, why, sizeof why);
	if (r < 0 || strcmp(cur.boot_id, me->boot_id) || strcmp(cur.name, me->name)) {
		snprintf(err, errlen, "lease lost: %s", r < 0 ? why : cur.name);
		return -ESTALE;
	}
	mine.time = now;
	int len = share_entry_format(&mine, text, sizeof text);
	if (len < 0)
		return len;
	return share_write_atomic(leader, text, (size_t)len, 0644, err, errlen);
}

int share_leader_refresh(const char *share, const struct share_entry *me, long long now, char *err, size_t errlen)
{
	return share_lease_refresh(share, "leader", me, now, err, errlen);
}

int share_lease_release(const char *share, const char *file, const struct share_entry *me, char *err, size_t errlen)
{
	char path[400], why[256];
	struct share_entry cur;
	path_in(path, sizeof path, share, file);
	int r = share_entry_read(path, &cur, why, sizeof why);
	if (r == -ENOENT)
		return 0;
	if (r < 0 || strcmp(cur.boot_id, me->boot_id) || strcmp(cur.name, me->name)) {
		snprintf(err, errlen, "%s is not ours (%s): left alone", file, r < 0 ? why : cur.name);
		return -ESTALE;
	}
	/* Ours and refreshed until now, so nobody may judge it stale and take it over before this unlink. */
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "unlink %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

int share_leader_ready_write(const char *share, const struct share_entry *me, char *err, size_t errlen)
{
	char path[400], text[ENTRY_TEXT_MAX];
	struct share_entry e = *me;
	e.lease = 0;
	path_in(path, sizeof path, share, "leader_ready");
	int len = share_entry_format(&e, text, sizeof text);
	if (len < 0)
		return len;
	return share_write_atomic(path, text, (size_t)len, 0644, err, errlen);
}

int share_leader_ready_read(const char *share, struct share_entry *e, char *err, size_t errlen)
{
	char path[400];
	/* Opening the share's directory makes the NFS client revalidate it (close-to-open), which drops a
	 * cached "leader_ready does not exist": without it a joiner saw no leader_ready for up to the
	 * attribute cache time (30 s and more) after the leader wrote it, and took the finished leader's
	 * lapsed lease for a leader that died before it was ready. */
	int dfd = open(share, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		close(dfd);
	path_in(path, sizeof path, share, "leader_ready");
	return share_entry_read(path, e, err, errlen);
}

static int ensure_dir(const char *path, mode_t mode, char *err, size_t errlen)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST) {
		int r = -errno;
		snprintf(err, errlen, "mkdir %s: %s", path, strerror(-r));
		return r;
	}
	return 0;
}

int share_registry_put(const char *share, const struct share_entry *e, char *err, size_t errlen)
{
	char dir[400], path[480], text[ENTRY_TEXT_MAX];
	path_in(dir, sizeof dir, share, "phylactery");
	int r = ensure_dir(dir, 0755, err, errlen);
	if (r < 0)
		return r;
	path_in(dir, sizeof dir, share, "phylactery/nodes");
	if ((r = ensure_dir(dir, 0755, err, errlen)) < 0)
		return r;
	if (!valid_node_name(e->name)) {
		snprintf(err, errlen, "registry: invalid node name '%.64s'", e->name);
		return -EINVAL;
	}
	snprintf(path, sizeof path, "%s/%s", dir, e->name);
	int len = share_entry_format(e, text, sizeof text);
	if (len < 0)
		return len;
	return share_write_atomic(path, text, (size_t)len, 0644, err, errlen);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct share_entry *)a)->name, ((const struct share_entry *)b)->name);
}

int share_registry_list(const char *share, struct share_entry *out, int max, int *garbage, char *err, size_t errlen)
{
	char dir[400], path[480], why[256];
	path_in(dir, sizeof dir, share, "phylactery/nodes");
	*garbage = 0;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		int r = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-r));
		return r;
	}
	int n = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct share_entry e;
		if (!valid_node_name(de->d_name) || share_entry_read(path, &e, why, sizeof why) < 0 ||
		    strcmp(e.name, de->d_name)) {
			++*garbage;
			continue;
		}
		if (n < max)
			out[n++] = e;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof *out, by_name);
	return n;
}

int share_registry_with(struct share_entry *list, int n, int max, const struct share_entry *e)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(list[i].name, e->name)) {
			list[i] = *e;
			return n;
		}
	if (n >= max)
		return n;
	list[n++] = *e;
	qsort(list, (size_t)n, sizeof *list, by_name);
	return n;
}

static int secret_path(const char *share, char *out, size_t cap)
{
	return snprintf(out, cap, "%s/phylactery/secret", share) >= (int)cap ? -ENAMETOOLONG : 0;
}

int share_secret_read(const char *share, char out[65], char *err, size_t errlen)
{
	char path[400], text[80];
	if (secret_path(share, path, sizeof path) < 0)
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	struct stat st;
	ssize_t n = fstat(fd, &st) < 0 ? -1 : read(fd, text, sizeof text - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -EIO;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: mode %03o; expected 0600 (the secret must not be readable by others)", path,
			 (unsigned)(st.st_mode & 0777));
		return -EPERM;
	}
	text[n] = '\0';
	if (n == 65 && text[64] == '\n')
		text[64] = '\0';
	if (!valid_hex(text, 64)) {
		snprintf(err, errlen, "%s: expected 64 lowercase hex digits", path);
		return -EBADMSG;
	}
	memcpy(out, text, 65);
	return 0;
}

int share_secret_ensure(const char *share, char out[65], char *err, size_t errlen)
{
	char dir[400], path[400];
	unsigned char rnd[32];
	path_in(dir, sizeof dir, share, "phylactery");
	int r = ensure_dir(dir, 0755, err, errlen);
	if (r < 0)
		return r;
	if (secret_path(share, path, sizeof path) < 0)
		return -ENAMETOOLONG;
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -EIO;
	}
	char hex[66];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	hex[64] = '\n';
	hex[65] = '\0';
	r = share_create_exclusive(path, hex, 65, 0600, err, errlen);
	if (r < 0 && r != -EEXIST)
		return r;
	return share_secret_read(share, out, err, errlen);
}

int read_boot_id(char out[40], char *err, size_t errlen)
{
	char buf[64] = "";
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (n <= 0 || !valid_uuid(buf)) {
		snprintf(err, errlen, "/proc/sys/kernel/random/boot_id: unreadable or not a UUID");
		return -EIO;
	}
	snprintf(out, 40, "%s", buf);
	return 0;
}
