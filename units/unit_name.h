/* Unit names and the % specifiers that refer to them (systemd.unit(5) "Specifiers"). */
#ifndef EK_UNIT_NAME_H
#define EK_UNIT_NAME_H

#include <stdbool.h>
#include <stddef.h>

/* A valid name: at most UNIT_NAME_MAX bytes of [A-Za-z0-9:_.@\-\\], a non-empty prefix, a
 * ".suffix", and at most one '@' (foo@.service is a template, foo@bar.service an instance). */
bool unit_name_valid(const char *name);

/* foo@bar.service -> prefix "foo", instance "bar" (empty for a template or a plain name),
 * suffix ".service". The outputs need UNIT_NAME_MAX + 1 bytes. Returns whether name has an '@'. */
bool unit_name_parts(const char *name, char *prefix, char *instance, char *suffix);

/* The template of an instance (foo@bar.service -> foo@.service); -EINVAL when name is none. */
int unit_name_template(const char *name, char *out, size_t cap);

/* systemd's unit name unescaping, for %I, %P and %f: '-' is '/', \xNN a byte. */
void unit_name_unescape(const char *in, char *out, size_t cap);

struct unit_spec_ctx {
	const char *name;     /* %n */
	const char *hostname; /* %H (NULL: gethostname) */
};

/* Expands the specifiers in `in` into out (cap bytes). Returns 0, -E2BIG when the result does not
 * fit, or -EINVAL for an unknown specifier or a lone '%' at the end (*bad says which character,
 * '\0' for the latter). */
int unit_specifiers(const char *in, const struct unit_spec_ctx *ctx, char *out, size_t cap, char *bad);

#endif
