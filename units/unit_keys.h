/* The settings ekinit understands, section by section, and how each value is applied to struct
 * unit. Internal to the parser (unit_parse.c). */
#ifndef EK_UNIT_KEYS_H
#define EK_UNIT_KEYS_H

#include "unit.h"
#include "unit_name.h"
#include "unit_parse.h"

enum unit_section { SEC_NONE, SEC_UNIT, SEC_SERVICE, SEC_INSTALL, SEC_EKINIT, SEC_IGNORED };

struct unit_parse_ctx {
	struct unit *u;
	struct unit_diag *diag;
	struct unit_spec_ctx spec;
	const char *file;
	unsigned line;
	enum unit_section section;
	char *buf;  /* UNIT_LINE_MAX + 1 bytes: the value after specifier expansion */
	char *word; /* UNIT_LINE_MAX + 1 bytes: one word of it */
};

/* An error or a warning about the current line ("file:line: ..."). */
void unit_line_error(struct unit_parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "file:line: WHAT is not supported by ekinit (ignored)", once per WHAT per unit. */
void unit_line_unsupported(struct unit_parse_ctx *c, const char *what);

/* The section a header names; SEC_IGNORED for X-* sections systemd also ignores, SEC_NONE for
 * sections ekinit does not know. */
enum unit_section unit_section_of(const char *name);

/* Applies key=value in the current section, reporting problems itself. */
void unit_key_apply(struct unit_parse_ctx *c, const char *key, const char *value);

#endif
