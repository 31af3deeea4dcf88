/* Units that belong to systemd itself: its own daemons (systemd-logind, systemd-update-utmp, ...),
 * the gettys and the targets and helpers that only make sense under systemd. A stock Debian image
 * enables them statically (/lib/systemd/system/multi-user.target.wants/), and started by ekinit
 * they fail into their start limit (the gettys need agetty and a VT, utmp needs systemd's own
 * tools) and bury the warnings an operator can act on. ekinit does not start them through .wants
 * links; naming one in /etc/ekinit/enabled or `ekctl start` still does. */
#ifndef EK_SVC_SKIP_H
#define EK_SVC_SKIP_H

#include <stdbool.h>

bool svc_systemd_own(const char *name);
/* Whether the skipped units of this .wants directory have not been reported yet (the directory
 * is read again when its target is loaded): one console line per directory. */
bool svc_skip_first_report(const char *wants_dir);

#endif
