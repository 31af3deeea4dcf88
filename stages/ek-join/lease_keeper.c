#include "lease_keeper.h"

#include <errno.h>
#include <time.h>

#include "notify.h"

static void *keep_lease(void *arg)
{
	struct lease_keeper *k = arg;
	pthread_mutex_lock(&k->mu);
	while (!k->stop) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += k->j->me.lease / 3 ? k->j->me.lease / 3 : 1;
		/* A timed wait on the stop flag: wakes at once when the work is done. */
		if (pthread_cond_timedwait(&k->cond, &k->mu, &until) != ETIMEDOUT || k->stop)
			continue;
		char err[300];
		if (share_lease_refresh(k->j->share, k->file, &k->j->me, now_unix(), err, sizeof err) == -ESTALE) {
			k->lost = true;
			notify_status("ek-join", "%s lease lost: %s", k->file, err);
		}
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

int lease_keeper_start(struct lease_keeper *k, struct ekjoin *j, const char *file)
{
	*k = (struct lease_keeper){.j = j, .file = file};
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&k->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&k->mu, NULL);
	int r = -pthread_create(&k->thread, NULL, keep_lease, k);
	if (r < 0) {
		pthread_cond_destroy(&k->cond);
		pthread_mutex_destroy(&k->mu);
	}
	return r;
}

bool lease_keeper_lost(struct lease_keeper *k)
{
	pthread_mutex_lock(&k->mu);
	bool lost = k->lost;
	pthread_mutex_unlock(&k->mu);
	return lost;
}

void lease_keeper_stop(struct lease_keeper *k)
{
	pthread_mutex_lock(&k->mu);
	k->stop = true;
	pthread_cond_signal(&k->cond);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	pthread_cond_destroy(&k->cond);
	pthread_mutex_destroy(&k->mu);
}
