/* Validators for values that come from outside (config files, the share, HTTP bodies).
 * Each returns true when s is exactly what it claims to be. */
#ifndef STAGES_VALID_H
#define STAGES_VALID_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

bool valid_ipv4(const char *s, struct in_addr *out); /* strict dotted quad: no octal, no short forms */
bool valid_dns_name(const char *s);                   /* labels [a-z0-9-], 1-63 bytes, total <= 253 */
bool valid_node_name(const char *s);                  /* a DNS label-ish name, <= 63 bytes */
bool valid_semver(const char *s);                     /* MAJOR.MINOR.PATCH, digits only, no 'v' */
bool valid_cidr4(const char *s);                      /* a.b.c.d/n, host bits zero */
bool valid_abs_path(const char *s, size_t cap);       /* starts with '/', no "..", printable, < cap */
bool valid_hex(const char *s, size_t len);            /* exactly len lowercase hex digits */
/* s is exactly 2 * n lowercase hex digits: decodes them into out[0..n-1]; false (out undefined) if not. */
bool valid_hex_decode(const char *s, unsigned char *out, size_t n);
bool valid_uuid(const char *s);                       /* 8-4-4-4-12 lowercase hex (boot_id) */
/* A decimal unsigned number in [min, max]. */
bool valid_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *out);

#endif
