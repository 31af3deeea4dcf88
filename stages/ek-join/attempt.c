#include <stdio.h>
#include <time.h>

#include "notify.h"
#include "run.h"
#include "ekjoin.h"

static void sleep_ms(long long ms)
{
	/* Backoff between attempts: waiting is the point here, nothing to synchronise with. */
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0)
		;
}

void kubeadm_reset(void)
{
	char *reset[] = {"kubeadm", "reset", "-f", NULL}, err[200];
	struct run_result res = {0};
	if (run_cmd(reset, 120000, NULL, 0, &res, err, sizeof err) < 0 || res.exit_code != 0)
		notify_status("ek-join", "kubeadm reset -f failed (%s); retrying anyway",
			      res.timed_out ? "timed out" : res.exit_code ? "exit status" : err);
}

int with_retries(struct ekjoin *j, const char *what, int (*attempt)(struct ekjoin *j, char *cause, size_t len))
{
	long long backoff = 1000;
	int r = -1;
	for (int n = 1; n <= j->attempts; n++) {
		char cause[300] = "";
		long long t0 = mono_ms();
		notify_status("ek-join", "%s: attempt %d of %d", what, n, j->attempts);
		r = attempt(j, cause, sizeof cause);
		double secs = (double)(mono_ms() - t0) / 1000.0;
		if (r == 0) {
			notify_status("ek-join", "%s: attempt %d succeeded after %.1f s", what, n, secs);
			return 0;
		}
		notify_status("ek-join", "%s: attempt %d failed after %.1f s: %s", what, n, secs, cause);
		if (!j->reset_done)
			kubeadm_reset();
		j->reset_done = false;
		if (n == j->attempts)
			break;
		notify_status("ek-join", "%s: retrying in %.1f s", what, (double)backoff / 1000.0);
		sleep_ms(backoff);
		backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
	}
	return r;
}
