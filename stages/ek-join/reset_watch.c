/* ek-join --watch-reset (ek-reset-watch.service, every node): remembers the share's reset-epoch at
 * start and reboots (`ekctl reboot`) when ekcluster-reset writes a new one. Polling, not inotify:
 * another host's NFS writes make no inotify event here. A missing or unreadable share is waited out. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "notify.h"
#include "reset_epoch.h"
#include "run.h"
#include "ekjoin.h"

#define RESET_POLL_S 5

int watch_reset(const struct ekjoin *j)
{
	char booted[32], now[32], err[200];
	int r = reset_epoch_read(j->share, booted, sizeof booted);
	if (r < 0 && r != -ENOENT)
		booted[0] = '\0'; /* garbage: ignored; a valid epoch written later is a reset */
	notify_send("READY=1");
	notify_status("ek-reset-watch", "watching %s/reset-epoch (booted with %s)", j->share, booted[0] ? booted : "none");
	for (;;) {
		/* A poll period, not synchronisation: the file lives on another host. */
		struct timespec ts = {.tv_sec = RESET_POLL_S};
		nanosleep(&ts, NULL);
		if (reset_epoch_read(j->share, now, sizeof now) < 0 || !strcmp(now, booted))
			continue;
		notify_status("ek-reset-watch", "the cluster is being reset (epoch %s): rebooting", now);
		char *argv[] = {"ekctl", "reboot", NULL};
		struct run_result res;
		if (run_cmd(argv, 60000, NULL, 0, &res, err, sizeof err) < 0 || res.exit_code)
			notify_status("ek-reset-watch", "ekctl reboot failed; retrying");
		else
			snprintf(booted, sizeof booted, "%s", now);
	}
	return 1;
}
