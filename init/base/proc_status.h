/* One field of /proc/self/status in KiB (VmRSS, RssFile, VmHWM...): what PID 1 reports as its memory
 * and what the tests measure it with. */
#pragma once

/* The value of "KEY: N kB" in /proc/self/status, or -1 when it cannot be read. */
long proc_self_status_kib(const char *key);
