/* Exec*= command lines: parsing at load time (prefixes, quoting, specifiers) and the $VAR expansion
 * that happens when the command is started (systemd.service(5) "Command lines"). */
#ifndef EK_UNIT_EXEC_H
#define EK_UNIT_EXEC_H

#include <stddef.h>

#include "unit.h"
#include "unit_name.h"

/* Parses value (one or more commands separated by a lone ';') and appends them to list. Each
 * command: optional prefixes "-@:+!" / "!!" (each at most once, '+' not with '!'), the program
 * (absolute, or a bare name searched in PATH at start), with '@' the argv[0] word, then arguments.
 * Specifiers are expanded per word after unquoting. On error nothing is appended and err says why.
 * Returns 0, -EINVAL, -ENOMEM or -E2BIG. */
int unit_exec_parse(const char *value, const struct unit_spec_ctx *ctx, struct unit_exec_list *list,
		    const char *file, unsigned line, char *err, size_t errcap);

/* The argv to execute for cmd against env (a NULL-terminated "NAME=value" list; the last
 * assignment of a name wins). "${NAME}" anywhere in a word is replaced by the value as is, within
 * that word; "$NAME" forming a whole word becomes the value split at whitespace (zero or more
 * words); "$NAME" inside a word is replaced like "${NAME}"; "$$" is a literal '$'; unset
 * variables are empty. With UNIT_EXEC_NO_ENV_EXPAND the words are copied unchanged. The program
 * path itself is never expanded. out must be empty; on success it holds the new argv (free it with
 * unit_strv_free). Returns 0, -ENOMEM or -E2BIG. */
int unit_expand_exec(const struct unit_exec *cmd, const char *const *env, struct unit_strv *out);

#endif
