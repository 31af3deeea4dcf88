/* Running a boot step in a child process, so that PID 1 goes on with the steps that do not need it
 * (init/main.c's step table marks them .in_child). The child runs the step's function, then sends
 * its result, its detail line and the warnings it raised back through a pipe and exits; PID 1
 * reads them when it reaps the child. Whatever the step maps or allocates (libkmod and libcrypto,
 * for modules) dies with the child and never weighs on PID 1. */
#ifndef EK_STEP_CHILD_H
#define EK_STEP_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include "steps.h"

/* Forks the child that runs fn(b, ...). Returns its pid and the pipe's read end (*fd), or -errno. */
pid_t step_child_start(step_fn fn, struct boot_state *b, int *fd);
/* After the child (wait status) was reaped: its result and detail from fd, which is closed; its
 * warnings join PID 1's kept ones (they were printed on the console already). A child that died
 * without a word fails the step with a detail that says how it ended. */
enum ek_result step_child_collect(int fd, int status, char *detail, size_t cap);

#endif
