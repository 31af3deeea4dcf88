/* The boot steps: each does one job of bringing the node up and says how it went in a detail line.
 * They share what they found in struct boot_state; init/main.c lists them in order (the step table)
 * and init/core/boot_run.c runs the table. A step never stops the boot: it returns EK_OK,
 * EK_SKIPPED or EK_FAILED, or EK_PENDING when it goes on in a child process (bg_pid), whose exit
 * its done function turns into the result. */
#ifndef EK_STEPS_H
#define EK_STEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cmdline.h"
#include "nodeconf.h"
#include "timeline.h"

struct boot_state {
	struct ek_cmdline cmd;
	bool container;          /* the container variable is set: the host's kernel is not ours */
	bool break_pending;      /* ekinit.break= names a step that has not been reached yet */
	bool reexec;             /* root-move succeeded: re-execute from the new root */
	char hostname[65];
	struct ek_nodeconf node;
	bool have_node;
	pid_t bg_pid;            /* the child of a step that returned EK_PENDING, 0 when none */
	const char *step_names;  /* the steps ekinit.break= may name, space-separated */
};

typedef enum ek_result (*step_fn)(struct boot_state *b, char *detail, size_t cap);
/* For a step that returned EK_PENDING: its child (b->bg_pid) ended with this wait status. */
typedef enum ek_result (*step_done_fn)(struct boot_state *b, int status, char *detail, size_t cap);

/* Reads /proc/cmdline (mounting /proc first if the kernel did not) into b->cmd and checks
 * ekinit.break= against b->step_names; report: print the problems (the first time only). */
void boot_read_cmdline(struct boot_state *b, bool report);

enum ek_result step_cmdline(struct boot_state *b, char *detail, size_t cap);
enum ek_result step_root_move(struct boot_state *b, char *detail, size_t cap);
enum ek_result step_mount_api(struct boot_state *b, char *detail, size_t cap);
enum ek_result step_hostname(struct boot_state *b, char *detail, size_t cap);
enum ek_result step_loopback(struct boot_state *b, char *detail, size_t cap);
enum ek_result step_modules(struct boot_state *b, char *detail, size_t cap);
enum ek_result step_sysctl(struct boot_state *b, char *detail, size_t cap);
enum ek_result step_tmpfiles(struct boot_state *b, char *detail, size_t cap);
enum ek_result step_network(struct boot_state *b, char *detail, size_t cap);
enum ek_result step_fstab(struct boot_state *b, char *detail, size_t cap);
enum ek_result step_remote_fs(struct boot_state *b, char *detail, size_t cap);
enum ek_result step_remote_fs_done(struct boot_state *b, int status, char *detail, size_t cap);

#endif
