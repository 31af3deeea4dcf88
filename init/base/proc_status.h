/* One "KEY: N kB" field of a /proc file in KiB: PID 1's own memory (/proc/self/status: VmRSS, RssFile,
 * VmHWM...), which it reports and the tests measure it with, and the kernel's (/proc/meminfo: Shmem,
 * which the root move sizes the image with). */
#pragma once

/* The value of "KEY: N kB" in the file at path, or -1 when it cannot be read or is not there. */
long proc_file_kib(const char *path, const char *key);

/* The same for /proc/self/status and /proc/meminfo. */
long proc_self_status_kib(const char *key);
long proc_meminfo_kib(const char *key);
