/* <share>/reset-epoch: a decimal number the operator's ekcluster-reset writes (tmp+rename). Every node
 * remembers the epoch it booted with; a different one means "reboot now": phylactery watches it on
 * control nodes, `ek-join --watch-reset` (ek-reset-watch.service) on every node. */
#ifndef STAGES_RESET_EPOCH_H
#define STAGES_RESET_EPOCH_H

#include <stddef.h>

/* 0 with the epoch (up to 20 digits), -ENOENT when there is none, -EBADMSG for anything else (which is
 * then ignored, never acted on). */
int reset_epoch_read(const char *share, char *out, size_t cap);

#endif
