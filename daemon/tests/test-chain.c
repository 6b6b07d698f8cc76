// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: SPDM certificate chain parser and certificate helpers. */
#include "testlib.h"

static struct tl_pki pki;

static int setup(void **state)
{
	struct tl_cert_opts leaf = { .cn = "ACME widget 7", .hwid = "ACME:WIDGET:0007" };

	(void)state;
	tl_pki_init(&pki, TL_P256, &leaf);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tl_pki_fini(&pki);
	return 0;
}

static void good(void **state)
{
	static const enum tsm_hash hashes[] = { TSM_HASH_SHA256, TSM_HASH_SHA384, TSM_HASH_SHA512 };
	struct tl_buf b = { 0 };
	struct tsm_error err;
	struct tsm_chain c;
	char buf[256];
	uint8_t fp[32];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		tl_chain(&b, &pki, hashes[i], true);
		/* with the negotiated hash, and auto-detected */
		assert_int_equal(tsm_chain_parse(b.p, b.len, hashes[i], &c, &err), 0);
		assert_int_equal(c.ncerts, 3);
		assert_true(c.first_is_root);
		assert_true(c.root_hash_ok);
		tsm_chain_free(&c);
		assert_int_equal(tsm_chain_parse(b.p, b.len, TSM_HASH_NONE, &c, &err), 0);
		assert_int_equal(c.hash, hashes[i]);
		assert_int_equal(tsm_chain_subject(&c, 2, buf, sizeof(buf)), 0);
		assert_string_equal(buf, "CN=ACME widget 7,O=pci-tsm test");
		assert_int_equal(tsm_chain_issuer(&c, 2, buf, sizeof(buf)), 0);
		assert_string_equal(buf, "CN=test intermediate CA,O=pci-tsm test");
		assert_int_equal(tsm_chain_leaf_hwid(&c, buf, sizeof(buf)), 0);
		assert_string_equal(buf, "ACME:WIDGET:0007");
		assert_int_equal(tsm_chain_root_fingerprint(&c, fp), 0);
		assert_int_equal(tsm_chain_subject(&c, 3, buf, sizeof(buf)), -TSM_E_INVAL);
		tsm_chain_free(&c);
	}
	/* starting at the intermediate */
	tl_chain(&b, &pki, TSM_HASH_SHA384, false);
	assert_int_equal(tsm_chain_parse(b.p, b.len, TSM_HASH_SHA384, &c, &err), 0);
	assert_int_equal(c.ncerts, 2);
	assert_false(c.first_is_root);
	assert_false(c.root_hash_ok);
	tsm_chain_free(&c);
	tl_free(&b);
}

static void expect_fail(const struct tl_buf *b, enum tsm_hash h, int code, const char *needle)
{
	struct tsm_error err;
	struct tsm_chain c;

	assert_int_equal(tsm_chain_parse(b->p, b->len, h, &c, &err), -code);
	if (needle && !strstr(err.reason, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", err.reason, needle);
	tsm_chain_free(&c);
}

static void bad(void **state)
{
	struct tl_buf b = { 0 };
	struct tsm_chain c;
	char buf[64];

	(void)state;
	tl_chain(&b, &pki, TSM_HASH_SHA256, true);
	/* the length field lies */
	b.p[0]++;
	expect_fail(&b, TSM_HASH_SHA256, TSM_E_PARSE, "length field says");
	b.p[0]--;
	/* root hash mismatch, both with the negotiated and the guessed hash */
	b.p[4] ^= 1;
	expect_fail(&b, TSM_HASH_SHA256, TSM_E_CHAIN, "root hash mismatch");
	expect_fail(&b, TSM_HASH_NONE, TSM_E_CHAIN, "root hash mismatch");
	b.p[4] ^= 1;
	/* the wrong negotiated hash */
	expect_fail(&b, TSM_HASH_SHA384, TSM_E_PARSE, NULL);
	/* a DER length running past the end */
	b.p[4 + 32 + 2] = 0x7f;
	expect_fail(&b, TSM_HASH_SHA256, TSM_E_PARSE, "bad DER header or length");
	tl_chain(&b, &pki, TSM_HASH_SHA256, true);
	/* trailing garbage after the leaf */
	tl_u8(&b, 0x30);
	tl_u8(&b, 0x00);
	b.p[0] = (uint8_t)b.len;
	b.p[1] = (uint8_t)(b.len >> 8);
	expect_fail(&b, TSM_HASH_SHA256, TSM_E_PARSE, "not a valid X.509");
	/* header only */
	b.len = 4 + 32;
	b.p[0] = (uint8_t)b.len;
	b.p[1] = 0;
	expect_fail(&b, TSM_HASH_SHA256, TSM_E_PARSE, "no certificates");
	b.len = 3;
	expect_fail(&b, TSM_HASH_NONE, TSM_E_PARSE, "4-byte header");
	/* a certificate without the hwid SAN */
	tl_free(&b);
	{
		struct tl_pki p2;

		tl_pki_init(&p2, TL_P256, &(struct tl_cert_opts){ .cn = "x" });
		tl_chain(&b, &p2, TSM_HASH_SHA256, true);
		assert_int_equal(tsm_chain_parse(b.p, b.len, TSM_HASH_SHA256, &c, NULL), 0);
		assert_int_equal(tsm_chain_leaf_hwid(&c, buf, sizeof(buf)), -TSM_E_PARSE);
		assert_string_equal(buf, "");
		tsm_chain_free(&c);
		tl_pki_fini(&p2);
	}
	tl_free(&b);
}

static void truncations(void **state)
{
	struct tl_buf b = { 0 };

	(void)state;
	tl_chain(&b, &pki, TSM_HASH_SHA384, true);
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct tsm_chain c;

		memcpy(copy, b.p, n);
		/* keep the length field consistent so the DER walk is exercised */
		if (n >= 2) {
			copy[0] = (uint8_t)n;
			copy[1] = (uint8_t)(n >> 8);
		}
		if (!tsm_chain_parse(copy, n, TSM_HASH_NONE, &c, NULL)) {
			/* only a cut at a certificate boundary is a well-formed chain */
			assert_true(c.ncerts < 3);
			assert_int_equal(c.der[c.ncerts - 1] + c.der_len[c.ncerts - 1], copy + n);
		}
		tsm_chain_free(&c);
		free(copy);
	}
	tl_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(bad),
		cmocka_unit_test(truncations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
