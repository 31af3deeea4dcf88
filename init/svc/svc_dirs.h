/* A service's own directories (svc_dirs.c). */
#ifndef EK_SVC_DIRS_H
#define EK_SVC_DIRS_H

#include "svc.h"

/* /run/NAME for each RuntimeDirectory= (owned by User=/Group=, RuntimeDirectoryMode=) and
 * /var/lib/NAME for each StateDirectory=; problems are warnings, the start goes on. */
void svc_dirs_create(struct svc *s);
/* Removes the RuntimeDirectory= trees unless RuntimeDirectoryPreserve= keeps them (restart: the
 * service is about to start again), never following a symlink the service left. */
void svc_dirs_remove(struct svc *s, bool restarting);

#endif
