/* Kernel command line options for ekinit (the `ekinit.` namespace). Other words belong to the
 * kernel or other programs and are ignored; an unknown or malformed `ekinit.` option is reported. */
#ifndef EK_CMDLINE_H
#define EK_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define EK_CMDLINE_PROBLEMS_MAX 8

struct ek_cmdline {
	bool shell;          /* ekinit.shell=1: console shell while boot continues */
	bool debug;          /* ekinit.debug=1: more console output */
	char brk[32];        /* ekinit.break=STEP: shell before STEP, resume when it exits */
	char role[16];       /* ekinit.role=control|worker: overrides the node config */
	char rootsize[32];   /* ekinit.rootsize=SIZE: tmpfs size= for the root (e.g. 80%, 2g) */
	bool rootmove_bind;  /* ekinit.rootmove=bind: bind-mount the initramfs as / instead of copying */
	unsigned carrier_timeout_s; /* ekinit.carrier_timeout=SECONDS (1-600): the network step's wait
				     * for carrier; 0: the default (network.c) */
	int nproblems;
	char problems[EK_CMDLINE_PROBLEMS_MAX][128];
};

/* Parses a kernel command line (as in /proc/cmdline; double quotes group words like the kernel's
 * own parser). Never fails: problems are collected in out->problems. */
void cmdline_parse(const char *text, struct ek_cmdline *out);

#endif
