// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: policy language (good/bad corpora), evaluation, printer. */
#include <dirent.h>
#include <sys/stat.h>

#include "testlib.h"
#include "inifile.h"

static char corpus[1024], trust[1100];

static int setup(void **state)
{
	const char *dir = getenv("TSM_TEST_DIR");

	(void)state;
	snprintf(corpus, sizeof(corpus), "%s/policy", dir ? dir : "tests");
	snprintf(trust, sizeof(trust), "%s/trust", corpus);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tl_tmpdir_cleanup();
	return 0;
}

static size_t list_conf(const char *dir, char names[][256], size_t max)
{
	struct dirent **ents;
	size_t n = 0;
	int cnt = scandir(dir, &ents, NULL, alphasort);

	assert_true(cnt >= 0);
	for (int i = 0; i < cnt; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (l > 5 && !strcmp(ents[i]->d_name + l - 5, ".conf") && n < max)
			snprintf(names[n++], 256, "%s", ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return n;
}

static void good_corpus(void **state)
{
	char names[64][256], path[2048];
	size_t n;
	struct tsm_policy *pol;
	struct tsm_error err;

	(void)state;
	snprintf(path, sizeof(path), "%s/good", corpus);
	n = list_conf(path, names, 64);
	assert_true(n >= 5);
	for (size_t i = 0; i < n; i++) {
		pol = tsm_policy_new(trust);
		snprintf(path, sizeof(path), "%s/good/%s", corpus, names[i]);
		if (tsm_policy_load_file(pol, path, &err))
			fail_msg("%s: %s", names[i], err.reason);
		tsm_policy_free(pol);
	}
	snprintf(path, sizeof(path), "%s/good", corpus);
	if (tsm_policy_load_dir(path, trust, &pol, &err))
		fail_msg("dir: %s", err.reason);
	assert_int_equal(pol->nrules, 9);
	assert_string_equal(pol->rules[0].name, "acme-accelerator");
	assert_string_equal(pol->rules[4].name, "lab-unverified");
	assert_true(pol->rules[4].allow_unverified);
	assert_false(pol->rules[0].allow_unverified);
	assert_string_equal(pol->rules[7].name, "no-newline-at-end");
	assert_true(pol->has_default);
	assert_int_equal(pol->default_target, TSM_TARGET_DENY);
	/* spot checks of 10-full.conf */
	{
		const struct tsm_rule *r = &pol->rules[0];

		assert_true(r->has_vendor && r->vendor == 0x8086);
		assert_true(r->has_device && r->device == 0xffff);
		assert_true(r->has_class && r->class_code == 0x120000);
		assert_string_equal(r->match_address, "10000:01:00.*");
		assert_string_equal(r->match_subject, "CN=ACME*");
		assert_string_equal(r->match_hwid, "ACME:WIDGET:*");
		assert_true(r->has_match_root && r->has_root_pin);
		assert_memory_equal(r->match_root, r->root_pin, 32);
		assert_int_equal(r->nanchors, 1);
		assert_int_equal(sk_X509_num(r->anchors), 1);
		assert_int_equal(r->nmeas, 3);
		assert_int_equal(r->meas[1].index, 1);
		assert_int_equal(r->meas[1].alg, TSM_HASH_SHA256);
		assert_int_equal(r->meas[1].line, 13);
		assert_int_equal(r->meas[2].alg, TSM_HASH_SHA512);
		assert_true(r->has_svn_min && r->svn_min == 3);
		assert_int_equal(r->report_require, TSM_REPORT_NO_FW_UPDATE | TSM_REPORT_DMA_NO_PASID);
		assert_int_equal(r->report_forbid, TSM_REPORT_ATS | TSM_REPORT_PRS);
		assert_int_equal(r->target, TSM_TARGET_ACCEPT);
		assert_int_equal(r->line, 2);
		assert_int_equal(pol->rules[2].target, TSM_TARGET_AUDIT);
		assert_int_equal(pol->rules[3].vendor, 4660);
		assert_int_equal(pol->rules[3].svn_min, 16);
		assert_int_equal(pol->rules[3].report_require, TSM_REPORT_DMA_PASID | TSM_REPORT_ATS);
	}
	tsm_policy_free(pol);
	/*
	 * The shipped policy.d is empty, so that an administrator's own file
	 * may hold [default]: it loads, with the built-in default (deny).
	 */
	snprintf(path, sizeof(path), "%s/../../../etc/tsm/policy.d", corpus);
	if (tsm_policy_load_dir(path, trust, &pol, &err))
		fail_msg("etc/tsm/policy.d: %s", err.reason);
	assert_false(pol->has_default);
	assert_int_equal(pol->nrules, 0);
	tsm_policy_free(pol);
	/* the example the packages install as documentation loads too */
	snprintf(path, sizeof(path), "%s/../../../etc/examples", corpus);
	if (tsm_policy_load_dir(path, trust, &pol, &err))
		fail_msg("etc/examples: %s", err.reason);
	tsm_policy_free(pol);
}

static void bad_corpus(void **state)
{
	char names[128][256], path[2048], expect[4096];
	size_t n;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad", corpus);
	n = list_conf(path, names, 128);
	assert_true(n >= 30);
	for (size_t i = 0; i < n; i++) {
		struct tsm_policy *pol = tsm_policy_new(trust);
		struct tsm_error err;
		uint8_t *want;
		size_t wlen;
		int rc;

		snprintf(path, sizeof(path), "%s/bad/%.*s.expect", corpus,
			 (int)strlen(names[i]) - 5, names[i]);
		if (tsm_read_file(path, 4096, &want, &wlen, &err))
			fail_msg("%s: %s", names[i], err.reason);
		snprintf(expect, sizeof(expect), "%s", (char *)want);
		expect[strcspn(expect, "\n")] = '\0';
		free(want);
		snprintf(path, sizeof(path), "%s/bad/%s", corpus, names[i]);
		rc = tsm_policy_load_file(pol, path, &err);
		if (!rc)
			fail_msg("%s: accepted", names[i]);
		assert_int_equal(rc, -TSM_E_CONFIG);
		if (!strstr(err.reason, expect))
			fail_msg("%s:\n  got    \"%s\"\n  wanted \"%s\"", names[i], err.reason, expect);
		tsm_policy_free(pol);
	}
}

static char *print_policy(const struct tsm_policy *pol)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(tsm_policy_print(f, pol), 0);
	fclose(f);
	return text;
}

static void round_trip(void **state)
{
	char path[2048];
	struct tsm_policy *a, *b;
	struct tsm_error err;
	char *t1, *t2;

	(void)state;
	snprintf(path, sizeof(path), "%s/good", corpus);
	assert_int_equal(tsm_policy_load_dir(path, trust, &a, &err), 0);
	t1 = print_policy(a);
	b = tsm_policy_new(trust);
	if (tsm_policy_parse_buffer(b, "printed.conf", t1, strlen(t1), &err))
		fail_msg("%s\n%s", err.reason, t1);
	t2 = print_policy(b);
	assert_string_equal(t1, t2);
	assert_int_equal(a->nrules, b->nrules);
	for (size_t i = 0; i < a->nrules; i++) {
		const struct tsm_rule *x = &a->rules[i], *y = &b->rules[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->nmeas, y->nmeas);
		for (size_t j = 0; j < x->nmeas; j++)
			assert_memory_equal(x->meas[j].digest, y->meas[j].digest, TSM_HASH_MAX_LEN);
		assert_int_equal(x->report_require, y->report_require);
		assert_int_equal(x->report_forbid, y->report_forbid);
		assert_int_equal(x->target, y->target);
		assert_int_equal(x->nanchors, y->nanchors);
	}
	free(t1);
	free(t2);
	tsm_policy_free(b);
	/* a value the reader would cut is refused by the printer */
	tsm_rule_set_string(&a->rules[1].match_address, "0000:01:00.0 #x");
	{
		FILE *f = fopen("/dev/null", "w");

		assert_int_equal(tsm_policy_print(f, a), -TSM_E_INVAL);
		fclose(f);
	}
	tsm_policy_free(a);
}

/*
 * "key=value" may fill a whole line; the printer's "key = value" would not
 * fit, so it refuses rather than write what cannot be read (found by
 * fuzz-policy).
 */
static void print_line_limit(void **state)
{
	char text[512], value[TSM_INI_MAX_TEXT + 1];
	size_t room = TSM_INI_MAX_TEXT - strlen("match.hwid=");
	struct tsm_policy *pol;
	struct tsm_error err;
	FILE *f;

	(void)state;
	for (int fit = 0; fit < 2; fit++) {
		/* fit: two characters shorter, so the spaces fit too */
		memset(value, 'h', room);
		value[room - (fit ? 2 : 0)] = '\0';
		snprintf(text, sizeof(text), "[rule \"long\"]\ntarget = deny\nmatch.hwid=%s\n",
			 value);
		pol = tsm_policy_new(NULL);
		if (tsm_policy_parse_buffer(pol, "long.conf", text, strlen(text), &err))
			fail_msg("%s", err.reason);
		if (fit) {
			char *t = print_policy(pol);
			struct tsm_policy *back = tsm_policy_new(NULL);

			if (tsm_policy_parse_buffer(back, "printed.conf", t, strlen(t), &err))
				fail_msg("%s\n%s", err.reason, t);
			assert_string_equal(back->rules[0].match_hwid, value);
			tsm_policy_free(back);
			free(t);
		} else {
			f = fopen("/dev/null", "w");
			assert_non_null(f);
			assert_int_equal(tsm_policy_print(f, pol), -TSM_E_INVAL);
			fclose(f);
		}
		tsm_policy_free(pol);
	}
	/* one character more does not parse at all */
	memset(value, 'h', room + 1);
	value[room + 1] = '\0';
	snprintf(text, sizeof(text), "[rule \"long\"]\ntarget = deny\nmatch.hwid=%s\n", value);
	pol = tsm_policy_new(NULL);
	assert_int_equal(tsm_policy_parse_buffer(pol, "long.conf", text, strlen(text), &err),
			 -TSM_E_CONFIG);
	assert_non_null(strstr(err.reason, "long.conf:3: line longer than 197"));
	tsm_policy_free(pol);
}

static void directory(void **state)
{
	char dir[1024];
	struct tsm_policy *pol;
	struct tsm_error err;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/pd", tl_tmpdir());
	mkdir(dir, 0755);
	tl_write_tmp("pd/20-b.conf", "[rule \"b\"]\ntarget = deny\n");
	tl_write_tmp("pd/10-a.conf", "[rule \"a\"]\ntarget = deny\n[default]\nunverified = allow\ntarget = audit\n");
	tl_write_tmp("pd/30-c.conf.disabled", "garbage\n");
	tl_write_tmp("pd/.hidden.conf", "garbage\n");
	assert_int_equal(tsm_policy_load_dir(dir, NULL, &pol, &err), 0);
	assert_int_equal(pol->nrules, 2);
	assert_string_equal(pol->rules[0].name, "a");
	assert_string_equal(pol->rules[1].name, "b");
	assert_int_equal(pol->default_target, TSM_TARGET_AUDIT);
	tsm_policy_free(pol);
	/* a duplicate across files names both places */
	tl_write_tmp("pd/40-d.conf", "\n[rule \"a\"]\ntarget = deny\n");
	assert_int_equal(tsm_policy_load_dir(dir, NULL, &pol, &err), -TSM_E_CONFIG);
	assert_null(pol);
	assert_non_null(strstr(err.reason, "40-d.conf:2: duplicate rule \"a\" (first at "));
	assert_non_null(strstr(err.reason, "10-a.conf:1)"));
	/* missing directory: empty policy, default deny */
	assert_int_equal(tsm_policy_load_dir("/nonexistent/policy.d", NULL, &pol, &err), 0);
	assert_int_equal(pol->nrules, 0);
	assert_int_equal(pol->default_target, TSM_TARGET_DENY);
	tsm_policy_free(pol);
	/* unreadable file (a directory named .conf) */
	snprintf(dir, sizeof(dir), "%s/pd2", tl_tmpdir());
	mkdir(dir, 0755);
	tl_write_tmp("pd2/x.conf", "");
	{
		char sub[1100];

		snprintf(sub, sizeof(sub), "%s/y.conf", dir);
		mkdir(sub, 0755);
	}
	assert_int_equal(tsm_policy_load_dir(dir, NULL, &pol, &err), -TSM_E_CONFIG);
	assert_non_null(strstr(err.reason, "y.conf"));
}

/* ---- evaluation ---------------------------------------------------------- */

static struct tl_evidence ev;
static struct tsm_parsed parsed;
static char tdir[1024];
static const struct tsm_device_id dev = { 0x8086, 0x0b25, 0x120000, "0000:01:00.0" };

static int eval_setup(void **state)
{
	struct tsm_evidence v;
	char path[1200];
	struct tl_pki other;

	setup(state);
	tl_evidence_init(&ev, TL_P384, TSM_HASH_SHA384, false);
	v = tl_evidence_view(&ev);
	assert_int_equal(tsm_evidence_parse(&v, &parsed, NULL), 0);
	snprintf(tdir, sizeof(tdir), "%s/trust", tl_tmpdir());
	mkdir(tdir, 0755);
	snprintf(path, sizeof(path), "%s/root.pem", tdir);
	tl_write_pem(path, ev.pki.root);
	tl_pki_init(&other, TL_P256, NULL);
	snprintf(path, sizeof(path), "%s/other.pem", tdir);
	tl_write_pem(path, other.root);
	tl_pki_fini(&other);
	return 0;
}

static int eval_teardown(void **state)
{
	tsm_parsed_free(&parsed);
	tl_evidence_fini(&ev);
	return teardown(state);
}

static struct tsm_decision decide_opts(const char *text, const struct tsm_device_id *d,
				       const struct tsm_eval_opts *o)
{
	struct tsm_policy *pol = tsm_policy_new(tdir);
	struct tsm_decision dec;
	struct tsm_error err;

	if (tsm_policy_parse_buffer(pol, "t.conf", text, strlen(text), &err))
		fail_msg("%s\n%s", err.reason, text);
	assert_int_equal(tsm_policy_evaluate(pol, d, &parsed, o, &dec), 0);
	tsm_policy_free(pol);
	return dec;
}

static struct tsm_decision decide(const char *text)
{
	struct tsm_eval_opts o = {
		.nonce = ev.nonce, .nonce_len = 32, .nonce_required = true,
		.verify = { .check_time = true },
	};

	return decide_opts(text, &dev, &o);
}

static const char *hex(const uint8_t *d, size_t n)
{
	static char buf[4][129];
	static int slot;

	return tsm_hex(d, n, buf[slot++ % 4], sizeof(buf[0]));
}

#define ASSERT_DECISION(d, t, r, chk)						\
	do {									\
		if ((d).target != (t) || strcmp((d).rule, (r)) ||		\
		    strcmp((d).check, (chk)))					\
			fail_msg("decision %s rule %s check %s: %s",		\
				 tsm_target_name((d).target), (d).rule,		\
				 (d).check, (d).reason);			\
	} while (0)

static void evaluate(void **state)
{
	char text[4096];
	struct tsm_decision d;
	const char *d1 = hex(ev.d1, 48);

	(void)state;
	snprintf(text, sizeof(text),
		 "[rule \"other-vendor\"]\nmatch.vendor = 0x1111\ntarget = deny\n"
		 "[rule \"good\"]\nmatch.vendor = 0x8086\nmatch.class = 0x120000\n"
		 "trust-anchor = root.pem\nmeasurement.1 = sha384:%s\n"
		 "measurement.svn-min = 5\nreport.require = no-fw-update\nreport.forbid = ats\n"
		 "target = accept\n[default]\ntarget = deny\n", d1);
	d = decide(text);
	ASSERT_DECISION(d, TSM_TARGET_ACCEPT, "good", "");
	assert_true(d.matched && d.requirements_met);

	/* no rule matches: default */
	{
		struct tsm_device_id other = dev;
		struct tsm_eval_opts o = { .nonce = ev.nonce, .nonce_len = 32 };

		other.vendor = 0x2222;
		d = decide_opts(text, &other, &o);
		ASSERT_DECISION(d, TSM_TARGET_DENY, "default", "default");
		assert_false(d.matched);
		other.vendor = 0x1111;
		d = decide_opts(text, &other, &o);
		ASSERT_DECISION(d, TSM_TARGET_DENY, "other-vendor", "target");
	}

	/* measurement mismatch, with a reason that shows both values */
	snprintf(text, sizeof(text),
		 "[rule \"m\"]\ntrust-anchor = root.pem\nmeasurement.2 = sha384:%s\ntarget = accept\n"
		 "[rule \"later\"]\ntrust-anchor = root.pem\ntarget = accept\n", d1);
	d = decide(text);
	ASSERT_DECISION(d, TSM_TARGET_DENY, "m", "measurement.value");
	{
		char want[512];

		snprintf(want, sizeof(want),
			 "measurement 2 digest mismatch: expected sha384:%s, got sha384:%s",
			 d1, hex(ev.d2, 48));
		assert_string_equal(d.reason, want);
	}
	/* repeatable: any listed value matches */
	snprintf(text, sizeof(text),
		 "[rule \"m\"]\ntrust-anchor = root.pem\nmeasurement.2 = sha384:%s\n"
		 "measurement.2 = sha384:%s\ntarget = accept\n", d1, hex(ev.d2, 48));
	ASSERT_DECISION(decide(text), TSM_TARGET_ACCEPT, "m", "");
	/* raw value compared through its digest (SVN block 3, 8 raw bytes) */
	{
		uint8_t dd[32];

		tsm_digest(TSM_HASH_SHA256, ev.svn, 8, dd);
		snprintf(text, sizeof(text),
			 "[rule \"raw\"]\ntrust-anchor = root.pem\nmeasurement.3 = sha256:%s\n"
			 "target = accept\n", hex(dd, 32));
		ASSERT_DECISION(decide(text), TSM_TARGET_ACCEPT, "raw", "");
	}
	snprintf(text, sizeof(text),
		 "[rule \"m9\"]\ntrust-anchor = root.pem\nmeasurement.9 = sha384:%s\ntarget = accept\n",
		 d1);
	d = decide(text);
	ASSERT_DECISION(d, TSM_TARGET_DENY, "m9", "measurement.value");
	assert_non_null(strstr(d.reason, "measurement 9 missing"));

	/* SVN below minimum */
	d = decide("[rule \"svn\"]\ntrust-anchor = root.pem\nmeasurement.svn-min = 6\ntarget = accept\n");
	ASSERT_DECISION(d, TSM_TARGET_DENY, "svn", "measurement.svn");
	assert_string_equal(d.reason, "security version 5 below the minimum 6");

	/* wrong trust anchor */
	d = decide("[rule \"a\"]\ntrust-anchor = other.pem\ntarget = accept\n");
	ASSERT_DECISION(d, TSM_TARGET_DENY, "a", "chain.untrusted");
	assert_int_equal(d.code, TSM_E_CHAIN);
	/* either of two anchors */
	ASSERT_DECISION(decide("[rule \"a\"]\ntrust-anchor = other.pem\ntrust-anchor = root.pem\n"
			       "target = accept\n"), TSM_TARGET_ACCEPT, "a", "");

	/* audit: failures are reported but the target is audit */
	d = decide("[rule \"au\"]\ntrust-anchor = other.pem\ntarget = audit\n");
	ASSERT_DECISION(d, TSM_TARGET_AUDIT, "au", "chain.untrusted");
	assert_false(d.requirements_met);
	d = decide("[rule \"au\"]\ntrust-anchor = root.pem\ntarget = audit\n");
	ASSERT_DECISION(d, TSM_TARGET_AUDIT, "au", "");
	assert_true(d.requirements_met);

	/* report bits */
	d = decide("[rule \"r\"]\ntrust-anchor = root.pem\nreport.require = ats no-fw-update\ntarget = accept\n");
	ASSERT_DECISION(d, TSM_TARGET_DENY, "r", "report.require");
	assert_string_equal(d.reason, "report interface_info 0x0003 lacks required ats");
	d = decide("[rule \"r\"]\ntrust-anchor = root.pem\nreport.forbid = dma-no-pasid\ntarget = accept\n");
	ASSERT_DECISION(d, TSM_TARGET_DENY, "r", "report.forbid");
	assert_string_equal(d.reason, "report interface_info 0x0003 has forbidden dma-no-pasid");
}

static void evaluate_nonce_and_layout(void **state)
{
	static const char rule[] = "[rule \"n\"]\ntrust-anchor = root.pem\ntarget = accept\n";
	struct tsm_eval_opts o = { .nonce_required = true, .verify = { .check_time = true } };
	struct tsm_device_layout lay = { .bars = { [0] = { 0xfe000000, 0x10000 } } };
	uint8_t stale[32];
	struct tsm_decision d;

	(void)state;
	d = decide_opts(rule, &dev, &o);
	ASSERT_DECISION(d, TSM_TARGET_DENY, "n", "measurements.nonce");
	o.nonce_required = false;
	ASSERT_DECISION(decide_opts(rule, &dev, &o), TSM_TARGET_ACCEPT, "n", "");
	memcpy(stale, ev.nonce, 32);
	stale[0] ^= 0xff;
	o.nonce = stale;
	o.nonce_len = 32;
	d = decide_opts(rule, &dev, &o);
	ASSERT_DECISION(d, TSM_TARGET_DENY, "n", "measurements.nonce");
	assert_non_null(strstr(d.reason, "stale nonce"));
	o.nonce = ev.nonce;
	o.layout = &lay;
	ASSERT_DECISION(decide_opts(rule, &dev, &o), TSM_TARGET_ACCEPT, "n", "");
	lay.bars[0].size = 0x8000;	/* the report's 16 pages no longer fit */
	d = decide_opts(rule, &dev, &o);
	ASSERT_DECISION(d, TSM_TARGET_DENY, "n", "report");
	assert_non_null(strstr(d.reason, "outside BAR 0"));
	/* no parsed evidence at all */
	{
		struct tsm_policy *pol = tsm_policy_new(tdir);

		tsm_policy_parse_buffer(pol, "t.conf", rule, sizeof(rule) - 1, NULL);
		tsm_policy_evaluate(pol, &dev, NULL, &o, &d);
		ASSERT_DECISION(d, TSM_TARGET_DENY, "n", "evidence");
		tsm_policy_free(pol);
	}
}

static void matching(void **state)
{
	char text[2048], buf[256];
	uint8_t fp[32];
	struct tsm_device_id other = dev;
	struct tsm_eval_opts o = { .nonce = ev.nonce, .nonce_len = 32 };

	(void)state;
	tsm_chain_root_fingerprint(&parsed.chain, fp);
	tsm_chain_subject(&parsed.chain, 2, buf, sizeof(buf));
	assert_string_equal(buf, "CN=test responder,O=pci-tsm test");
#define M(rule_body, want)							\
	do {									\
		snprintf(text, sizeof(text),					\
			 "[rule \"x\"]\n%s\ntrust-anchor = root.pem\ntarget = accept\n", \
			 rule_body);						\
		ASSERT_DECISION(decide_opts(text, &other, &o), (want),		\
				(want) == TSM_TARGET_ACCEPT ? "x" : "default",	\
				(want) == TSM_TARGET_ACCEPT ? "" : "default");	\
	} while (0)
	M("match.device = 0x0b25", TSM_TARGET_ACCEPT);
	M("match.device = 0x0b26", TSM_TARGET_DENY);
	M("match.class = 0x120001", TSM_TARGET_DENY);
	M("match.address = 0000:01:*", TSM_TARGET_ACCEPT);
	M("match.address = 0000:02:*", TSM_TARGET_DENY);
	M("match.subject = CN=test resp*", TSM_TARGET_ACCEPT);
	M("match.subject = CN=other*", TSM_TARGET_DENY);
	M("match.hwid = ACME:WIDGET:00??", TSM_TARGET_ACCEPT);
	M("match.hwid = ACME:GADGET:*", TSM_TARGET_DENY);
	snprintf(buf, sizeof(buf), "match.root-fingerprint = sha256:%s", hex(fp, 32));
	M(buf, TSM_TARGET_ACCEPT);
	fp[0] ^= 1;
	snprintf(buf, sizeof(buf), "match.root-fingerprint = sha256:%s", hex(fp, 32));
	M(buf, TSM_TARGET_DENY);
	fp[0] ^= 1;
	other.pci_name = NULL;
	M("match.address = *", TSM_TARGET_DENY);
#undef M
	/* root-fingerprint without trust-anchor: the pinned chain root anchors the path */
	snprintf(text, sizeof(text), "[rule \"pin\"]\nroot-fingerprint = sha256:%s\ntarget = accept\n",
		 hex(fp, 32));
	ASSERT_DECISION(decide_opts(text, &dev, &o), TSM_TARGET_ACCEPT, "pin", "");
	fp[1] ^= 1;
	snprintf(text, sizeof(text), "[rule \"pin\"]\nroot-fingerprint = sha256:%s\ntarget = accept\n",
		 hex(fp, 32));
	ASSERT_DECISION(decide_opts(text, &dev, &o), TSM_TARGET_DENY, "pin", "root-fingerprint");
}

static void cached(void **state)
{
	static const char rule[] = "[rule \"c\"]\ntrust-anchor = root.pem\ntarget = accept\n";
	struct tsm_verify_cache *vc = tsm_verify_cache_new(8, 60);
	struct tsm_eval_opts o = { .nonce = ev.nonce, .nonce_len = 32, .cache = vc,
				   .verify = { .check_time = true } };
	struct tsm_policy *pol = tsm_policy_new(tdir);
	struct tsm_decision d;
	unsigned long hits, misses;

	(void)state;
	assert_int_equal(tsm_policy_parse_buffer(pol, "t.conf", rule, sizeof(rule) - 1, NULL), 0);
	for (int i = 0; i < 3; i++) {
		tsm_policy_evaluate(pol, &dev, &parsed, &o, &d);
		ASSERT_DECISION(d, TSM_TARGET_ACCEPT, "c", "");
	}
	tsm_verify_cache_stats(vc, &hits, &misses);
	assert_int_equal(hits, 2);
	assert_int_equal(misses, 1);
	tsm_policy_free(pol);
	tsm_verify_cache_free(vc);
}

/* report.require needs the report of the verified generation, not any report. */
static void report_generation(void **state)
{
	static const char text[] = "[rule \"r\"]\ntrust-anchor = root.pem\n"
				   "report.require = no-fw-update\ntarget = accept\n";
	struct tsm_eval_opts o = { .nonce = ev.nonce, .nonce_len = 32 };
	struct tsm_policy *pol = tsm_policy_new(tdir);
	struct tsm_evidence v = tl_evidence_view(&ev);
	struct tsm_parse_opts po = { .has_generation = true, .generation = 7,
				     .report_generation = 7 };
	struct tsm_decision d;
	struct tsm_parsed p;

	(void)state;
	assert_int_equal(tsm_policy_parse_buffer(pol, "t.conf", text, sizeof(text) - 1, NULL), 0);
	assert_int_equal(tsm_evidence_parse_ex(&v, &po, &p, NULL), 0);
	assert_true(p.has_report);
	tsm_policy_evaluate(pol, &dev, &p, &o, &d);
	ASSERT_DECISION(d, TSM_TARGET_ACCEPT, "r", "");
	tsm_parsed_free(&p);
	po.report_generation = 6;
	assert_int_equal(tsm_evidence_parse_ex(&v, &po, &p, NULL), 0);
	assert_false(p.has_report);
	assert_true(p.report_stale);
	tsm_policy_evaluate(pol, &dev, &p, &o, &d);
	ASSERT_DECISION(d, TSM_TARGET_DENY, "r", "report");
	assert_non_null(strstr(d.reason, "generation 6, not the verified generation 7"));
	tsm_parsed_free(&p);
	/* no report at all */
	v = tl_evidence_view(&ev);
	v.report = NULL;
	v.report_len = 0;
	assert_int_equal(tsm_evidence_parse(&v, &p, NULL), 0);
	tsm_policy_evaluate(pol, &dev, &p, &o, &d);
	ASSERT_DECISION(d, TSM_TARGET_DENY, "r", "report");
	tsm_parsed_free(&p);
	tsm_policy_free(pol);
}

static void generate(void **state)
{
	struct tsm_policy *pol = tsm_policy_new(tdir), *back;
	struct tsm_eval_opts o = { .nonce = ev.nonce, .nonce_len = 32, .nonce_required = true };
	struct tsm_verify_opts vo = { .check_time = true };
	STACK_OF(X509) *mine = sk_X509_new_null(), *other = sk_X509_new_null();
	struct tsm_decision d;
	struct tsm_error err;
	struct tsm_rule *r;
	char *text, path[1200];
	uint8_t fp[32];
	unsigned int n;

	(void)state;
	r = tsm_policy_add_rule(pol, "gen-0000:01:00.0", &err);
	assert_non_null(r);
	assert_null(tsm_policy_add_rule(pol, "gen-0000:01:00.0", &err));
	assert_non_null(strstr(err.reason, "duplicate rule"));
	assert_null(tsm_policy_add_rule(pol, "bad name", &err));
	assert_int_equal(tsm_rule_from_evidence(r, &dev, &parsed), 0);
	assert_int_equal(r->nmeas, 2);
	assert_true(r->has_svn_min && r->svn_min == 5);
	/* without an anchor a human chose, nothing the device sent is pinned ... */
	assert_false(r->has_root_pin);
	assert_int_equal(r->nanchors, 0);
	pol->has_default = true;
	text = print_policy(pol);
	assert_null(strstr(text, "root-fingerprint"));
	/* ... and the rule cannot load: it would accept without verification */
	back = tsm_policy_new(tdir);
	assert_int_equal(tsm_policy_parse_buffer(back, "generated.conf", text, strlen(text), &err),
			 -TSM_E_CONFIG);
	assert_non_null(strstr(err.reason, "names no trust-anchor"));
	tsm_policy_free(back);
	free(text);
	/* an anchor that does not vouch for the device is refused */
	snprintf(path, sizeof(path), "%s/other.pem", tdir);
	assert_int_equal(tsm_load_pem_certs(path, other, &err), 0);
	assert_int_equal(tsm_rule_set_trust(r, "other.pem", other, &parsed, &vo, &err),
			 -TSM_E_CHAIN);
	assert_non_null(strstr(err.reason, "not vouched for by other.pem"));
	assert_int_equal(tsm_rule_set_trust(r, "root.pem", NULL, &parsed, &vo, &err),
			 -TSM_E_INVAL);
	/* the chosen anchor: written as trust-anchor, its root pinned */
	snprintf(path, sizeof(path), "%s/root.pem", tdir);
	assert_int_equal(tsm_load_pem_certs(path, mine, &err), 0);
	if (tsm_rule_set_trust(r, "root.pem", mine, &parsed, &vo, &err))
		fail_msg("%s", err.reason);
	X509_digest(ev.pki.root, EVP_sha256(), fp, &n);
	assert_true(r->has_root_pin);
	assert_memory_equal(r->root_pin, fp, 32);
	text = print_policy(pol);
	assert_non_null(strstr(text, "trust-anchor = root.pem\n"));
	back = tsm_policy_new(tdir);
	if (tsm_policy_parse_buffer(back, "generated.conf", text, strlen(text), &err))
		fail_msg("%s\n%s", err.reason, text);
	assert_int_equal(tsm_policy_evaluate(back, &dev, &parsed, &o, &d), 0);
	ASSERT_DECISION(d, TSM_TARGET_ACCEPT, "gen-0000:01:00.0", "");
	free(text);
	tsm_policy_free(back);
	tsm_policy_free(pol);
	sk_X509_pop_free(mine, X509_free);
	sk_X509_pop_free(other, X509_free);
}

/* Evidence that does not parse is accepted by no rule, audit and [default] included. */
static void unparsed(void **state)
{
	static const char *const texts[] = {
		"[rule \"a\"]\nunverified = allow\ntarget = audit\n",
		"[rule \"a\"]\nunverified = allow\ntarget = accept\n",
		"[rule \"a\"]\ntrust-anchor = root.pem\ntarget = audit\n",
		"[default]\nunverified = allow\ntarget = accept\n",
		"[default]\nunverified = allow\ntarget = audit\n",
	};
	struct tsm_parsed broken;

	(void)state;
	memset(&broken, 0, sizeof(broken));
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct tsm_policy *pol = tsm_policy_new(tdir);
		struct tsm_decision d;

		assert_int_equal(tsm_policy_parse_buffer(pol, "t.conf", texts[i], strlen(texts[i]),
							 NULL), 0);
		assert_int_equal(tsm_policy_evaluate(pol, &dev, NULL, NULL, &d), 0);
		if (d.target != TSM_TARGET_DENY || strcmp(d.check, "evidence"))
			fail_msg("%s-> %s (%s)", texts[i], tsm_target_name(d.target), d.reason);
		assert_int_equal(tsm_policy_evaluate(pol, &dev, &broken, NULL, &d), 0);
		assert_int_equal(d.target, TSM_TARGET_DENY);
		tsm_policy_free(pol);
	}
}

/* unverified = allow: accepted without a chain check, and the decision says so. */
static void unverified(void **state)
{
	struct tsm_decision d;

	(void)state;
	d = decide("[rule \"lab\"]\nmatch.vendor = 0x8086\nunverified = allow\ntarget = accept\n");
	ASSERT_DECISION(d, TSM_TARGET_ACCEPT, "lab", "");
	assert_non_null(strstr(d.reason, "not verified"));
	/* the rest of the rule still applies: a wrong measurement denies */
	d = decide("[rule \"lab\"]\nunverified = allow\nmeasurement.1 = sha256:"
		   "0000000000000000000000000000000000000000000000000000000000000000\n"
		   "target = accept\n");
	ASSERT_DECISION(d, TSM_TARGET_DENY, "lab", "measurement.value");
	/* [default] with unverified = allow */
	d = decide("[default]\nunverified = allow\ntarget = accept\n");
	ASSERT_DECISION(d, TSM_TARGET_ACCEPT, "default", "default");
}

/*
 * The attack from issue 15: vendor A's intermediate sent first, then
 * vendor B's genuine intermediate and leaf; A's rule pins A's
 * intermediate and trusts both roots. OpenSSL alone would validate B's
 * path; the decision must be deny.
 */
static void vendor_mix(void **state)
{
	struct tl_evidence b;
	struct tl_pki a;
	struct tsm_evidence v;
	struct tsm_parsed p;
	struct tsm_decision d;
	struct tsm_error err;
	struct tsm_eval_opts o = { .nonce = NULL, .verify = { .check_time = true } };
	char text[2048], path[1200];
	uint8_t fa[32], fb[32];
	unsigned int n;

	(void)state;
	tl_pki_init(&a, TL_P384, NULL);
	tl_evidence_init(&b, TL_P384, TSM_HASH_SHA384, false);
	snprintf(path, sizeof(path), "%s/vendor-a.pem", tdir);
	tl_write_pem(path, a.root);
	snprintf(path, sizeof(path), "%s/vendor-b.pem", tdir);
	tl_write_pem(path, b.pki.root);
	X509_digest(a.inter, EVP_sha256(), fa, &n);
	X509_digest(b.pki.root, EVP_sha256(), fb, &n);
	/* the header keeps the hash of B's root, the root the path really ends at */
	tl_chain_of(&b.cert, TSM_HASH_SHA384, b.pki.root,
		    (X509 *[]){ a.inter, b.pki.inter, b.pki.leaf }, 3);
	v = tl_evidence_view(&b);
	if (tsm_evidence_parse(&v, &p, &err))
		fail_msg("%s", err.reason);
	snprintf(text, sizeof(text),
		 "[rule \"vendor-a\"]\nmatch.root-fingerprint = sha256:%s\n"
		 "trust-anchor = vendor-a.pem\ntrust-anchor = vendor-b.pem\n"
		 "root-fingerprint = sha256:%s\ntarget = accept\n", hex(fa, 32), hex(fa, 32));
	{
		struct tsm_policy *pol = tsm_policy_new(tdir);

		assert_int_equal(tsm_policy_parse_buffer(pol, "t.conf", text, strlen(text), &err),
				 0);
		assert_int_equal(tsm_policy_evaluate(pol, &dev, &p, &o, &d), 0);
		ASSERT_DECISION(d, TSM_TARGET_DENY, "vendor-a", "chain.order");
		tsm_policy_free(pol);
	}
	tsm_parsed_free(&p);
	/* B's own chain (starting below its root) matches B's rule by the anchor's fingerprint */
	tl_chain_of(&b.cert, TSM_HASH_SHA384, b.pki.root, (X509 *[]){ b.pki.inter, b.pki.leaf },
		    2);
	v = tl_evidence_view(&b);
	assert_int_equal(tsm_evidence_parse(&v, &p, &err), 0);
	snprintf(text, sizeof(text),
		 "[rule \"vendor-b\"]\nmatch.root-fingerprint = sha256:%s\n"
		 "trust-anchor = vendor-a.pem\ntrust-anchor = vendor-b.pem\n"
		 "root-fingerprint = sha256:%s\ntarget = accept\n", hex(fb, 32), hex(fb, 32));
	{
		struct tsm_policy *pol = tsm_policy_new(tdir);

		assert_int_equal(tsm_policy_parse_buffer(pol, "t.conf", text, strlen(text), &err),
				 0);
		assert_int_equal(tsm_policy_evaluate(pol, &dev, &p, &o, &d), 0);
		ASSERT_DECISION(d, TSM_TARGET_ACCEPT, "vendor-b", "");
		tsm_policy_free(pol);
	}
	tsm_parsed_free(&p);
	tl_evidence_fini(&b);
	tl_pki_fini(&a);
}

int main(void)
{
	const struct CMUnitTest corpus_tests[] = {
		cmocka_unit_test(good_corpus),
		cmocka_unit_test(bad_corpus),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(print_line_limit),
		cmocka_unit_test(directory),
	};
	const struct CMUnitTest eval_tests[] = {
		cmocka_unit_test(evaluate),
		cmocka_unit_test(evaluate_nonce_and_layout),
		cmocka_unit_test(matching),
		cmocka_unit_test(cached),
		cmocka_unit_test(generate),
		cmocka_unit_test(unparsed),
		cmocka_unit_test(report_generation),
		cmocka_unit_test(unverified),
		cmocka_unit_test(vendor_mix),
	};
	int rc = cmocka_run_group_tests_name("corpus", corpus_tests, setup, teardown);

	return rc | cmocka_run_group_tests_name("evaluate", eval_tests, eval_setup, eval_teardown);
}
