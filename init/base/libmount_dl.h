/* libmount, opened only while PID 1 needs it. It and what it pulls in (libblkid, libselinux,
 * libpcre2) are ~0.7 MB of PID 1's resident size if linked; the mount table is read only during
 * the boot steps and in short-lived children (shutdown's unmounting, remote-fs), so ekinit links
 * none of it: libmount_dl.c defines the libmount functions ekinit calls, each opening the
 * library on first use (dlopen) and forwarding to it, and libmount_release() closes it again
 * once the boot steps are done. When the library cannot be opened the functions fail the way
 * libmount's do (NULL, or a negative errno), and the callers already handle that. */
#ifndef EK_LIBMOUNT_DL_H
#define EK_LIBMOUNT_DL_H

/* Closes libmount and gives the freed heap back to the kernel; nothing from libmount may be alive
 * (no table, iterator or fs). The next libmount call opens it again. */
void libmount_release(void);
/* Whether libmount is mapped right now (for tests). */
int libmount_is_open(void);

#endif
