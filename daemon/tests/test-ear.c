// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests: EAR status/vector mapping, the claims-set, ES256 JWS signing
 * (verified here with OpenSSL's verify API), key checks, evidence bundle.
 *
 * `test-ear --write DIR` writes sample EARs, a bundle, a signed JWT and
 * its public key for tests/check-ear.sh, which validates them against
 * the JSON Schema of the draft and verifies the JWT with openssl(1).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/pem.h>

#include "bundle.h"
#include "ear.h"
#include "testlib.h"

static const char digest[] =
	"5e1f2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/* ---- mapping ---------------------------------------------------------- */

struct map_case {
	struct tsm_ear_decision d;
	enum tsm_ear_status want;
	/* expected vector: -128 = not present */
	int v[TSM_EAR_NCLAIMS];
};

#define NOCLAIM_ALL -128, -128, -128, -128, -128, -128, -128, -128
#define V(ii, cf, ex, hw) { ii, cf, ex, -128, hw, -128, -128, -128 }
#define N -128

static void check_case(const struct map_case *c)
{
	enum tsm_ear_status st;
	struct tsm_ear_vector vec;
	unsigned int i;

	tsm_ear_appraise(&c->d, &st, &vec);
	if (st != c->want)
		fail_msg("%s/%s/%s: status %s, want %s", c->d.decision, c->d.rule, c->d.check,
			 tsm_ear_status_name(st), tsm_ear_status_name(c->want));
	for (i = 0; i < TSM_EAR_NCLAIMS; i++) {
		int got = vec.set[i] ? vec.value[i] : N;

		if (got != c->v[i])
			fail_msg("%s/%s/%s: %s = %d, want %d", c->d.decision, c->d.rule,
				 c->d.check, tsm_ear_claim_name(i), got, c->v[i]);
	}
}

static void mapping(void **state)
{
	static const struct map_case cases[] = {
		/* accepted by a rule that verified chain, measurements and report */
		{ { .decision = "accepted", .rule = "nic", .check = "", .rule_known = true,
		    .rule_chain = true, .rule_measurements = true, .rule_report = true },
		  TSM_EAR_AFFIRMING, V(2, 2, 2, 2) },
		/* chain only: nothing claimed about executables or configuration */
		{ { .decision = "accepted", .rule = "nic", .check = "", .rule_known = true,
		    .rule_chain = true },
		  TSM_EAR_AFFIRMING, V(2, N, N, 2) },
		/* unverified = allow: never affirming */
		{ { .decision = "accepted", .rule = "lab", .check = "", .rule_known = true,
		    .rule_measurements = true },
		  TSM_EAR_WARNING, V(0, N, N, N) },
		/* the rule is no longer in the policy */
		{ { .decision = "accepted", .rule = "gone", .check = "" },
		  TSM_EAR_WARNING, V(0, N, N, N) },
		/* administrator's accept, even if a rule of that name verifies */
		{ { .decision = "accepted", .rule = "admin", .check = "", .admin = true,
		    .rule_known = true, .rule_chain = true },
		  TSM_EAR_WARNING, V(0, N, N, N) },
		{ { .decision = "kept", .rule = "", .check = "" },
		  TSM_EAR_WARNING, V(0, N, N, N) },
		/* audit rule: accepted although the measurement differs */
		{ { .decision = "accepted", .rule = "audit", .check = "measurement.value",
		    .rule_known = true, .rule_chain = true },
		  TSM_EAR_CONTRAINDICATED, V(N, N, 33, N) },
		{ { .decision = "denied", .rule = "nic", .check = "chain.path" },
		  TSM_EAR_CONTRAINDICATED, V(97, N, N, 97) },
		{ { .decision = "denied", .rule = "nic", .check = "root-fingerprint" },
		  TSM_EAR_CONTRAINDICATED, V(97, N, N, 97) },
		{ { .decision = "denied", .rule = "nic", .check = "chain.expired" },
		  TSM_EAR_CONTRAINDICATED, V(96, N, N, N) },
		{ { .decision = "denied", .rule = "nic", .check = "chain.der" },
		  TSM_EAR_CONTRAINDICATED, V(1, N, N, N) },
		{ { .decision = "denied", .rule = "nic", .check = "measurements.signature" },
		  TSM_EAR_CONTRAINDICATED, V(99, N, N, N) },
		{ { .decision = "denied", .rule = "nic", .check = "measurements.nonce" },
		  TSM_EAR_CONTRAINDICATED, V(99, N, N, N) },
		{ { .decision = "denied", .rule = "nic", .check = "measurements.block" },
		  TSM_EAR_CONTRAINDICATED, V(1, N, N, N) },
		{ { .decision = "denied", .rule = "nic", .check = "measurement.svn" },
		  TSM_EAR_CONTRAINDICATED, V(N, N, 32, N) },
		{ { .decision = "denied", .rule = "nic", .check = "report.forbid" },
		  TSM_EAR_CONTRAINDICATED, V(N, 32, N, N) },
		{ { .decision = "denied", .rule = "nic", .check = "report" },
		  TSM_EAR_CONTRAINDICATED, V(N, 96, N, N) },
		{ { .decision = "denied", .rule = "default", .check = "default" },
		  TSM_EAR_CONTRAINDICATED, V(N, N, N, 97) },
		{ { .decision = "denied", .rule = "bad", .check = "target" },
		  TSM_EAR_CONTRAINDICATED, V(96, N, N, N) },
		{ { .decision = "denied", .rule = "", .check = "evidence.netlink" },
		  TSM_EAR_CONTRAINDICATED, V(-1, N, N, N) },
		{ { .decision = "denied", .rule = "", .check = "evidence.read" },
		  TSM_EAR_CONTRAINDICATED, V(1, N, N, N) },
		{ { .decision = "denied", .rule = "admin", .check = "admin", .admin = true },
		  TSM_EAR_CONTRAINDICATED, V(96, N, N, N) },
		/* a check id this version does not know: fail closed */
		{ { .decision = "denied", .rule = "nic", .check = "future.check" },
		  TSM_EAR_CONTRAINDICATED, V(96, N, N, N) },
		/* "chain" must not match "chainsaw" */
		{ { .decision = "denied", .rule = "nic", .check = "chainsaw" },
		  TSM_EAR_CONTRAINDICATED, V(96, N, N, N) },
		{ { .decision = "pending", .rule = "", .check = "" },
		  TSM_EAR_NONE, V(0, N, N, N) },
		{ { .decision = "none" }, TSM_EAR_NONE, V(0, N, N, N) },
		{ { .decision = NULL }, TSM_EAR_NONE, V(0, N, N, N) },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

/* ---- claims ----------------------------------------------------------- */

static struct json_object *jpath(struct json_object *o, const char *a, const char *b,
				 const char *c)
{
	struct json_object *v = o;

	if (a && !json_object_object_get_ex(v, a, &v))
		return NULL;
	if (b && !json_object_object_get_ex(v, b, &v))
		return NULL;
	if (c && !json_object_object_get_ex(v, c, &v))
		return NULL;
	return v;
}

static struct json_object *sample_claims(const char *decision, const char *check,
					 const char *bundle_sha)
{
	struct tsm_ear_decision d = {
		.decision = decision, .rule = "nic", .check = check,
		.reason = "sample", .policy_digest = digest, .decided_usec = 1765000000123456ULL,
		.has_generation = true, .generation = 7,
		.rule_known = true, .rule_chain = true, .rule_measurements = true,
	};
	struct json_object *hashes = json_object_new_object(), *claims;
	struct tsm_ear_input in = {
		.submod = "0000:01:00.0", .build = "tsm-verifierd test", .iat = 1765000001,
		.decision = &d, .bundle_sha256 = bundle_sha, .evidence_sha256 = hashes,
	};

	json_object_object_add(hashes, "cert0", json_object_new_string(digest));
	claims = tsm_ear_claims(&in);
	json_object_put(hashes);
	return claims;
}

static void claims(void **state)
{
	struct json_object *o = sample_claims("accepted", "", digest), *app, *ext;
	struct tsm_ear_decision d = { .decision = "accepted" };
	struct tsm_ear_input bad = { .submod = "", .build = "x", .decision = &d };

	(void)state;
	assert_non_null(o);
	assert_string_equal(json_object_get_string(jpath(o, "eat_profile", NULL, NULL)),
			    "tag:github.com,2023:veraison/ear");
	assert_int_equal(json_object_get_int64(jpath(o, "iat", NULL, NULL)), 1765000001);
	assert_true(json_object_is_type(jpath(o, "iat", NULL, NULL), json_type_int));
	assert_string_equal(json_object_get_string(jpath(o, "ear.verifier-id", "build", NULL)),
			    "tsm-verifierd test");
	assert_non_null(jpath(o, "ear.verifier-id", "developer", NULL));
	app = jpath(o, "submods", "0000:01:00.0", NULL);
	assert_non_null(app);
	assert_string_equal(json_object_get_string(jpath(app, "ear.status", NULL, NULL)),
			    "affirming");
	assert_int_equal(json_object_get_int(jpath(app, "ear.trustworthiness-vector",
						   "executables", NULL)), 2);
	assert_null(jpath(app, "ear.trustworthiness-vector", "configuration", NULL));
	assert_string_equal(json_object_get_string(jpath(app, "ear.appraisal-policy-id", NULL,
							 NULL)), "sha256:5e1f2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0");
	ext = jpath(app, TSM_EAR_EXT_CLAIM, NULL, NULL);
	assert_non_null(ext);
	assert_string_equal(json_object_get_string(jpath(ext, "rule", NULL, NULL)), "nic");
	assert_string_equal(json_object_get_string(jpath(ext, "policy-digest", NULL, NULL)),
			    digest);
	assert_int_equal(json_object_get_int64(jpath(ext, "decided-at", NULL, NULL)), 1765000000);
	assert_int_equal(json_object_get_int64(jpath(ext, "generation", NULL, NULL)), 7);
	assert_string_equal(json_object_get_string(jpath(ext, "evidence-sha256", "cert0", NULL)),
			    digest);
	json_object_put(o);
	/* no label, no claims-set */
	assert_null(tsm_ear_claims(&bad));
	bad.submod = "0000:01:00.0";
	bad.iat = -1;
	assert_null(tsm_ear_claims(&bad));
}

/* ---- JWS -------------------------------------------------------------- */

static uint8_t *b64url_decode(const char *s, size_t n, size_t *out_len)
{
	size_t padded = (n + 3) / 4 * 4, i;
	char *tmp = calloc(1, padded + 1);
	uint8_t *out = malloc(padded);
	int len;

	assert_non_null(tmp);
	assert_non_null(out);
	for (i = 0; i < n; i++) {
		assert_true(s[i] != '+' && s[i] != '/' && s[i] != '=');
		tmp[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	}
	for (; i < padded; i++)
		tmp[i] = '=';
	len = EVP_DecodeBlock(out, (unsigned char *)tmp, (int)padded);
	assert_true(len >= 0);
	*out_len = (size_t)len - (padded - n);	/* DecodeBlock counts the padding */
	free(tmp);
	return out;
}

/* Verifies a compact JWS with @key the way a consumer would. */
static bool jws_verifies(const char *jws, EVP_PKEY *key)
{
	const char *dot1 = strchr(jws, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	uint8_t *raw, *der = NULL;
	size_t raw_len;
	EVP_MD_CTX *ctx;
	ECDSA_SIG *sig;
	int der_len, ok;

	assert_non_null(dot2);
	raw = b64url_decode(dot2 + 1, strlen(dot2 + 1), &raw_len);
	assert_int_equal(raw_len, 64);
	sig = ECDSA_SIG_new();
	assert_true(ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, NULL), BN_bin2bn(raw + 32, 32, NULL)));
	der_len = i2d_ECDSA_SIG(sig, &der);
	ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
	ok = EVP_DigestVerify(ctx, der, der_len, (const uint8_t *)jws, dot2 - jws);
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	free(raw);
	return ok == 1;
}

static void sign_verify(void **state)
{
	EVP_PKEY *key = tl_key_new(TL_P256), *other = tl_key_new(TL_P256);
	struct json_object *claims = sample_claims("denied", "chain.path", NULL), *hdr, *body;
	const char *payload = json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN);
	char *jws = NULL, *tampered, *dot, *text;
	struct tsm_error err;
	uint8_t *part;
	size_t len;

	(void)state;
	assert_int_equal(tsm_ear_sign(payload, key, &jws, &err), 0);
	assert_true(jws_verifies(jws, key));
	assert_false(jws_verifies(jws, other));
	/* header: ES256, JWT, a kid */
	dot = strchr(jws, '.');
	part = b64url_decode(jws, dot - jws, &len);
	text = calloc(1, len + 1);
	assert_non_null(text);
	memcpy(text, part, len);
	hdr = json_tokener_parse(text);
	free(text);
	free(part);
	assert_non_null(hdr);
	assert_string_equal(json_object_get_string(jpath(hdr, "alg", NULL, NULL)), "ES256");
	assert_string_equal(json_object_get_string(jpath(hdr, "typ", NULL, NULL)), "JWT");
	assert_int_equal(strlen(json_object_get_string(jpath(hdr, "kid", NULL, NULL))), 43);
	json_object_put(hdr);
	/* payload: the claims-set, byte for byte */
	part = b64url_decode(dot + 1, strchr(dot + 1, '.') - dot - 1, &len);
	assert_int_equal(len, strlen(payload));
	assert_memory_equal(part, payload, len);
	body = json_tokener_parse(payload);
	assert_non_null(body);
	json_object_put(body);
	free(part);
	/* one changed payload character breaks the signature */
	tampered = strdup(jws);
	tampered[dot - jws + 5] = tampered[dot - jws + 5] == 'A' ? 'B' : 'A';
	assert_false(jws_verifies(tampered, key));
	free(tampered);
	free(jws);
	json_object_put(claims);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

static char *write_key(EVP_PKEY *key, const char *dir, const char *name)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL));
	fclose(f);
	return path;
}

static void keys(void **state)
{
	char dir[] = "/tmp/test-ear.XXXXXX", *p;
	static const enum tl_key refused[] = { TL_P384, TL_RSA2048 };
	struct tsm_error err;
	EVP_PKEY *k, *out;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	k = tl_key_new(TL_P256);
	p = write_key(k, dir, "p256.pem");
	assert_int_equal(tsm_ear_load_key(p, &out, &err), 0);
	assert_int_equal(EVP_PKEY_eq(k, out), 1);
	EVP_PKEY_free(out);
	EVP_PKEY_free(k);
	unlink(p);
	free(p);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		k = tl_key_new(refused[i]);
		p = write_key(k, dir, "other.pem");
		assert_int_equal(tsm_ear_load_key(p, &out, &err), -TSM_E_CONFIG);
		assert_null(out);
		assert_non_null(strstr(err.reason, "P-256"));
		assert_non_null(strstr(err.reason, p));
		EVP_PKEY_free(k);
		unlink(p);
		free(p);
	}
	assert_true(asprintf(&p, "%s/missing.pem", dir) > 0);
	assert_int_equal(tsm_ear_load_key(p, &out, &err), -TSM_E_IO);
	free(p);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- bundle ----------------------------------------------------------- */

static const uint8_t cert[] = { 0x30, 0x82, 0x01, 0x00, 0xfb, 0xff, 0x00 };
static const uint8_t meas[] = "measurements \xff\xfe";
static const uint8_t nonce[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static struct json_object *sample_bundle(bool has_generation)
{
	static const struct tsm_bundle_object objs[] = {
		{ "cert0", cert, sizeof(cert) },
		{ "measurements", meas, sizeof(meas) - 1 },
	};
	struct tsm_bundle b = {
		.address = "0000:01:00.0", .vendor = 0x1af4, .device = 0x1041,
		.class_code = 0x020000, .hwid = "1.3.6.1.4.1.412.274.1:0042",
		.leaf_subject = "CN=device leaf", .tsm_name = "tsm0", .tsm_mode = "devsec",
		.family = "device-evidence", .has_generation = has_generation, .generation = 7,
		.nonce = nonce, .nonce_len = sizeof(nonce), .objects = objs, .nobjects = 2,
	};

	return tsm_bundle_json(&b);
}

static void bundle(void **state)
{
	struct json_object *o = sample_bundle(true), *v;
	uint8_t *raw, md[32];
	char hex[65];
	size_t len;

	(void)state;
	assert_non_null(o);
	assert_string_equal(json_object_get_string(jpath(o, "format", NULL, NULL)),
			    TSM_BUNDLE_FORMAT);
	assert_string_equal(json_object_get_string(jpath(o, "device", "vendor", NULL)), "0x1af4");
	assert_string_equal(json_object_get_string(jpath(o, "device", "class", NULL)), "0x020000");
	assert_string_equal(json_object_get_string(jpath(o, "tsm", "name", NULL)), "tsm0");
	assert_int_equal(json_object_get_int(jpath(o, "generation", NULL, NULL)), 7);
	/* objects round-trip through base64, and their digest is of the bytes */
	v = jpath(o, "evidence", "measurements", "base64");
	len = strlen(json_object_get_string(v));
	raw = malloc(len);
	assert_int_equal(EVP_DecodeBlock(raw, (const unsigned char *)json_object_get_string(v),
					 (int)len), (int)(len / 4 * 3));
	assert_memory_equal(raw, meas, sizeof(meas) - 1);
	free(raw);
	assert_int_equal(tsm_digest(TSM_HASH_SHA256, cert, sizeof(cert), md), 0);
	assert_string_equal(json_object_get_string(jpath(o, "evidence", "cert0", "sha256")),
			    tsm_hex(md, 32, hex, sizeof(hex)));
	assert_int_equal(json_object_get_int(jpath(o, "evidence", "cert0", "length")),
			 sizeof(cert));
	assert_string_equal(json_object_get_string(jpath(o, "nonce", NULL, NULL)),
			    "AQIDBAUGBwgJCgsMDQ4PEAAAAAAAAAAAAAAAAAAAAAA=");
	json_object_put(o);
	/* pci-tsm family: no generation at all, which is not generation 0 */
	o = sample_bundle(false);
	assert_true(json_object_object_get_ex(o, "generation", &v));
	assert_null(v);
	json_object_put(o);
}

static void base64(void **state)
{
	char *s;

	(void)state;
	s = tsm_base64url((const uint8_t *)"\xfb\xff", 2);
	assert_string_equal(s, "-_8");
	free(s);
	s = tsm_base64((const uint8_t *)"\xfb\xff", 2);
	assert_string_equal(s, "+/8=");
	free(s);
	s = tsm_base64url((const uint8_t *)"", 0);
	assert_string_equal(s, "");
	free(s);
}

/* ---- samples for tests/check-ear.sh ----------------------------------- */

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

#define PRETTY	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)
#define PLAIN	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static int write_samples(const char *dir)
{
	static const struct {
		const char *name, *decision, *check;
	} samples[] = {
		{ "ear-affirming.json", "accepted", "" },
		{ "ear-contraindicated.json", "denied", "measurement.value" },
		{ "ear-warning.json", "kept", "" },
		{ "ear-none.json", "none", "" },
	};
	struct json_object *o;
	EVP_PKEY *key = tl_key_new(TL_P256);
	struct tsm_error err;
	char *jws = NULL, path[4096];
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		o = sample_claims(samples[i].decision, samples[i].check, digest);
		put_file(dir, samples[i].name, json_object_to_json_string_ext(o, PRETTY));
		if (i == 1) {
			if (tsm_ear_sign(json_object_to_json_string_ext(o, PLAIN), key, &jws,
					 &err)) {
				fprintf(stderr, "sign: %s\n", err.reason);
				return 1;
			}
			put_file(dir, "ear.jwt", jws);
			free(jws);
		}
		json_object_put(o);
	}
	o = sample_bundle(true);
	put_file(dir, "bundle.json", json_object_to_json_string_ext(o, PRETTY));
	json_object_put(o);
	snprintf(path, sizeof(path), "%s/pub.pem", dir);
	f = fopen(path, "w");
	if (!f || !PEM_write_PUBKEY(f, key) || fclose(f)) {
		perror(path);
		return 1;
	}
	EVP_PKEY_free(key);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mapping),
		cmocka_unit_test(claims),
		cmocka_unit_test(sign_verify),
		cmocka_unit_test(keys),
		cmocka_unit_test(bundle),
		cmocka_unit_test(base64),
	};

	if (argc == 3 && !strcmp(argv[1], "--write"))
		return write_samples(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
