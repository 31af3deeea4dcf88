/* libFuzzer target: a unit file (or drop-in) with arbitrary bytes, loaded the way PID 1 loads one.
 * It must never crash, hang or leak, whatever the file says. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "unit_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/ekinit-fuzz-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	char path[128];
	snprintf(path, sizeof path, "%s/f.service", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	const char *dirs[] = {dir, NULL};
	struct unit u;
	struct unit_diag diag;
	memset(&u, 0, sizeof u);
	unit_diag_init(&diag);
	unit_load("f.service", dirs, &u, &diag);
	unit_free(&u);
	return 0;
}
