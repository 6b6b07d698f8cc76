// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: VCA parser. */
#include "testlib.h"

static void good_versions(void **state)
{
	static const uint8_t versions[] = { 0x10, 0x11, 0x12, 0x13 };
	struct tl_buf b = { 0 };
	struct tsm_error err;
	struct tsm_vca v;

	(void)state;
	for (size_t i = 0; i < sizeof(versions); i++) {
		tl_vca(&b, versions[i], TSM_SPDM_HASH_SHA384, TSM_SPDM_ASYM_ECDSA_P384,
		       TSM_SPDM_MEAS_HASH_SHA384);
		/* the builder offers 1.0 and the chosen version */
		if (versions[i] == 0x10)
			b.p[9] = 1;	/* one entry only, and drop the second */
		if (versions[i] == 0x10) {
			memmove(b.p + 12, b.p + 14, b.len - 14);
			b.len -= 2;
		}
		assert_int_equal(tsm_vca_parse(b.p, b.len, &v, &err), 0);
		assert_int_equal(v.version, versions[i]);
		assert_int_equal(v.hash, TSM_HASH_SHA384);
		assert_int_equal(v.hash_len, 48);
		assert_int_equal(v.sig, TSM_SIG_ECDSA);
		assert_int_equal(v.sig_len, 96);
		assert_int_equal(v.meas_hash, TSM_HASH_SHA384);
		assert_int_equal(v.len, b.len);
	}
	tl_free(&b);
}

static void algorithms(void **state)
{
	static const struct {
		uint32_t asym;
		enum tsm_sig_scheme s;
		size_t len;
	} t[] = {
		{ TSM_SPDM_ASYM_RSASSA_2048, TSM_SIG_RSASSA, 256 },
		{ TSM_SPDM_ASYM_RSAPSS_2048, TSM_SIG_RSAPSS, 256 },
		{ TSM_SPDM_ASYM_RSASSA_3072, TSM_SIG_RSASSA, 384 },
		{ TSM_SPDM_ASYM_RSAPSS_3072, TSM_SIG_RSAPSS, 384 },
		{ TSM_SPDM_ASYM_RSASSA_4096, TSM_SIG_RSASSA, 512 },
		{ TSM_SPDM_ASYM_RSAPSS_4096, TSM_SIG_RSAPSS, 512 },
		{ TSM_SPDM_ASYM_ECDSA_P256, TSM_SIG_ECDSA, 64 },
		{ TSM_SPDM_ASYM_ECDSA_P521, TSM_SIG_ECDSA, 132 },
	};
	struct tl_buf b = { 0 };
	struct tsm_vca v;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		tl_vca(&b, 0x12, TSM_SPDM_HASH_SHA512, t[i].asym, TSM_SPDM_MEAS_HASH_RAW);
		assert_int_equal(tsm_vca_parse(b.p, b.len, &v, NULL), 0);
		assert_int_equal(v.sig, t[i].s);
		assert_int_equal(v.sig_len, t[i].len);
		assert_int_equal(v.hash_len, 64);
		assert_int_equal(v.meas_hash, TSM_HASH_NONE);
	}
	tl_free(&b);
}

static void expect_fail(const struct tl_buf *b, int code, const char *needle)
{
	struct tsm_error err;
	struct tsm_vca v;

	assert_int_equal(tsm_vca_parse(b->p, b->len, &v, &err), -code);
	if (needle && !strstr(err.reason, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", err.reason, needle);
}

static void bad(void **state)
{
	struct tl_buf b = { 0 };
	size_t alg_off;

	(void)state;
	tl_vca(&b, 0x12, TSM_SPDM_HASH_SHA256, TSM_SPDM_ASYM_ECDSA_P256,
	       TSM_SPDM_MEAS_HASH_SHA256);
	alg_off = b.len - 40;
	/* trailing bytes */
	tl_u8(&b, 0);
	expect_fail(&b, TSM_E_PARSE, "trailing");
	b.len--;
	/* two hashes selected */
	b.p[alg_off + 16] |= 2;
	expect_fail(&b, TSM_E_PARSE, "BaseHashSel");
	b.p[alg_off + 16] = 0x40;	/* SM3: unsupported */
	expect_fail(&b, TSM_E_UNSUPPORTED, "BaseHashSel");
	b.p[alg_off + 16] = 1;
	b.p[alg_off + 13] = 0x02;	/* SM2 bit 9: unsupported */
	b.p[alg_off + 12] = 0;
	expect_fail(&b, TSM_E_UNSUPPORTED, "BaseAsymSel");
	b.p[alg_off + 13] = 0;
	b.p[alg_off + 12] = 0x10;
	/* ALGORITHMS length larger than the object */
	b.p[alg_off + 4] = 41;
	expect_fail(&b, TSM_E_PARSE, "only 40 bytes left");
	b.p[alg_off + 4] = 20;
	expect_fail(&b, TSM_E_PARSE, "below the minimum");
	b.p[alg_off + 4] = 40;
	/* AlgStructure count lies */
	b.p[alg_off + 2] = 2;
	expect_fail(&b, TSM_E_PARSE, "AlgStructure 1");
	b.p[alg_off + 2] = 1;
	/* wrong code */
	b.p[1] = 0x85;
	expect_fail(&b, TSM_E_PARSE, "GET_VERSION");
	b.p[1] = 0x84;
	/* negotiated version not offered */
	b.p[14] = 0x11;
	expect_fail(&b, TSM_E_PARSE, "did not offer");
	b.p[14] = 0x12;
	/* VERSION count lies */
	b.p[9] = 200;
	expect_fail(&b, TSM_E_PARSE, "entries");
	b.p[9] = 2;
	assert_int_equal(tsm_vca_parse(b.p, b.len, &(struct tsm_vca){ 0 }, NULL), 0);
	tl_free(&b);
}

/* Every truncation is rejected without reading past the end (ASan). */
static void truncations(void **state)
{
	struct tl_buf b = { 0 };

	(void)state;
	tl_vca(&b, 0x12, TSM_SPDM_HASH_SHA256, TSM_SPDM_ASYM_ECDSA_P256, 0);
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct tsm_error err;
		struct tsm_vca v;

		memcpy(copy, b.p, n);
		assert_int_not_equal(tsm_vca_parse(n ? copy : NULL, n, &v, &err), 0);
		assert_true(err.reason[0]);
		free(copy);
	}
	tl_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_versions),
		cmocka_unit_test(algorithms),
		cmocka_unit_test(bad),
		cmocka_unit_test(truncations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
