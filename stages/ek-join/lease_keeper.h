/* A thread that renews one of our share leases (leader, control-join) every lease/3 seconds while
 * ek-join works (kubeadm init or join can take minutes), and notes when another node took it over. */
#ifndef LEASE_KEEPER_H
#define LEASE_KEEPER_H

#include <pthread.h>
#include <stdbool.h>

#include "ekjoin.h"

struct lease_keeper {
	struct ekjoin *j;
	const char *file; /* the lease's name in the share */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool stop, lost;
};

/* Starts renewing j->me's lease <share>/file. 0 or -errno. */
int lease_keeper_start(struct lease_keeper *k, struct ekjoin *j, const char *file);
/* True once a renewal found the lease held by another node. */
bool lease_keeper_lost(struct lease_keeper *k);
void lease_keeper_stop(struct lease_keeper *k);

#endif
