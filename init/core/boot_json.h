/* /run/ekinit/boot.json: the boot timeline, plus each service's start and ready times and when the
 * services settled. Rewritten when boot completes, when a background step ends and when the
 * services settle. */
#ifndef EK_BOOT_JSON_H
#define EK_BOOT_JSON_H

#include "ekinit.h"

#define EK_BOOT_JSON EK_CONTROL_DIR "/boot.json"

void boot_json_write(struct ekinit *ek);

#endif
