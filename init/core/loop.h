/* After the steps: boot.json, the control socket, the console shell and the services; then the
 * steady-state loop, which reaps every child, serves the control socket, feeds the service manager
 * its events and carries out a shutdown request. It waits only in epoll, with the manager's next
 * deadline as its timeout, and never returns. */
#ifndef EK_LOOP_H
#define EK_LOOP_H

#include "ekinit.h"

_Noreturn void loop_run(struct ekinit *ek);

#endif
