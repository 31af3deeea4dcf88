/* etcd snapshots on the share: <share>/etcd/etcd-snapshot-<unix seconds>.db with a checksum file
 * beside it (.db.sha256: 64 hex + newline). The checksum is written first and the snapshot renamed
 * into place last, so a .db without a matching .sha256 is a torn or foreign file and never restored.
 * Verification = the checksum matches and `etcdctl snapshot status` reads the file. */
#ifndef STAGES_SNAPSHOT_H
#define STAGES_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#define SNAPSHOT_PREFIX "etcd-snapshot-"
#define SNAPSHOT_SUFFIX ".db"
#define SNAPSHOTS_MAX 1000

/* "etcd-snapshot-1700000000.db" -> 1700000000. false for any other name (temporaries included). */
bool snapshot_name_time(const char *name, long long *t);

/* The snapshots' times in dir, newest first; how many (up to max), or -errno. */
int snapshot_list(const char *dir, long long *times, int max, char *err, size_t errlen);

/* sha256 of a file as 64 lowercase hex. 0 or -errno. */
int file_sha256(const char *path, char out[65], char *err, size_t errlen);

/* Does path match its .sha256 file? 0, -EBADMSG (mismatch or a bad checksum file), -errno. */
int snapshot_checksum_ok(const char *path, char *err, size_t errlen);

/* Writes path's checksum file (atomically). */
int snapshot_checksum_write(const char *path, char *err, size_t errlen);

/* Removes all but the keep newest snapshots (and their checksum files). How many were removed. */
int snapshot_prune(const char *dir, int keep);

/* The newest snapshot in dir whose checksum matches and which check() accepts (NULL: no extra
 * check; ek-join passes `etcdctl snapshot status`). 0 with path, -ENOENT when none verifies. */
int snapshot_newest_valid(const char *dir, int (*check)(const char *path, char *err, size_t errlen), char *path,
			  size_t cap, char *err, size_t errlen);

/* `etcdctl snapshot status PATH` exits 0. */
int snapshot_etcdctl_status(const char *path, char *err, size_t errlen);

#endif
