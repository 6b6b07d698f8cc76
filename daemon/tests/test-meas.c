// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: MEASUREMENTS object parser. */
#include "testlib.h"

static struct tl_evidence ev;

static int setup(void **state)
{
	(void)state;
	tl_evidence_init(&ev, TL_P384, TSM_HASH_SHA384, false);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tl_evidence_fini(&ev);
	return 0;
}

static void good(void **state)
{
	const struct tsm_meas_block *b;
	struct tsm_error err;
	struct tsm_meas m;
	uint8_t d[48];
	uint64_t svn;

	(void)state;
	assert_int_equal(tsm_meas_parse(ev.meas.p, ev.meas.len, 0x12, 96, &m, &err), 0);
	assert_int_equal(m.request_len, 37);
	assert_int_equal(m.req_op, 0xff);
	assert_memory_equal(m.req_nonce, ev.nonce, 32);
	assert_int_equal(m.slot, 0);
	assert_int_equal(m.nblocks, 3);
	assert_int_equal(m.opaque_len, 4);
	assert_int_equal(m.sig_len, 96);
	assert_int_equal(m.request_len + m.response_len, ev.meas.len);
	assert_int_equal(m.signed_len + 96, m.response_len);
	b = tsm_meas_find(&m, 1);
	assert_non_null(b);
	assert_true(b->dmtf);
	assert_false(b->raw);
	assert_int_equal(b->type, TSM_MEAS_MUTABLE_FW);
	tl_default_digest(1, TSM_HASH_SHA384, d);
	assert_int_equal(b->value_size, 48);
	assert_memory_equal(b->value, d, 48);
	assert_null(tsm_meas_find(&m, 9));
	assert_true(tsm_meas_svn(&m, &svn));
	assert_int_equal(svn, 5);
	assert_string_equal(tsm_meas_type_name(TSM_MEAS_SVN), "svn");
	assert_string_equal(tsm_meas_type_name(0x33), "type-51");
	tsm_meas_free(&m);
}

static void v13(void **state)
{
	struct tl_block blocks[3];
	struct tl_buf vca = { 0 }, meas = { 0 };
	struct tsm_meas m;

	(void)state;
	tl_evidence_blocks(&ev, blocks);
	tl_vca(&vca, 0x13, TSM_SPDM_HASH_SHA384, TSM_SPDM_ASYM_ECDSA_P384, 0);
	tl_meas(&meas, 0x13, ev.nonce, blocks, 3, &vca, TSM_HASH_SHA384,
		TSM_SPDM_ASYM_ECDSA_P384, ev.pki.leaf_key);
	assert_int_equal(tsm_meas_parse(meas.p, meas.len, 0x13, 96, &m, NULL), 0);
	assert_int_equal(m.request_len, 45);
	tsm_meas_free(&m);
	/* 1.1 has no signing context: refused */
	assert_int_equal(tsm_meas_parse(meas.p, meas.len, 0x11, 96, &m, NULL),
			 -TSM_E_UNSUPPORTED);
	tl_free(&vca);
	tl_free(&meas);
}

static void expect_fail(const uint8_t *p, size_t len, const char *needle)
{
	struct tsm_error err;
	struct tsm_meas m;

	assert_int_equal(tsm_meas_parse(p, len, 0x12, 96, &m, &err), -TSM_E_PARSE);
	if (needle && !strstr(err.reason, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", err.reason, needle);
}

static void bad(void **state)
{
	struct tl_buf b = { 0 };
	const size_t rsp = 37, rec = rsp + 8;

	(void)state;
	tl_put(&b, ev.meas.p, ev.meas.len);
	b.p[2] = 0;	/* no signature requested */
	expect_fail(b.p, b.len, "no signature requested");
	b.p[2] = 1;
	b.p[0] = 0x11;
	expect_fail(b.p, b.len, "request: version");
	b.p[0] = 0x12;
	b.p[rsp] = 0x11;
	expect_fail(b.p, b.len, "response: version");
	b.p[rsp] = 0x12;
	b.p[rsp + 1] = 0x61;
	expect_fail(b.p, b.len, "expected MEASUREMENTS");
	b.p[rsp + 1] = 0x60;
	b.p[rsp + 3] = 3;	/* slot 3 answered for slot 0 */
	expect_fail(b.p, b.len, "slot");
	b.p[rsp + 3] = 0;
	/* record length lies: too long, too short */
	b.p[rsp + 5] += 1;
	expect_fail(b.p, b.len, NULL);
	b.p[rsp + 5] -= 2;
	expect_fail(b.p, b.len, NULL);
	b.p[rsp + 5] += 1;
	/* block size disagrees with the DMTF value size */
	b.p[rec + 2] += 1;
	expect_fail(b.p, b.len, NULL);
	b.p[rec + 2] -= 1;
	b.p[rec + 5] += 1;
	expect_fail(b.p, b.len, "value size");
	b.p[rec + 5] -= 1;
	/* duplicate index and index 0 */
	b.p[rec + 4 + 3 + 48] = 1;
	expect_fail(b.p, b.len, "appears twice");
	b.p[rec + 4 + 3 + 48] = 0;
	expect_fail(b.p, b.len, "invalid index");
	b.p[rec + 4 + 3 + 48] = 2;
	/* one signature byte too many or too few */
	expect_fail(b.p, b.len - 1, "signature");
	tl_u8(&b, 0);
	expect_fail(b.p, b.len, "signature");
	tl_free(&b);
}

static void truncations(void **state)
{
	(void)state;
	for (size_t n = 0; n < ev.meas.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct tsm_meas m;

		memcpy(copy, ev.meas.p, n);
		assert_int_not_equal(tsm_meas_parse(n ? copy : NULL, n, 0x12, 96, &m, NULL), 0);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(v13),
		cmocka_unit_test(bad),
		cmocka_unit_test(truncations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
