/* `ekctl analyze`, the boot steps' part: when each step ran (they overlap: some run in child
 * processes) and the boot's critical chain, appended to the services' blame and chain. */
#ifndef EK_BOOT_ANALYZE_H
#define EK_BOOT_ANALYZE_H

#include <stdbool.h>

#include "ekinit.h"
#include "strbuf.h"

/* sb holds the services' part already; for json, its closing "}\n" is replaced. */
void boot_render_analyze(const struct ekinit *ek, struct strbuf *sb, bool json);

#endif
