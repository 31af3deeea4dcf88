/* Pure mappings that ekctl and its systemctl personality share: unit names, PID 1's replies and
 * ActiveState words to outcomes. No I/O here, so tests/unit/test_systemctl.c can check them. */
#ifndef EK_EKCTL_MAPPING_H
#define EK_EKCTL_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

/* "kubelet" -> "kubelet.service", as systemctl does; a name with a unit suffix is kept.
 * Returns 0, -EINVAL (empty, or a '/' in it) or -ENAMETOOLONG. */
int ekc_unit_name(const char *in, char *out, size_t cap);

enum ekc_reply { EKC_OK, EKC_NOT_FOUND, EKC_INVALID, EKC_ERROR };
/* Classifies a whole reply ("ok\n..." or "error\nnot-found: ...") and points *body at its body. */
enum ekc_reply ekc_reply_kind(const char *reply, const char **body);

/* Parses a `state NAME` body, "ACTIVE ENABLED\n". Returns 0 or -EINVAL. */
int ekc_parse_state(const char *body, char *active, size_t cap, bool *enabled);

enum ekc_job { EKC_JOB_START, EKC_JOB_STOP, EKC_JOB_RESTART, EKC_JOB_RELOAD };
enum ekc_outcome { EKC_WAIT, EKC_DONE, EKC_FAILED };
/* Whether a queued job has finished, judged from the unit's ActiveState word. PID 1 changes the
 * state when it queues a job, so the first poll never sees the state from before the request.
 * A start that ends "inactive" succeeded: a oneshot that finished, or a false condition (systemctl
 * also exits 0 for those). */
enum ekc_outcome ekc_job_outcome(enum ekc_job job, const char *active);

#endif
