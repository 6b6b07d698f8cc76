// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: VCA parser. */
#include <stdlib.h>

#include "tsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsm_error err;
	struct tsm_vca v;

	if (tsm_vca_parse(data, size, &v, &err)) {
		if (!err.reason[0])
			abort();	/* every failure explains itself */
		return 0;
	}
	if (!v.hash_len || !v.sig_len || v.len != size)
		abort();
	return 0;
}
