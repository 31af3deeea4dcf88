/* Giving back the pages of program text that PID 1 touched only while booting. The boot steps run
 * code of ekinit, libc and the loader that the steady-state loop never runs again, and the
 * kernel maps file pages around each fault (fault-around, 64 KiB), so after boot most of libc's
 * text sits in PID 1's resident set. Those pages are clean copies of the files: dropping PID 1's
 * mappings of them (MADV_DONTNEED on the executable, non-writable file mappings) costs nothing
 * but a page fault when the loop needs one again, and the files stay in the page cache for the
 * other processes that share them. Writable and read-only data mappings are left alone: their
 * pages may have been written (relocations) and would be lost. */
#ifndef EK_MEM_TRIM_H
#define EK_MEM_TRIM_H

#include <stddef.h>

/* Drops PID 1's mappings of its text pages; returns how many KiB of mappings were advised, or
 * -errno when /proc/self/maps cannot be read. maps: the maps file (tests pass their own). */
long mem_trim_text(const char *maps);

#endif
