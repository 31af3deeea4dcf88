/* Queuing and waiting for jobs (jobs.h). */
#include "jobs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proto.h"
#include "client.h"

#define POLL_MS 100

static const char *const job_verbs[] = {
	[EKC_JOB_START] = "start", [EKC_JOB_STOP] = "stop", [EKC_JOB_RESTART] = "restart", [EKC_JOB_RELOAD] = "reload"};

static char reply[EK_REPLY_MAX + 1];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ekc_state(const char *unit, char *active, unsigned long cap, bool *enabled, char *err, unsigned long errcap)
{
	const char *body;
	int r = ekc_call2("state", unit, NULL, reply, sizeof reply, err, errcap);
	if (r < 0)
		return r;
	enum ekc_reply k = ekc_reply_kind(reply, &body);
	if (k == EKC_NOT_FOUND) {
		snprintf(err, errcap, "%s", body);
		err[strcspn(err, "\n")] = '\0';
		return EKC_NO_UNIT;
	}
	if (k != EKC_OK) {
		snprintf(err, errcap, "state %s: %s", unit, body);
		err[strcspn(err, "\n")] = '\0';
		return -EIO;
	}
	if (ekc_parse_state(body, active, cap, enabled) < 0) {
		snprintf(err, errcap, "state %s: unexpected reply '%.60s'", unit, body);
		return -EPROTO;
	}
	return 0;
}

/* Queues one job; returns 0, 5 (not found) or 1. */
static int queue(enum ekc_job job, const char *unit)
{
	char err[256];
	const char *body;
	int r = ekc_call2(job_verbs[job], unit, NULL, reply, sizeof reply, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "ekctl: %s\n", err);
		return 1;
	}
	enum ekc_reply k = ekc_reply_kind(reply, &body);
	if (k == EKC_OK)
		return 0;
	fprintf(stderr, "ekctl: %s %s: %s%s", job_verbs[job], unit, body,
		body[0] && body[strlen(body) - 1] == '\n' ? "" : "\n");
	return k == EKC_NOT_FOUND ? 5 : 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int ekc_jobs(enum ekc_job job, int n, const char *const units[], bool no_block, double timeout_s)
{
	int rc = 0;
	bool queued[EKC_JOBS_MAX] = {false};

	if (n > EKC_JOBS_MAX) {
		fprintf(stderr, "ekctl: at most %d units at once\n", EKC_JOBS_MAX);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		int r = queue(job, units[i]);
		queued[i] = r == 0;
		if (r > rc)
			rc = r;
	}
	if (no_block)
		return rc;
	double deadline = now_s() + timeout_s;
	for (int i = 0; i < n; i++) {
		if (!queued[i])
			continue;
		for (;;) {
			char active[32], err[256];
			bool enabled;
			int r = ekc_state(units[i], active, sizeof active, &enabled, err, sizeof err);
			if (r != 0) {
				fprintf(stderr, "ekctl: %s\n", err);
				rc = rc == 5 || r == EKC_NO_UNIT ? 5 : 1;
				break;
			}
			enum ekc_outcome o = ekc_job_outcome(job, active);
			if (o == EKC_DONE)
				break;
			if (o == EKC_FAILED) {
				fprintf(stderr, "ekctl: %s %s failed (%s). See 'ekctl status %s' and 'ekctl logs %s'.\n",
					job_verbs[job], units[i], active, units[i], units[i]);
				if (rc == 0)
					rc = 1;
				break;
			}
			if (now_s() >= deadline) {
				fprintf(stderr, "ekctl: %s %s: still %s after %.0f s; giving up waiting (the job goes on)\n",
					job_verbs[job], units[i], active, timeout_s);
				if (rc == 0)
					rc = 1;
				break;
			}
			sleep_ms(POLL_MS);
		}
	}
	return rc;
}
