/* Moving a directory tree from one filesystem to another, file by file: each entry is copied with its
 * data, mode, owner, timestamps and extended attributes (symlinks, device nodes, fifos and sockets
 * recreated, hard links kept as hard links), then the source entry is deleted at once. Peak memory
 * therefore stays near one copy of the tree when both sides live in RAM, unlike `tar | tar` or
 * `cp -a` followed by a delete, which hold two. */
#ifndef EK_TREE_MOVE_H
#define EK_TREE_MOVE_H

#include <stdint.h>

struct tree_move_stats {
	uint64_t files, dirs, symlinks, specials, hardlinks;
	uint64_t bytes;
	uint64_t mountpoints; /* entries on another filesystem: recreated empty, not entered */
	uint64_t warnings;    /* attributes that could not be copied (the entry itself was) */
};

/* Moves the contents of src into dst (an existing directory, typically a fresh tmpfs). Entries on
 * other filesystems than src are recreated as empty directories and left in place; dst itself is
 * skipped if it lies inside src. Stops at the first entry that cannot be moved and returns its
 * -errno with the failing path in errpath; everything moved so far stays moved (the caller can move
 * it back by calling tree_move again with the roles swapped). */
int tree_move(const char *src, const char *dst, struct tree_move_stats *st, char *errpath, unsigned errcap);

/* Sums the space the tree under root needs (file data rounded up to 4 KiB, plus one block per other
 * entry), not crossing filesystems. Returns 0 or -errno. */
int tree_size(const char *root, uint64_t *bytes, uint64_t *entries);

/* Counts entries left in dir that are not mount points. Returns the count or -errno. */
long tree_leftovers(const char *dir);

#endif
