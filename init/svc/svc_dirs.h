/* A service's own directories (svc_dirs.c). */
#ifndef EK_SVC_DIRS_H
#define EK_SVC_DIRS_H

#include "svc.h"

#include <stddef.h>

/* In the check child (svc_check.c): /run/NAME for each RuntimeDirectory= (owned by User=/Group=,
 * RuntimeDirectoryMode=) and /var/lib/NAME for each StateDirectory=, each announced on progress
 * (runtime ones 0..n-1, then the state ones) before it is made. Problems are written to stderr
 * (the service's log); returns 1 when there were some (the start goes on), else 0. */
int svc_dirs_make(const struct svc *s, int progress);
/* The setting a progress index names: "RuntimeDirectory=NAME". */
void svc_dirs_name(const struct svc *s, unsigned idx, char *out, size_t cap);
/* Removes the RuntimeDirectory= trees unless RuntimeDirectoryPreserve= keeps them (restart: the
 * service is about to start again), never following a symlink the service left. */
void svc_dirs_remove(struct svc *s, bool restarting);

#endif
