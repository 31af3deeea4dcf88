/* `ekctl logs -f`: follows a service's log file itself, with inotify, so it needs no PID 1. */
#ifndef EK_EKCTL_FOLLOW_H
#define EK_EKCTL_FOLLOW_H

/* Prints the last n lines of DIR/UNIT.log (reaching back into UNIT.log.1), then everything
 * appended, across the ring's rotation (UNIT.log renamed to UNIT.log.1 and a new UNIT.log).
 * Runs until interrupted or an error; returns the exit status. */
int ekc_follow(const char *dir, const char *unit, unsigned n);

/* Prints the last n lines of DIR/UNIT.log.1 + DIR/UNIT.log (no PID 1 needed). Returns 0, or
 * -ENOENT when neither file exists. */
int ekc_tail(const char *dir, const char *unit, unsigned n);

#endif
