// SPDX-License-Identifier: GPL-2.0-only
/*
 * libtsm decision benchmark (make -C daemon bench; not a timed test).
 *
 * On one core, with P-384/SHA-384 evidence made in-process:
 *  (a) fresh chains: every decision parses and judges a chain not seen
 *      before (distinct leaves under one root), no validation cache;
 *  (b) one chain shared by many functions: the same chain with the
 *      validation cache, fresh MEASUREMENTS signature each time;
 * each next to the raw OpenSSL cost of the same verifications in the same
 * run (X509_verify_cert + EVP_DigestVerify, resp. EVP_DigestVerify only),
 * and the peak RSS of this process.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "testlib.h"

#define NLEAVES 64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct set {
	struct tl_buf cert, meas;
	EVP_PKEY *key;
	X509 *leaf;
};

static struct tl_pki pki;
static struct tl_buf vca;
static struct set sets[NLEAVES];
static uint8_t nonce[32];
static struct tl_block blocks[2];
static uint8_t d1[48], d2[48];

static void build(void)
{
	for (int i = 0; i < 32; i++)
		nonce[i] = (uint8_t)i;
	tl_pki_init(&pki, TL_P384, NULL);
	tl_vca(&vca, 0x12, TSM_SPDM_HASH_SHA384, TSM_SPDM_ASYM_ECDSA_P384,
	       TSM_SPDM_MEAS_HASH_SHA384);
	tl_default_digest(1, TSM_HASH_SHA384, d1);
	tl_default_digest(2, TSM_HASH_SHA384, d2);
	blocks[0] = (struct tl_block){ 1, TSM_MEAS_MUTABLE_FW, d1, 48 };
	blocks[1] = (struct tl_block){ 2, TSM_MEAS_FW_CONFIG, d2, 48 };
	for (int i = 0; i < NLEAVES; i++) {
		struct tl_pki p = pki;
		char cn[32];

		snprintf(cn, sizeof(cn), "bench leaf %d", i);
		sets[i].key = tl_key_new(TL_P384);
		sets[i].leaf = tl_cert_new(sets[i].key, cn, pki.inter, pki.inter_key, false,
					   &(struct tl_cert_opts){ .hwid = "ACME:BENCH:1" });
		p.leaf = sets[i].leaf;
		tl_chain(&sets[i].cert, &p, TSM_HASH_SHA384, true);
		tl_meas(&sets[i].meas, 0x12, nonce, blocks, 2, &vca, TSM_HASH_SHA384,
			TSM_SPDM_ASYM_ECDSA_P384, sets[i].key);
	}
}

static double decide_loop(struct tsm_policy *pol, struct tsm_verify_cache *vc, bool fresh,
			  double budget, unsigned long *count)
{
	struct tsm_device_id dev = { 0x8086, 0x1234, 0x120000, "0000:01:00.0" };
	struct tsm_eval_opts o = { .nonce = nonce, .nonce_len = 32, .nonce_required = true,
				   .verify = { .check_time = true }, .cache = vc };
	double t0 = now_s(), t;
	unsigned long n = 0;

	do {
		const struct set *s = &sets[fresh ? n % NLEAVES : 0];
		struct tsm_evidence ev = { s->cert.p, s->cert.len, vca.p, vca.len,
					   s->meas.p, s->meas.len, NULL, 0 };
		struct tsm_decision d;
		struct tsm_parsed p;

		assert_int_equal(tsm_evidence_parse(&ev, &p, NULL), 0);
		tsm_policy_evaluate(pol, &dev, &p, &o, &d);
		if (d.target != TSM_TARGET_ACCEPT)
			fail_msg("bench decision: %s", d.reason);
		tsm_parsed_free(&p);
		n++;
		t = now_s();
	} while (t - t0 < budget);
	*count = n;
	return n / (t - t0);
}

/* The same verifications straight through OpenSSL. */
static double raw_loop(bool with_chain, double budget)
{
	const struct set *s = &sets[0];
	uint8_t msg[TSM_SPDM_SIGN_PREFIX_LEN + 48];
	const uint8_t *sig = s->meas.p + s->meas.len - 96;
	unsigned char *der = NULL;
	ECDSA_SIG *es = ECDSA_SIG_new();
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	double t0 = now_s(), t;
	unsigned long n = 0;
	int derlen;

	ECDSA_SIG_set0(es, BN_bin2bn(sig, 48, NULL), BN_bin2bn(sig + 48, 48, NULL));
	derlen = i2d_ECDSA_SIG(es, &der);
	tsm_spdm_sign_prefix(0x12, "responder-measurements signing", msg);
	{
		EVP_MD_CTX *h = EVP_MD_CTX_new();

		EVP_DigestInit_ex(h, EVP_sha384(), NULL);
		EVP_DigestUpdate(h, vca.p, vca.len);
		EVP_DigestUpdate(h, s->meas.p, s->meas.len - 96);
		EVP_DigestFinal_ex(h, msg + TSM_SPDM_SIGN_PREFIX_LEN, NULL);
		EVP_MD_CTX_free(h);
	}
	X509_STORE_add_cert(store, pki.root);
	sk_X509_push(untrusted, pki.root);
	sk_X509_push(untrusted, pki.inter);
	do {
		EVP_MD_CTX *m = EVP_MD_CTX_new();

		if (with_chain) {
			X509_STORE_CTX *ctx = X509_STORE_CTX_new();

			X509_STORE_CTX_init(ctx, store, s->leaf, untrusted);
			if (X509_verify_cert(ctx) != 1)
				fail_msg("raw chain verify failed");
			X509_STORE_CTX_free(ctx);
		}
		EVP_DigestVerifyInit(m, NULL, EVP_sha384(), NULL, X509_get0_pubkey(s->leaf));
		if (EVP_DigestVerify(m, der, (size_t)derlen, msg, sizeof(msg)) != 1)
			fail_msg("raw signature verify failed");
		EVP_MD_CTX_free(m);
		n++;
		t = now_s();
	} while (t - t0 < budget);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	return n / (t - t0);
}

static void bench(void **state)
{
	const char *env = getenv("BENCH_SECONDS");
	double budget = env ? atof(env) : 3.0;
	struct tsm_verify_cache *vc = tsm_verify_cache_new(256, 60);
	struct tsm_policy *pol;
	struct tsm_error err;
	struct rusage ru;
	unsigned long na, nb, hits, misses;
	double a, b, ra, rb;
	char text[1024], path[512];

	(void)state;
	build();
	snprintf(path, sizeof(path), "%s/root.pem", tl_tmpdir());
	tl_write_pem(path, pki.root);
	snprintf(text, sizeof(text),
		 "[rule \"bench\"]\nmatch.hwid = ACME:BENCH:*\ntrust-anchor = root.pem\n"
		 "measurement.1 = sha384:%s\ntarget = accept\n",
		 tsm_hex(d1, 48, (char[97]){ 0 }, 97));
	pol = tsm_policy_new(tl_tmpdir());
	if (tsm_policy_parse_buffer(pol, "bench.conf", text, strlen(text), &err))
		fail_msg("%s", err.reason);

	a = decide_loop(pol, NULL, true, budget, &na);
	ra = raw_loop(true, budget);
	b = decide_loop(pol, vc, false, budget, &nb);
	rb = raw_loop(false, budget);
	tsm_verify_cache_stats(vc, &hits, &misses);
	getrusage(RUSAGE_SELF, &ru);

	printf("libtsm decisions per second on one core (ECDSA P-384, SHA-384, 3-cert chain):\n");
	printf("  (a) fresh chains            %8.0f /s  (%lu decisions)   raw OpenSSL "
	       "chain+signature %8.0f /s  -> %.0f%% of raw\n", a, na, ra, 100.0 * a / ra);
	printf("  (b) one chain, many funcs   %8.0f /s  (%lu decisions)   raw OpenSSL "
	       "signature only  %8.0f /s  -> %.0f%% of raw (cache %lu hits, %lu misses)\n",
	       b, nb, rb, 100.0 * b / rb, hits, misses);
	printf("  peak RSS of this process: %ld KiB\n", ru.ru_maxrss);

	tsm_policy_free(pol);
	tsm_verify_cache_free(vc);
	for (int i = 0; i < NLEAVES; i++) {
		tl_free(&sets[i].cert);
		tl_free(&sets[i].meas);
		EVP_PKEY_free(sets[i].key);
		X509_free(sets[i].leaf);
	}
	tl_free(&vca);
	tl_pki_fini(&pki);
	tl_tmpdir_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(bench) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
