// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: SPDM certificate chain parser, certificate helpers,
 * the chain cache, and the SPDM order/profile checks of path validation
 * on hostile certificates (anchored at the chain's own first certificate).
 */
#include "tsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsm_verify_cache *vc = tsm_verify_cache_new(2, 0);
	struct tsm_verify_opts o = { .check_time = false };
	STACK_OF(X509) *self;
	struct tsm_chain c, again;
	struct tsm_path path;
	char buf[512];
	uint8_t fp[32];

	if (!vc || tsm_chain_parse_cached(vc, data, size, TSM_HASH_NONE, &c, NULL)) {
		tsm_verify_cache_free(vc);
		return 0;
	}
	for (size_t i = 0; i < c.ncerts; i++) {
		tsm_chain_subject(&c, i, buf, sizeof(buf));
		tsm_chain_issuer(&c, i, buf, sizeof(buf));
		tsm_chain_fingerprint(&c, i, fp);
	}
	tsm_chain_leaf_hwid(&c, buf, sizeof(buf));
	/* the second parse is served from the cache */
	if (!tsm_chain_parse_cached(vc, data, size, TSM_HASH_NONE, &again, NULL))
		tsm_chain_free(&again);
	self = sk_X509_new_null();
	if (self && sk_X509_push(self, c.certs[0])) {
		tsm_verify_chain_path_cached(vc, &c, self, &o, &path, NULL);
		tsm_verify_chain_path_cached(vc, &c, self, &o, &path, NULL);
	}
	sk_X509_free(self);
	tsm_chain_free(&c);
	tsm_verify_cache_free(vc);
	return 0;
}
