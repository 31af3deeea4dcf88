/* start/stop/restart/reload NAME...: queue the jobs with PID 1, then wait for their outcome. */
#ifndef EK_EKCTL_JOBS_H
#define EK_EKCTL_JOBS_H

#include <stdbool.h>

#include "mapping.h"

#define EKC_JOB_TIMEOUT_S 90.0
#define EKC_JOBS_MAX 64

/* A unit's ActiveState word and enablement (`state NAME`). Returns 0, EKC_NO_UNIT when PID 1
 * knows no such unit (not an errno: -ENOENT means the socket is missing), or -errno with err set. */
#define EKC_NO_UNIT 1
int ekc_state(const char *unit, char *active, unsigned long cap, bool *enabled, char *err, unsigned long errcap);

/* Queues job for each of the n units (already normalised) and, unless no_block, polls their
 * state every 100 ms until each is done, failed, or timeout_s passed. PID 1 has no event to
 * subscribe to, so polling is the only way a client can wait. Messages go to stderr.
 * Returns 0 when all succeeded, 5 when a unit was not found, 1 on any other failure. */
int ekc_jobs(enum ekc_job job, int n, const char *const units[], bool no_block, double timeout_s);

#endif
