// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench, figure 1: verification cost on one core, libtsm next to the
 * floor (not a test; bench/run.sh computes the statistics).
 *
 * For each algorithm (ECDSA P-256/SHA-256, ECDSA P-384/SHA-384,
 * RSASSA-3072/SHA-384) the evidence is made in-process: a root -> inter ->
 * leaf chain (NCHAINS leaf certificates with distinct names and serials
 * under one intermediate), a VCA and a signed MEASUREMENTS over a nonce.
 * Per repetition, interleaved so that a change of machine load hits every
 * column alike, it measures the CPU time per decision of:
 *
 *   ours_fresh     tsm_evidence_parse + tsm_policy_evaluate (what
 *                  tsm-verifierd does per device) on a chain not seen
 *                  before (cycling through NCHAINS; no cache)
 *   floor_fresh    the OpenSSL calls any verifier must make for the same
 *                  evidence: d2i_X509 of the chain's certificates,
 *                  X509_verify_cert against the root, hash of the signed
 *                  transcript (VCA + MEASUREMENTS minus signature) and
 *                  EVP_DigestVerify of the signature
 *   ours_shared    libtsm on one chain shared by many functions, no cache
 *   ours_cached    the same with libtsm's cache (tsm_evidence_parse_cached:
 *                  the chain is found by the digest of its bytes before
 *                  any certificate is parsed; then the validation cache)
 *   floor_sig      what a verifier must still do for a chain it has
 *                  validated before: transcript hash + signature verify
 *   ours_parse     (breakdown) tsm_evidence_parse alone (no cache) on the
 *                  shared chain: what the chain cache saves
 *
 * Output: one line per repetition and algorithm,
 *   BENCH verify alg=p256 rep=1 ours_fresh_ns=... floor_fresh_ns=... ...
 * CPU time is CLOCK_THREAD_CPUTIME_ID (robust on a loaded machine); wall
 * time per decision is printed as *_wall_ns for reference.
 *
 * Usage: verify-bench [SECONDS_PER_MEASUREMENT [REPS]]  (default 0.3, 5)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "testlib.h"

#define NCHAINS 32

struct alg {
	const char *name;
	enum tl_key kind;	/* TL_* for EC; RSA made here (3072) */
	bool rsa3072;
	enum tsm_hash hash;
	uint32_t asym;
	size_t sig_len;
};

static const struct alg algs[] = {
	{ "p256", TL_P256, false, TSM_HASH_SHA256, TSM_SPDM_ASYM_ECDSA_P256, 64 },
	{ "p384", TL_P384, false, TSM_HASH_SHA384, TSM_SPDM_ASYM_ECDSA_P384, 96 },
	{ "rsa3072", TL_RSA2048, true, TSM_HASH_SHA384, TSM_SPDM_ASYM_RSASSA_3072, 384 },
};

struct setup {
	const struct alg *a;
	EVP_PKEY *root_key, *inter_key, *leaf_key;
	X509 *root, *inter, *leaf[NCHAINS];
	struct tl_buf chain[NCHAINS], meas[NCHAINS], vca;
	uint8_t d1[TSM_HASH_MAX_LEN], d2[TSM_HASH_MAX_LEN];
	struct tsm_policy *pol;
	struct tsm_verify_cache *cache;
	X509_STORE *store;
};

static uint8_t nonce[32];

static EVP_PKEY *key_new(const struct alg *a)
{
	return a->rsa3072 ? EVP_RSA_gen(3072) : tl_key_new(a->kind);
}

static void setup_init(struct setup *s, const struct alg *a, const char *dir)
{
	struct tl_block blocks[2];
	char text[1024], path[600], hex[2 * TSM_HASH_MAX_LEN + 1];
	struct tsm_error err;
	size_t hl = tsm_hash_len(a->hash);

	memset(s, 0, sizeof(*s));
	s->a = a;
	s->root_key = key_new(a);
	s->inter_key = key_new(a);
	s->leaf_key = key_new(a);
	if (!s->root_key || !s->inter_key || !s->leaf_key) {
		fprintf(stderr, "verify-bench: key generation failed for %s\n", a->name);
		exit(1);
	}
	s->root = tl_cert_new(s->root_key, "bench root", NULL, NULL, true, NULL);
	s->inter = tl_cert_new(s->inter_key, "bench inter", s->root, s->root_key, true, NULL);
	tl_vca(&s->vca, 0x12, tl_hash_bit(a->hash), a->asym,
	       a->hash == TSM_HASH_SHA256 ? TSM_SPDM_MEAS_HASH_SHA256 :
					    TSM_SPDM_MEAS_HASH_SHA384);
	tl_default_digest(1, a->hash, s->d1);
	tl_default_digest(2, a->hash, s->d2);
	blocks[0] = (struct tl_block){ 1, TSM_MEAS_MUTABLE_FW, s->d1, (uint16_t)hl };
	blocks[1] = (struct tl_block){ 2, TSM_MEAS_FW_CONFIG, s->d2, (uint16_t)hl };
	for (int i = 0; i < NCHAINS; i++) {
		struct tl_pki p = { .kind = a->kind, .root_key = s->root_key,
				    .inter_key = s->inter_key, .leaf_key = s->leaf_key,
				    .root = s->root, .inter = s->inter };
		char cn[32];

		snprintf(cn, sizeof(cn), "bench leaf %d", i);
		s->leaf[i] = tl_cert_new(s->leaf_key, cn, s->inter, s->inter_key, false,
					 &(struct tl_cert_opts){ .hwid = "ACME:BENCH:1",
								 .serial = 1000 + i });
		p.leaf = s->leaf[i];
		tl_chain(&s->chain[i], &p, a->hash, true);
		tl_meas(&s->meas[i], 0x12, nonce, blocks, 2, &s->vca, a->hash, a->asym,
			s->leaf_key);
	}
	snprintf(path, sizeof(path), "%s/root-%s.pem", dir, a->name);
	tl_write_pem(path, s->root);
	snprintf(text, sizeof(text),
		 "[rule \"bench\"]\nmatch.hwid = ACME:BENCH:*\ntrust-anchor = root-%s.pem\n"
		 "measurement.1 = %s:%s\ntarget = accept\n",
		 a->name, tsm_hash_name(a->hash), tsm_hex(s->d1, hl, hex, sizeof(hex)));
	s->pol = tsm_policy_new(dir);
	if (!s->pol || tsm_policy_parse_buffer(s->pol, "bench.conf", text, strlen(text), &err)) {
		fprintf(stderr, "verify-bench: policy: %s\n", s->pol ? err.reason : "ENOMEM");
		exit(1);
	}
	s->cache = tsm_verify_cache_new(256, 3600);
	s->store = X509_STORE_new();
	X509_STORE_add_cert(s->store, s->root);
}

static void setup_fini(struct setup *s)
{
	for (int i = 0; i < NCHAINS; i++) {
		X509_free(s->leaf[i]);
		tl_free(&s->chain[i]);
		tl_free(&s->meas[i]);
	}
	tl_free(&s->vca);
	X509_free(s->root);
	X509_free(s->inter);
	EVP_PKEY_free(s->root_key);
	EVP_PKEY_free(s->inter_key);
	EVP_PKEY_free(s->leaf_key);
	tsm_policy_free(s->pol);
	tsm_verify_cache_free(s->cache);
	X509_STORE_free(s->store);
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum mode { OURS_FRESH, FLOOR_FRESH, OURS_SHARED, OURS_CACHED, FLOOR_SIG, OURS_PARSE, NMODES };
static const char *const mode_names[NMODES] = {
	"ours_fresh", "floor_fresh", "ours_shared", "ours_cached", "floor_sig", "ours_parse",
};

static void die(const char *what, const struct setup *s)
{
	fprintf(stderr, "verify-bench: %s: %s failed\n", s->a->name, what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

/* One decision through libtsm, as tsm-verifierd makes it. */
static void ours_one(struct setup *s, int i, bool cached)
{
	struct tsm_device_id dev = { 0x8086, 0xffff, 0x120000, "10000:01:00.0" };
	struct tsm_eval_opts o = { .nonce = nonce, .nonce_len = sizeof(nonce),
				   .nonce_required = true,
				   .verify = { .check_time = true },
				   .cache = cached ? s->cache : NULL };
	struct tsm_evidence ev = { s->chain[i].p, s->chain[i].len, s->vca.p, s->vca.len,
				   s->meas[i].p, s->meas[i].len, NULL, 0 };
	struct tsm_decision d;
	struct tsm_parsed p;
	struct tsm_error err;

	/* with the cache, the chain is looked up by its digest before any d2i_X509 */
	if (tsm_evidence_parse_cached(&ev, cached ? s->cache : NULL, &p, &err)) {
		fprintf(stderr, "verify-bench: %s: parse: %s\n", s->a->name, err.reason);
		exit(1);
	}
	tsm_policy_evaluate(s->pol, &dev, &p, &o, &d);
	if (d.target != TSM_TARGET_ACCEPT) {
		fprintf(stderr, "verify-bench: %s: not accepted: %s\n", s->a->name, d.reason);
		exit(1);
	}
	tsm_parsed_free(&p);
}

/* Parsing alone (chain DER, VCA, MEASUREMENTS), as in ours_one(). */
static void parse_one(struct setup *s, int i)
{
	struct tsm_evidence ev = { s->chain[i].p, s->chain[i].len, s->vca.p, s->vca.len,
				   s->meas[i].p, s->meas[i].len, NULL, 0 };
	struct tsm_parsed p;
	struct tsm_error err;

	if (tsm_evidence_parse(&ev, &p, &err)) {
		fprintf(stderr, "verify-bench: %s: parse: %s\n", s->a->name, err.reason);
		exit(1);
	}
	tsm_parsed_free(&p);
}

/* Transcript hash + signature verify with the leaf's key. */
static void floor_sig(struct setup *s, int i, EVP_PKEY *pub)
{
	const struct tl_buf *m = &s->meas[i];
	const uint8_t *sig = m->p + m->len - s->a->sig_len;
	const EVP_MD *md = s->a->hash == TSM_HASH_SHA256 ? EVP_sha256() : EVP_sha384();
	uint8_t msg[TSM_SPDM_SIGN_PREFIX_LEN + EVP_MAX_MD_SIZE];
	unsigned char *der = NULL;
	const unsigned char *vsig = sig;
	size_t vlen = s->a->sig_len;
	unsigned int hl = 0;
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	ECDSA_SIG *es = NULL;

	if (tsm_spdm_sign_prefix(0x12, "responder-measurements signing", msg) < 0)
		die("sign prefix", s);
	if (!h || !EVP_DigestInit_ex(h, md, NULL) ||
	    !EVP_DigestUpdate(h, s->vca.p, s->vca.len) ||
	    !EVP_DigestUpdate(h, m->p, m->len - s->a->sig_len) ||
	    !EVP_DigestFinal_ex(h, msg + TSM_SPDM_SIGN_PREFIX_LEN, &hl))
		die("transcript hash", s);
	if (!s->a->rsa3072) {
		int half = (int)s->a->sig_len / 2, dl;

		es = ECDSA_SIG_new();
		if (!es || !ECDSA_SIG_set0(es, BN_bin2bn(sig, half, NULL),
					   BN_bin2bn(sig + half, half, NULL)))
			die("ECDSA_SIG", s);
		dl = i2d_ECDSA_SIG(es, &der);
		if (dl <= 0)
			die("i2d_ECDSA_SIG", s);
		vsig = der;
		vlen = (size_t)dl;
	}
	EVP_MD_CTX_reset(h);
	if (EVP_DigestVerifyInit(h, NULL, md, NULL, pub) != 1 ||
	    EVP_DigestVerify(h, vsig, vlen, msg, TSM_SPDM_SIGN_PREFIX_LEN + hl) != 1)
		die("signature verify", s);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(h);
}

/* Parse the chain's DER certificates, validate the path, then floor_sig. */
static void floor_fresh(struct setup *s, int i)
{
	const struct tl_buf *c = &s->chain[i];
	const unsigned char *p = c->p + 4 + tsm_hash_len(s->a->hash);
	const unsigned char *end = c->p + c->len;
	STACK_OF(X509) *certs = sk_X509_new_null();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509 *x, *leaf = NULL;

	if (!certs || !ctx)
		die("alloc", s);
	while (p < end) {
		x = d2i_X509(NULL, &p, end - p);
		if (!x)
			die("d2i_X509", s);
		sk_X509_push(certs, x);
		leaf = x;
	}
	if (!leaf || X509_STORE_CTX_init(ctx, s->store, leaf, certs) != 1 ||
	    X509_verify_cert(ctx) != 1)
		die("X509_verify_cert", s);
	floor_sig(s, i, X509_get0_pubkey(leaf));
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(certs, X509_free);
}

/* Run @mode for @budget CPU seconds; ns per decision (CPU and wall). */
static void run(struct setup *s, enum mode mode, double budget, double *cpu_ns,
		double *wall_ns)
{
	EVP_PKEY *pub = X509_get0_pubkey(s->leaf[0]);
	double c0 = cpu_s(), w0 = wall_s(), c;
	unsigned long n = 0;

	do {
		int i = (int)(n % NCHAINS);

		switch (mode) {
		case OURS_FRESH:
			ours_one(s, i, false);
			break;
		case FLOOR_FRESH:
			floor_fresh(s, i);
			break;
		case OURS_SHARED:
			ours_one(s, 0, false);
			break;
		case OURS_CACHED:
			ours_one(s, 0, true);
			break;
		case FLOOR_SIG:
			floor_sig(s, 0, pub);
			break;
		default:
			parse_one(s, 0);
			break;
		}
		n++;
		c = cpu_s();
	} while (c - c0 < budget || n < 8);
	*cpu_ns = (c - c0) * 1e9 / n;
	*wall_ns = (wall_s() - w0) * 1e9 / n;
}

int main(int argc, char **argv)
{
	double budget = argc > 1 ? atof(argv[1]) : 0.3;
	int reps = argc > 2 ? atoi(argv[2]) : 5;
	struct setup s[sizeof(algs) / sizeof(algs[0])];
	const size_t nalg = sizeof(algs) / sizeof(algs[0]);

	if (budget <= 0 || reps < 1) {
		fprintf(stderr, "usage: verify-bench [SECONDS_PER_MEASUREMENT [REPS]]\n");
		return 2;
	}
	for (int i = 0; i < 32; i++)
		nonce[i] = (uint8_t)(0xa0 + i);
	for (size_t a = 0; a < nalg; a++)
		setup_init(&s[a], &algs[a], tl_tmpdir());
	/* warm-up: caches filled, first-use costs out of the samples */
	for (size_t a = 0; a < nalg; a++)
		for (int m = 0; m < NMODES; m++) {
			double x, y;

			run(&s[a], (enum mode)m, budget / 4, &x, &y);
		}
	for (int r = 1; r <= reps; r++) {
		for (size_t a = 0; a < nalg; a++) {
			double cpu[NMODES], wall[NMODES];
			unsigned long hits, misses;

			for (int m = 0; m < NMODES; m++)
				run(&s[a], (enum mode)m, budget, &cpu[m], &wall[m]);
			tsm_verify_cache_stats(s[a].cache, &hits, &misses);
			printf("BENCH verify alg=%s rep=%d", algs[a].name, r);
			for (int m = 0; m < NMODES; m++)
				printf(" %s_ns=%.0f", mode_names[m], cpu[m]);
			for (int m = 0; m < NMODES; m++)
				printf(" %s_wall_ns=%.0f", mode_names[m], wall[m]);
			printf(" cache_hits=%lu cache_misses=%lu\n", hits, misses);
			fflush(stdout);
		}
	}
	for (size_t a = 0; a < nalg; a++)
		setup_fini(&s[a]);
	tl_tmpdir_cleanup();
	return 0;
}
