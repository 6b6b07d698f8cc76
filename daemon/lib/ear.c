// SPDX-License-Identifier: GPL-2.0-only
/*
 * EAR claims-set and ES256 JWS (ear.h).
 *
 * The mapping errs towards trusting less: only an accept by a policy
 * rule that verified the certificate chain is "affirming", and a vector
 * claims only what the deciding rule actually checked. A relying party
 * that reads only ear.status therefore never sees "affirming" for a
 * device the daemon let through without verifying it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bundle.h"
#include "ear.h"
#include "policy.h"

static const char *const status_names[] = {
	[TSM_EAR_NONE] = "none",
	[TSM_EAR_AFFIRMING] = "affirming",
	[TSM_EAR_WARNING] = "warning",
	[TSM_EAR_CONTRAINDICATED] = "contraindicated",
};

static const char *const claim_names[TSM_EAR_NCLAIMS] = {
	[TSM_EAR_INSTANCE_IDENTITY] = "instance-identity",
	[TSM_EAR_CONFIGURATION] = "configuration",
	[TSM_EAR_EXECUTABLES] = "executables",
	[TSM_EAR_FILE_SYSTEM] = "file-system",
	[TSM_EAR_HARDWARE] = "hardware",
	[TSM_EAR_RUNTIME_OPAQUE] = "runtime-opaque",
	[TSM_EAR_STORAGE_OPAQUE] = "storage-opaque",
	[TSM_EAR_SOURCED_DATA] = "sourced-data",
};

const char *tsm_ear_status_name(enum tsm_ear_status s)
{
	return (unsigned int)s < sizeof(status_names) / sizeof(status_names[0]) ?
	       status_names[s] : "none";
}

const char *tsm_ear_claim_name(enum tsm_ear_claim c)
{
	return (unsigned int)c < TSM_EAR_NCLAIMS ? claim_names[c] : "";
}

/*
 * Failing check -> the claim it disproves. First match wins; a key
 * matches itself and its dotted children ("chain" matches "chain.der").
 * Two claims for the chain anchors: the device is neither a known
 * instance nor known hardware.
 */
static const struct {
	const char *check;
	enum tsm_ear_claim claim;
	int8_t value;
	bool hardware_too;
} deny_map[] = {
	{ "chain.trust-anchor", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_UNRECOGNIZED, true },
	{ "chain.path", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_UNRECOGNIZED, true },
	{ "chain.untrusted", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_UNRECOGNIZED, true },
	{ "root-fingerprint", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_UNRECOGNIZED, true },
	{ "chain.signature", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_CRYPTO_FAILED, false },
	{ "chain.root-hash", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_CRYPTO_FAILED, false },
	{ "chain.der", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_UNEXPECTED_EVIDENCE, false },
	{ "chain.length", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_UNEXPECTED_EVIDENCE, false },
	/* expired, revoked, profile (ca, leaf-ca, extensions, eku, key-usage, order) */
	{ "chain", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_CONTRAINDICATED, false },
	{ "measurements.signature", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_CRYPTO_FAILED, false },
	{ "measurements.nonce", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_CRYPTO_FAILED, false },
	{ "evidence.nonce", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_CRYPTO_FAILED, false },
	{ "measurements", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_UNEXPECTED_EVIDENCE, false },
	{ "vca", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_UNEXPECTED_EVIDENCE, false },
	{ "measurement.value", TSM_EAR_EXECUTABLES, TSM_AR_UNRECOGNIZED_RUNTIME, false },
	{ "measurement.svn", TSM_EAR_EXECUTABLES, TSM_AR_UNSAFE, false },
	/* after an exit from RUN (tsm-verifierd(8) RECOVERY) */
	{ "recovery.downgrade", TSM_EAR_EXECUTABLES, TSM_AR_UNSAFE, false },
	{ "recovery.changed", TSM_EAR_EXECUTABLES, TSM_AR_UNRECOGNIZED_RUNTIME, false },
	{ "recovery", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_UNEXPECTED_EVIDENCE, false },
	{ "report.require", TSM_EAR_CONFIGURATION, TSM_AR_UNSAFE, false },
	{ "report.forbid", TSM_EAR_CONFIGURATION, TSM_AR_UNSAFE, false },
	{ "report", TSM_EAR_CONFIGURATION, TSM_AR_CONTRAINDICATED, false },
	{ "target", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_CONTRAINDICATED, false },
	{ "default", TSM_EAR_HARDWARE, TSM_AR_UNRECOGNIZED, false },
	/* the verifier could not do its job: not the device's fault */
	{ "evidence.netlink", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_VERIFIER_MALFUNCTION, false },
	{ "evidence", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_UNEXPECTED_EVIDENCE, false },
	{ "io", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_VERIFIER_MALFUNCTION, false },
	{ "config", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_VERIFIER_MALFUNCTION, false },
	{ "crl", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_VERIFIER_MALFUNCTION, false },
	{ "trust-anchor", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_VERIFIER_MALFUNCTION, false },
	{ "policy", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_VERIFIER_MALFUNCTION, false },
	{ "internal", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_VERIFIER_MALFUNCTION, false },
	{ "cancelled", TSM_EAR_INSTANCE_IDENTITY, TSM_AR_VERIFIER_MALFUNCTION, false },
};

static bool check_is(const char *check, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(check, key, n) && (check[n] == '\0' || check[n] == '.');
}

static void set_claim(struct tsm_ear_vector *vec, enum tsm_ear_claim c, int8_t v)
{
	vec->set[c] = true;
	vec->value[c] = v;
}

static void vector_from_check(const char *check, struct tsm_ear_vector *vec)
{
	size_t i;

	for (i = 0; i < sizeof(deny_map) / sizeof(deny_map[0]); i++) {
		if (!check_is(check, deny_map[i].check))
			continue;
		set_claim(vec, deny_map[i].claim, deny_map[i].value);
		if (deny_map[i].hardware_too)
			set_claim(vec, TSM_EAR_HARDWARE, deny_map[i].value);
		return;
	}
	/* a check this table does not know: fail closed */
	set_claim(vec, TSM_EAR_INSTANCE_IDENTITY, TSM_AR_CONTRAINDICATED);
}

/* AR4SI section 2.3: the tier a claim value falls in */
static enum tsm_ear_status claim_tier(int v)
{
	if (v >= -1 && v <= 1)
		return TSM_EAR_NONE;
	if ((v >= 2 && v <= 31) || (v <= -2 && v >= -32))
		return TSM_EAR_AFFIRMING;
	if ((v >= 32 && v <= 95) || (v <= -33 && v >= -96))
		return TSM_EAR_WARNING;
	return TSM_EAR_CONTRAINDICATED;
}

void tsm_ear_appraise(const struct tsm_ear_decision *d, enum tsm_ear_status *status,
		      struct tsm_ear_vector *vec)
{
	const char *dec = d->decision ? d->decision : "none";
	const char *check = d->check ? d->check : "";
	const char *rule = d->rule ? d->rule : "";
	enum tsm_ear_status st;
	unsigned int c;

	memset(vec, 0, sizeof(*vec));
	if (!strcmp(dec, "denied")) {
		st = TSM_EAR_CONTRAINDICATED;
		if (d->admin || !strcmp(rule, "admin") || !check[0])
			set_claim(vec, TSM_EAR_INSTANCE_IDENTITY, TSM_AR_CONTRAINDICATED);
		else
			vector_from_check(check, vec);
	} else if (!strcmp(dec, "accepted") && check[0]) {
		/* an audit rule let it through although a check failed */
		st = TSM_EAR_CONTRAINDICATED;
		vector_from_check(check, vec);
	} else if (!strcmp(dec, "accepted") && !d->admin && strcmp(rule, "admin") &&
		   d->rule_known && d->rule_chain) {
		st = TSM_EAR_AFFIRMING;
		set_claim(vec, TSM_EAR_INSTANCE_IDENTITY, TSM_AR_AFFIRMING);
		set_claim(vec, TSM_EAR_HARDWARE, TSM_AR_AFFIRMING);
		if (d->rule_measurements)
			set_claim(vec, TSM_EAR_EXECUTABLES, TSM_AR_AFFIRMING);
		if (d->rule_report)
			set_claim(vec, TSM_EAR_CONFIGURATION, TSM_AR_AFFIRMING);
	} else if (!strcmp(dec, "accepted") || !strcmp(dec, "kept")) {
		/*
		 * In use without a verified appraisal: an administrator's
		 * accept, a rule with unverified = allow (or one no longer in
		 * the policy), a device that was running before the daemon.
		 */
		st = TSM_EAR_WARNING;
		set_claim(vec, TSM_EAR_INSTANCE_IDENTITY, TSM_AR_NO_CLAIM);
	} else {
		/* pending, held, none: no appraisal to report */
		st = TSM_EAR_NONE;
		set_claim(vec, TSM_EAR_INSTANCE_IDENTITY, TSM_AR_NO_CLAIM);
	}
	/* ear.status: no higher trust than the worst claim (draft section 3.1) */
	for (c = 0; c < TSM_EAR_NCLAIMS; c++) {
		enum tsm_ear_status t;

		if (!vec->set[c])
			continue;
		t = claim_tier(vec->value[c]);
		if (t == TSM_EAR_CONTRAINDICATED ||
		    (t == TSM_EAR_WARNING && st == TSM_EAR_AFFIRMING))
			st = t;
	}
	*status = st;
}

void tsm_ear_rule_requirements(const struct tsm_policy *pol, struct tsm_ear_decision *d)
{
	size_t i;

	if (!pol || !d->rule || !d->rule[0] || !strcmp(d->rule, "admin"))
		return;
	if (!strcmp(d->rule, "default")) {
		d->rule_known = true;
		d->rule_chain = !pol->default_unverified;
	}
	for (i = 0; i < pol->nrules; i++) {
		const struct tsm_rule *r = &pol->rules[i];

		if (strcmp(r->name, d->rule))
			continue;
		d->rule_known = true;
		d->rule_chain = !r->allow_unverified && (r->nanchors || r->has_root_pin);
		d->rule_measurements = r->nmeas || r->has_svn_min;
		d->rule_report = r->report_require || r->report_forbid;
	}
}

static int add_str(struct json_object *o, const char *key, const char *s)
{
	return tsm_json_add(o, key, json_object_new_string(s ? s : ""));
}

static struct json_object *vector_json(const struct tsm_ear_vector *vec)
{
	struct json_object *o = json_object_new_object();
	unsigned int c;

	if (!o)
		return NULL;
	for (c = 0; c < TSM_EAR_NCLAIMS; c++) {
		if (vec->set[c] && tsm_json_add(o, claim_names[c], json_object_new_int(vec->value[c]))) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

static struct json_object *extension_json(const struct tsm_ear_input *in)
{
	const struct tsm_ear_decision *d = in->decision;
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (add_str(o, "decision", d->decision ? d->decision : "none") ||
	    tsm_json_add(o, "admin", json_object_new_boolean(d->admin)) ||
	    add_str(o, "rule", d->rule) || add_str(o, "check", d->check) ||
	    add_str(o, "reason", d->reason) || add_str(o, "policy-digest", d->policy_digest) ||
	    tsm_json_add(o, "decided-at", json_object_new_int64((int64_t)(d->decided_usec / 1000000))) ||
	    (d->has_generation && tsm_json_add(o, "generation", json_object_new_int64(d->generation))) ||
	    (in->evidence_sha256 &&
	     tsm_json_add(o, "evidence-sha256", json_object_get(in->evidence_sha256))) ||
	    (in->bundle_sha256 && add_str(o, "bundle-sha256", in->bundle_sha256))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *tsm_ear_claims(const struct tsm_ear_input *in)
{
	struct json_object *o, *vid, *subs, *app;
	enum tsm_ear_status st;
	struct tsm_ear_vector vec;
	const struct tsm_ear_decision *d = in->decision;

	if (!d || !in->submod || !in->submod[0] || !in->build || in->iat < 0)
		return NULL;
	tsm_ear_appraise(d, &st, &vec);
	o = json_object_new_object();
	if (!o)
		return NULL;
	vid = json_object_new_object();
	if (add_str(o, "eat_profile", TSM_EAR_PROFILE) ||
	    tsm_json_add(o, "iat", json_object_new_int64(in->iat)) || !vid ||
	    add_str(vid, "build", in->build) || add_str(vid, "developer", TSM_EAR_DEVELOPER))
		goto fail_vid;
	if (tsm_json_add(o, "ear.verifier-id", vid))
		goto fail;
	subs = json_object_new_object();
	if (tsm_json_add(o, "submods", subs))
		goto fail;
	app = json_object_new_object();
	if (tsm_json_add(subs, in->submod, app) ||
	    add_str(app, "ear.status", tsm_ear_status_name(st)) ||
	    tsm_json_add(app, "ear.trustworthiness-vector", vector_json(&vec)))
		goto fail;
	if (d->policy_digest && d->policy_digest[0]) {
		char id[80];

		snprintf(id, sizeof(id), "sha256:%.64s", d->policy_digest);
		if (add_str(app, "ear.appraisal-policy-id", id))
			goto fail;
	}
	if (tsm_json_add(app, TSM_EAR_EXT_CLAIM, extension_json(in)))
		goto fail;
	return o;
fail_vid:
	json_object_put(vid);
fail:
	json_object_put(o);
	return NULL;
}

int tsm_ear_load_key(const char *path, EVP_PKEY **key, struct tsm_error *err)
{
	char group[64] = "";
	EVP_PKEY *k;
	FILE *f;

	*key = NULL;
	f = fopen(path, "re");
	if (!f)
		return tsm_fail(err, TSM_E_IO, "io", "%s: %s", path, strerror(errno));
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k)
		return tsm_fail(err, TSM_E_CONFIG, "config", "%s: not a PEM private key", path);
	if (!EVP_PKEY_is_a(k, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    NULL) ||
	    strcmp(group, SN_X9_62_prime256v1)) {
		EVP_PKEY_free(k);
		return tsm_fail(err, TSM_E_CONFIG, "config",
				"%s: ES256 needs an EC key on P-256 (prime256v1), this is %s%s",
				path, group[0] ? "curve " : "a ", group[0] ? group : "non-EC key");
	}
	*key = k;
	return 0;
}

/* RFC 7638 thumbprint of the EC public key, base64url: the JWS "kid". */
static char *key_thumbprint(EVP_PKEY *key)
{
	uint8_t pub[65], md[32];
	char *x = NULL, *y = NULL, *kid = NULL, jwk[160];
	size_t len = 0;

	if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub,
					     sizeof(pub), &len) || len != 65 || pub[0] != 4)
		return NULL;
	x = tsm_base64url(pub + 1, 32);
	y = tsm_base64url(pub + 33, 32);
	/* members in lexicographic order, no whitespace (RFC 7638 section 3) */
	if (x && y &&
	    snprintf(jwk, sizeof(jwk), "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
		     x, y) < (int)sizeof(jwk) &&
	    !tsm_digest(TSM_HASH_SHA256, jwk, strlen(jwk), md))
		kid = tsm_base64url(md, sizeof(md));
	free(x);
	free(y);
	return kid;
}

/* DER ECDSA-Sig-Value -> the fixed 64-byte R || S of JWS ES256 */
static int der_to_raw(const uint8_t *der, size_t len, uint8_t raw[64])
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;
	int ok;

	if (!sig)
		return -1;
	ECDSA_SIG_get0(sig, &r, &s);
	ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
	ECDSA_SIG_free(sig);
	return ok ? 0 : -1;
}

int tsm_ear_sign(const char *payload, EVP_PKEY *key, char **jws, struct tsm_error *err)
{
	char *kid, *h64 = NULL, *p64 = NULL, *s64 = NULL, *input = NULL, header[128];
	uint8_t der[80], raw[64];
	size_t der_len = sizeof(der), in_len;
	EVP_MD_CTX *ctx = NULL;
	int rc = -TSM_E_NOMEM;

	*jws = NULL;
	kid = key_thumbprint(key);
	if (!kid)
		return tsm_fail(err, TSM_E_INVAL, "config", "signing key is not an EC P-256 key");
	snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"typ\":\"JWT\"}", kid);
	h64 = tsm_base64url((const uint8_t *)header, strlen(header));
	p64 = tsm_base64url((const uint8_t *)payload, strlen(payload));
	if (!h64 || !p64)
		goto out;
	in_len = strlen(h64) + 1 + strlen(p64);
	input = malloc(in_len + 1);
	if (!input)
		goto out;
	snprintf(input, in_len + 1, "%s.%s", h64, p64);
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		goto out;
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, der, &der_len, (const uint8_t *)input, in_len) != 1 ||
	    der_to_raw(der, der_len, raw)) {
		rc = tsm_fail(err, TSM_E_SIGNATURE, "sign", "ES256 signing failed");
		goto out;
	}
	s64 = tsm_base64url(raw, sizeof(raw));
	if (!s64)
		goto out;
	*jws = malloc(in_len + 1 + strlen(s64) + 1);
	if (!*jws)
		goto out;
	sprintf(*jws, "%s.%s", input, s64);
	rc = 0;
out:
	if (rc == -TSM_E_NOMEM)
		tsm_fail(err, TSM_E_NOMEM, "sign", "out of memory");
	EVP_MD_CTX_free(ctx);
	free(kid);
	free(h64);
	free(p64);
	free(s64);
	free(input);
	return rc;
}
