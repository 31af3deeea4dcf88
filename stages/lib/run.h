/* Runs a program (fork/exec, no shell) under a deadline, capturing at most cap-1 bytes of its stdout;
 * its stderr goes to ours (the unit's log). On the deadline the whole process group gets SIGKILL. */
#ifndef STAGES_RUN_H
#define STAGES_RUN_H

#include <stdbool.h>
#include <stddef.h>

struct run_result {
	int exit_code;  /* 0-255, or 128+signal */
	bool timed_out;
	bool truncated; /* stdout was longer than the buffer (the rest was read and dropped) */
	size_t len;
};

/* out may be NULL (stdout then goes to ours). Returns 0 when the program ran (see res), or -errno
 * when it could not be started. */
int run_cmd(char *const argv[], int timeout_ms, char *out, size_t cap, struct run_result *res, char *err,
	    size_t errlen);

#endif
