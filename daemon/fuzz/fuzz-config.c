// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: tsm-verifierd.conf parser. */
#include <stdlib.h>
#include <string.h>

#include "tsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsm_config c;
	struct tsm_error err;

	if (tsm_config_parse_buffer("fuzz.conf", (const char *)data, size, &c, &err)) {
		if (strncmp(err.reason, "fuzz.conf:", 10))
			abort();
		return 0;
	}
	if (c.timeout_ms == 0 || c.policy_dir[0] != '/')
		abort();
	return 0;
}
