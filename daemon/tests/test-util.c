// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: reader, hex, files, digests, globs, errors. */
#include "testlib.h"

static void reader(void **state)
{
	static const uint8_t data[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	struct tsm_reader r;
	const uint8_t *p;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	(void)state;
	tsm_reader_init(&r, data, sizeof(data));
	assert_true(tsm_get_u8(&r, &v8) && v8 == 1);
	assert_true(tsm_get_le16(&r, &v16) && v16 == 0x0302);
	assert_true(tsm_get_le24(&r, &v32) && v32 == 0x060504);
	assert_false(tsm_get_le64(&r, &v64));	/* 5 left */
	assert_int_equal(tsm_reader_left(&r), 5);
	assert_true(tsm_get_le32(&r, &v32) && v32 == 0x0a090807);
	assert_false(tsm_get_le16(&r, &v16));
	assert_true(tsm_get_bytes(&r, 1, &p) && *p == 11);
	assert_false(tsm_skip(&r, 1));
	assert_true(tsm_get_bytes(&r, 0, &p));
	assert_false(tsm_get_bytes(&r, SIZE_MAX, &p));
	tsm_reader_init(&r, NULL, 100);
	assert_int_equal(tsm_reader_left(&r), 0);
}

static void hex(void **state)
{
	uint8_t out[4];
	char buf[9];

	(void)state;
	assert_int_equal(tsm_unhex("00aBcD", out, sizeof(out)), 3);
	assert_memory_equal(out, "\x00\xab\xcd", 3);
	assert_int_equal(tsm_unhex("abc", out, sizeof(out)), -1);
	assert_int_equal(tsm_unhex("zz", out, sizeof(out)), -1);
	assert_int_equal(tsm_unhex("0102030405", out, sizeof(out)), -1);
	assert_int_equal(tsm_unhex("", out, sizeof(out)), 0);
	assert_string_equal(tsm_hex(out, 3, buf, sizeof(buf)), "00abcd");
	assert_string_equal(tsm_hex((const uint8_t *)"\x01\x02\x03\x04\x05", 5, buf, sizeof(buf)),
			    "01020304");
}

static void errors(void **state)
{
	struct tsm_error err;

	(void)state;
	assert_int_equal(tsm_fail(&err, TSM_E_PARSE, "x", "n=%d", 5), -TSM_E_PARSE);
	assert_string_equal(err.reason, "n=5");
	assert_string_equal(err.check, "x");
	tsm_error_prefix(&err, "file:%d", 3);
	assert_string_equal(err.reason, "file:3: n=5");
	assert_int_equal(tsm_fail(NULL, TSM_E_IO, "x", "y"), -TSM_E_IO);
	tsm_error_clear(&err);
	assert_int_equal(err.code, TSM_OK);
	assert_string_equal(tsm_rc_name(TSM_E_SIGNATURE), "signature");
	assert_string_equal(tsm_rc_name(99), "unknown");
	{
		char big[2 * TSM_REASON_MAX];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		tsm_fail(&err, TSM_E_PARSE, "x", "%s", big);
		tsm_error_prefix(&err, "%s", big);
		assert_int_equal(strlen(err.reason), TSM_REASON_MAX - 1);
	}
}

static void files(void **state)
{
	struct tsm_error err;
	uint8_t *data;
	size_t len;
	const char *p = tl_write_tmp("f", "hello");

	(void)state;
	assert_int_equal(tsm_read_file(p, 100, &data, &len, &err), 0);
	assert_int_equal(len, 5);
	assert_string_equal((char *)data, "hello");
	free(data);
	assert_int_equal(tsm_read_file(p, 4, &data, &len, &err), -TSM_E_IO);
	assert_non_null(strstr(err.reason, "larger than 4 bytes"));
	assert_int_equal(tsm_read_file("/nonexistent", 4, &data, &len, &err), -TSM_E_IO);
	assert_non_null(strstr(err.reason, "No such file"));
	p = tl_write_tmp("empty", "");
	assert_int_equal(tsm_read_file(p, 4, &data, &len, &err), 0);
	assert_int_equal(len, 0);
	free(data);
	tl_tmpdir_cleanup();
}

static void hashes(void **state)
{
	uint8_t d[64];

	(void)state;
	assert_int_equal(tsm_hash_len(TSM_HASH_SHA384), 48);
	assert_int_equal(tsm_hash_from_name("sha512"), TSM_HASH_SHA512);
	assert_int_equal(tsm_hash_from_name("SHA256"), TSM_HASH_NONE);
	assert_int_equal(tsm_hash_from_len(32), TSM_HASH_SHA256);
	assert_int_equal(tsm_hash_from_len(20), TSM_HASH_NONE);
	assert_string_equal(tsm_hash_name(TSM_HASH_NONE), "none");
	assert_int_equal(tsm_digest(TSM_HASH_SHA256, "abc", 3, d), 0);
	assert_memory_equal(d, "\xba\x78\x16\xbf\x8f\x01\xcf\xea", 8);
	assert_int_equal(tsm_digest(TSM_HASH_NONE, "abc", 3, d), -TSM_E_INVAL);
	assert_true(tsm_glob_match("0000:01:*", "0000:01:00.0"));
	assert_true(tsm_glob_match("CN=a/b*", "CN=a/b/c"));
	assert_false(tsm_glob_match("0000:01:?", "0000:01:00.0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reader),
		cmocka_unit_test(hex),
		cmocka_unit_test(errors),
		cmocka_unit_test(files),
		cmocka_unit_test(hashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
