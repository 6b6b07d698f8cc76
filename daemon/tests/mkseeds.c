// SPDX-License-Identifier: GPL-2.0-only
/*
 * Write valid seed inputs for the libFuzzer targets (made with the test
 * builders, nothing from fixtures): mkseeds FUZZDIR writes
 * FUZZDIR/fuzz-<target>.corpus/seed-*.
 */
#include <sys/stat.h>

#include "testlib.h"

static const char *out;

static void put(const char *target, const char *name, const uint8_t *prefix,
		size_t plen, const struct tl_buf *b)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/fuzz-%s.corpus", out, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/fuzz-%s.corpus/seed-%s", out, target, name);
	f = fopen(path, "w");
	assert_non_null(f);
	if (plen)
		fwrite(prefix, 1, plen, f);
	fwrite(b->p, 1, b->len, f);
	fclose(f);
}

static void seeds(void **state)
{
	static const struct { enum tl_key k; enum tsm_hash h; uint8_t sel; const char *n; } t[] = {
		{ TL_P256, TSM_HASH_SHA256, 0x00, "p256" },
		{ TL_P384, TSM_HASH_SHA384, 0x01, "p384" },
		{ TL_RSA2048, TSM_HASH_SHA384, 0x03, "rsa2048" },
	};
	static const struct tl_range ranges[] = {
		{ 0xfe001, 7, 0, 0 }, { 0xfe008, 1, 5, 0 }, { 0xfe009, 1, 6, 0 },
		{ 0x4000001, 4, 0, 2 },
	};
	struct tl_buf b = { 0 };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct tl_evidence e;
		struct tl_block blocks[3];

		tl_evidence_init(&e, t[i].k, t[i].h, false);
		put("chain", t[i].n, NULL, 0, &e.cert);
		put("vca", t[i].n, NULL, 0, &e.vca);
		put("measurements", t[i].n, &t[i].sel, 1, &e.meas);
		{
			struct tl_buf bundle = { 0 };
			const struct tl_buf *parts[] = { &e.cert, &e.vca, &e.meas };

			for (int j = 0; j < 3; j++) {
				tl_le16(&bundle, (uint16_t)parts[j]->len);
				tl_put(&bundle, parts[j]->p, parts[j]->len);
			}
			put("evidence", t[i].n, NULL, 0, &bundle);
			tl_free(&bundle);
		}
		tl_chain(&b, &e.pki, t[i].h, false);
		put("chain", "no-root", NULL, 0, &b);
		tl_evidence_blocks(&e, blocks);
		tl_vca(&b, 0x13, tl_hash_bit(t[i].h), e.asym, 0);
		put("vca", "v13", NULL, 0, &b);
		if (i == 1) {
			struct tl_buf m = { 0 };
			uint8_t sel = 0x81;

			tl_meas(&m, 0x13, e.nonce, blocks, 3, &b, t[i].h, e.asym, e.pki.leaf_key);
			put("measurements", "v13", &sel, 1, &m);
			tl_free(&m);
		}
		tl_evidence_fini(&e);
	}
	tl_vca(&b, 0x10, TSM_SPDM_HASH_SHA256, TSM_SPDM_ASYM_ECDSA_P256, 0);
	put("vca", "v10", NULL, 0, &b);
	tl_vca(&b, 0x11, TSM_SPDM_HASH_SHA512, TSM_SPDM_ASYM_RSAPSS_4096, 2);
	put("vca", "v11", NULL, 0, &b);
	tl_report(&b, 0x3, ranges, 4, (const uint8_t *)"info", 4);
	put("report", "msix", NULL, 0, &b);
	tl_report(&b, 0x1f, NULL, 0, NULL, 0);
	put("report", "empty", NULL, 0, &b);
	tl_free(&b);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(seeds) };

	if (argc != 2) {
		fprintf(stderr, "usage: %s FUZZDIR\n", argv[0]);
		return 2;
	}
	out = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
