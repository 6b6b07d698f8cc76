// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: SPDM certificate chain parser and certificate helpers. */
#include "tsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsm_chain c;
	char buf[512];
	uint8_t fp[32];

	if (tsm_chain_parse(data, size, TSM_HASH_NONE, &c, NULL))
		return 0;
	for (size_t i = 0; i < c.ncerts; i++) {
		tsm_chain_subject(&c, i, buf, sizeof(buf));
		tsm_chain_issuer(&c, i, buf, sizeof(buf));
		tsm_chain_fingerprint(&c, i, fp);
	}
	tsm_chain_leaf_hwid(&c, buf, sizeof(buf));
	tsm_chain_free(&c);
	return 0;
}
