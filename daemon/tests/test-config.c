// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: tsm-verifierd.conf parser. */
#include "testlib.h"

static int cleanup(void **state)
{
	(void)state;
	tl_tmpdir_cleanup();
	return 0;
}

static void defaults(void **state)
{
	struct tsm_config c;
	struct tsm_error err;

	(void)state;
	tsm_config_defaults(&c);
	assert_int_equal(c.mode, TSM_MODE_ENFORCE);
	assert_int_equal(c.present, TSM_PRESENT_KEEP);
	assert_true(c.nonce_required);
	assert_true(c.time_check);
	assert_int_equal(c.timeout_ms, 10000);
	assert_string_equal(c.policy_dir, "/etc/tsm/policy.d");
	assert_string_equal(c.trust_dir, "/etc/tsm/trust");
	assert_string_equal(c.state_dir, "/var/lib/tsm");
	assert_string_equal(c.export_dir, "");
	assert_string_equal(c.export_key, "");
	assert_int_equal(c.export_keep, 1000);
	/* missing file */
	assert_int_equal(tsm_config_load("/nonexistent/tsm.conf", true, &c, &err), 0);
	assert_int_equal(tsm_config_load("/nonexistent/tsm.conf", false, &c, &err), -TSM_E_IO);
	/* an empty file and the shipped example (all keys commented out) */
	assert_int_equal(tsm_config_parse_buffer("e", "", 0, &c, &err), 0);
	{
		const char *dir = getenv("TSM_TEST_DIR");
		char path[1024];

		snprintf(path, sizeof(path), "%s/../../etc/tsm/tsm-verifierd.conf",
			 dir ? dir : "tests");
		if (tsm_config_load(path, false, &c, &err))
			fail_msg("%s", err.reason);
		assert_int_equal(c.timeout_ms, 10000);
	}
}

static void full(void **state)
{
	static const char text[] =
		"# all keys\n"
		"[daemon]\n"
		"mode = audit            # decide and log\n"
		"present = apply\n"
		"  nonce = optional\n"
		"time-check = no ; semicolon comment\n"
		"timeout = 2500ms\n"
		"policy-dir = /tmp/p\n"
		"trust-dir = /tmp/t\n"
		"state-dir = /tmp/s\n"
		"export-dir = /tmp/e\n"
		"export-key = /tmp/k.pem\n"
		"export-keep = 1000000\n";
	struct tsm_config c;
	struct tsm_error err;

	(void)state;
	if (tsm_config_load(tl_write_tmp("full.conf", text), false, &c, &err))
		fail_msg("%s", err.reason);
	assert_int_equal(c.mode, TSM_MODE_AUDIT);
	assert_int_equal(c.present, TSM_PRESENT_APPLY);
	assert_false(c.nonce_required);
	assert_false(c.time_check);
	assert_int_equal(c.timeout_ms, 2500);
	assert_string_equal(c.policy_dir, "/tmp/p");
	assert_string_equal(c.trust_dir, "/tmp/t");
	assert_string_equal(c.state_dir, "/tmp/s");
	assert_string_equal(c.export_dir, "/tmp/e");
	assert_string_equal(c.export_key, "/tmp/k.pem");
	assert_int_equal(c.export_keep, 1000000);
}

static void timeouts(void **state)
{
	static const struct {
		const char *v;
		unsigned int ms;
	} t[] = {
		{ "10s", 10000 }, { "3", 3000 }, { "1m", 60000 }, { "2min", 120000 },
		{ "1ms", 1 }, { "60m", 3600000 },
		{ "0s", 0 }, { "61m", 0 }, { "-1s", 0 }, { "1h", 0 }, { "s", 0 },
		{ "010s", 0 }, { "1.5s", 0 }, { "99999999999999999999s", 0 },
	};
	struct tsm_config c;
	char text[128];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc;

		snprintf(text, sizeof(text), "[daemon]\ntimeout = %s\n", t[i].v);
		rc = tsm_config_parse_buffer("t", text, strlen(text), &c, NULL);
		if (t[i].ms) {
			assert_int_equal(rc, 0);
			assert_int_equal(c.timeout_ms, t[i].ms);
		} else {
			assert_int_equal(rc, -TSM_E_CONFIG);
		}
	}
}

static void errors(void **state)
{
	static const struct {
		const char *text, *want;
	} t[] = {
		{ "[daemon]\nmode = loud\n", "x.conf:2: bad value \"loud\" for mode" },
		{ "[daemon]\n\nfoo = 1\n", "x.conf:3: unknown key \"foo\"" },
		{ "mode = audit\n", "x.conf:1: key \"mode\" outside [daemon]" },
		{ "[server]\n", "x.conf:1: unknown section [server]" },
		{ "[daemon]\n[daemon]\n", "x.conf:2: duplicate section [daemon]" },
		{ "[daemon]\nmode = audit\nmode = enforce\n",
		  "x.conf:3: duplicate key \"mode\" (first on line 2)" },
		{ "[daemon]\npolicy-dir = etc/tsm\n", "x.conf:2: policy-dir must be an absolute path" },
		{ "[daemon]\ntime-check = maybe\n", "x.conf:2: bad value \"maybe\" for time-check" },
		{ "[daemon]\nnonce\n", "x.conf:2: syntax error" },
		{ "[daemon]\npresent = drop\n", "x.conf:2: bad value \"drop\" for present" },
		{ "[daemon]\nnonce = sometimes\n", "x.conf:2: bad value \"sometimes\" for nonce" },
		{ "[daemon]\nexport-dir = export\n", "x.conf:2: export-dir must be an absolute path" },
		{ "[daemon]\nexport-key = key.pem\n", "x.conf:2: export-key must be an absolute path" },
		{ "[daemon]\nexport-keep = 0\n", "x.conf:2: bad value \"0\" for export-keep" },
		{ "[daemon]\nexport-keep = 1000001\n", "x.conf:2: bad value \"1000001\" for export-keep" },
		{ "[daemon]\nexport-keep = -5\n", "x.conf:2: bad value \"-5\" for export-keep" },
		{ "[daemon]\nexport-keep = 010\n", "x.conf:2: bad value \"010\" for export-keep" },
		{ "[daemon]\nexport-keep = 10k\n", "x.conf:2: bad value \"10k\" for export-keep" },
	};
	struct tsm_config c;
	struct tsm_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(tsm_config_parse_buffer("x.conf", t[i].text, strlen(t[i].text),
							 &c, &err), -TSM_E_CONFIG);
		if (!strstr(err.reason, t[i].want))
			fail_msg("got \"%s\", wanted \"%s\"", err.reason, t[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(full),
		cmocka_unit_test(timeouts),
		cmocka_unit_test(errors),
	};

	return cmocka_run_group_tests(tests, NULL, cleanup);
}
