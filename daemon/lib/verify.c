// SPDX-License-Identifier: GPL-2.0-only
/* libtsm: evidence bundle parsing, chain validation, SPDM signatures. */
#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "verify.h"

void tsm_parsed_free(struct tsm_parsed *p)
{
	if (!p)
		return;
	tsm_chain_free(&p->chain);
	tsm_meas_free(&p->meas);
	tsm_report_free(&p->report);
	memset(p, 0, sizeof(*p));
}

int tsm_evidence_parse(const struct tsm_evidence *ev, struct tsm_parsed *out,
		       struct tsm_error *err)
{
	return tsm_evidence_parse_cached(ev, NULL, out, err);
}

int tsm_evidence_parse_cached(const struct tsm_evidence *ev, struct tsm_verify_cache *cache,
			      struct tsm_parsed *out, struct tsm_error *err)
{
	struct tsm_parse_opts o = { .cache = cache };

	return tsm_evidence_parse_ex(ev, &o, out, err);
}

int tsm_evidence_parse_ex(const struct tsm_evidence *ev, const struct tsm_parse_opts *o,
			  struct tsm_parsed *out, struct tsm_error *err)
{
	static const struct tsm_parse_opts none;
	struct tsm_verify_cache *cache;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!o)
		o = &none;
	cache = o->cache;
	if (!ev->vca || !ev->vca_len)
		return tsm_fail(err, TSM_E_PARSE, "vca", "vca: object missing");
	if (!ev->cert || !ev->cert_len)
		return tsm_fail(err, TSM_E_PARSE, "chain", "chain: object missing");
	if (!ev->meas || !ev->meas_len)
		return tsm_fail(err, TSM_E_PARSE, "measurements",
				"measurements: object missing");
	tsm_digest(TSM_HASH_SHA256, ev->vca, ev->vca_len, out->vca_sha256);
	tsm_digest(TSM_HASH_SHA256, ev->meas, ev->meas_len, out->meas_sha256);

	rc = tsm_vca_parse(ev->vca, ev->vca_len, &out->vca, err);
	if (rc) {
		tsm_error_prefix(err, "vca");
		goto fail;
	}
	rc = tsm_chain_parse_cached(cache, ev->cert, ev->cert_len, out->vca.hash, &out->chain,
				    err);
	if (rc) {
		tsm_digest(TSM_HASH_SHA256, ev->cert, ev->cert_len, out->cert_sha256);
		tsm_error_prefix(err, "chain");
		goto fail;
	}
	memcpy(out->cert_sha256, out->chain.sha256, sizeof(out->cert_sha256));
	rc = tsm_meas_parse(ev->meas, ev->meas_len, out->vca.version,
			    out->vca.sig_len, &out->meas, err);
	if (rc) {
		tsm_error_prefix(err, "measurements");
		goto fail;
	}
	if (ev->report && o->has_generation && o->report_generation != o->generation) {
		/* not the generation being verified: the report says nothing about it */
		out->report_stale = true;
		out->report_generation = o->report_generation;
		out->generation = o->generation;
	} else if (ev->report) {
		tsm_digest(TSM_HASH_SHA256, ev->report, ev->report_len, out->report_sha256);
		rc = tsm_report_parse(ev->report, ev->report_len, &out->report, err);
		if (rc) {
			tsm_error_prefix(err, "report");
			goto fail;
		}
		out->has_report = true;
	}
	return 0;
fail:
	tsm_parsed_free(out);
	return rc;
}

static void subject_of(X509 *x, char *buf, size_t bufsz)
{
	X509_NAME_oneline(X509_get_subject_name(x), buf, (int)bufsz);
}

/*
 * DSP0274 (and libspdm, which implements it): an EKU that names an SPDM
 * purpose must name responder authentication for a responder's leaf; an
 * EKU without SPDM purposes (serverAuth, ... as in libspdm's own sample
 * certificates) does not restrict SPDM; anyExtendedKeyUsage allows all.
 */
static int check_leaf_eku(X509 *leaf, const char *subj, struct tsm_error *err)
{
	EXTENDED_KEY_USAGE *eku;
	bool responder = false, requester = false, any = false;
	int crit = 0;

	if (!(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE))
		return 0;
	eku = X509_get_ext_d2i(leaf, NID_ext_key_usage, &crit, NULL);
	if (!eku)
		return tsm_fail(err, TSM_E_CHAIN, "chain.leaf-eku",
				"leaf certificate %s has an unreadable extendedKeyUsage", subj);
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
		char oid[64];

		if (OBJ_obj2nid(o) == NID_anyExtendedKeyUsage) {
			any = true;
			continue;
		}
		if (OBJ_obj2txt(oid, sizeof(oid), o, 1) <= 0)
			continue;
		if (!strcmp(oid, TSM_DMTF_EKU_RESPONDER_OID))
			responder = true;
		else if (!strcmp(oid, TSM_DMTF_EKU_REQUESTER_OID))
			requester = true;
	}
	EXTENDED_KEY_USAGE_free(eku);
	if (requester && !responder && !any)
		return tsm_fail(err, TSM_E_CHAIN, "chain.leaf-eku",
				"leaf certificate %s is for SPDM requester authentication only (extendedKeyUsage lacks %s)",
				subj, TSM_DMTF_EKU_RESPONDER_OID);
	return 0;
}

/* The leaf is a device certificate: not a CA, may sign, EKU allows responder auth. */
static int check_leaf(X509 *leaf, struct tsm_error *err)
{
	uint32_t flags = X509_get_extension_flags(leaf);
	char subj[256];

	subject_of(leaf, subj, sizeof(subj));
	if (flags & EXFLAG_INVALID)
		return tsm_fail(err, TSM_E_CHAIN, "chain.extensions",
				"leaf certificate %s has malformed or duplicate extensions", subj);
	if (flags & EXFLAG_CA)
		return tsm_fail(err, TSM_E_CHAIN, "chain.leaf-ca",
				"leaf certificate %s is a CA (basicConstraints CA:TRUE)", subj);
	if (!(flags & EXFLAG_KUSAGE) || !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
		return tsm_fail(err, TSM_E_CHAIN, "chain.key-usage",
				"leaf certificate %s lacks keyUsage digitalSignature", subj);
	return check_leaf_eku(leaf, subj, err);
}

/*
 * Certificates 0..n-2 issue the next one: CAs (basicConstraints CA:TRUE)
 * allowed to sign certificates. A self-signed root without keyUsage is
 * fine (RFC 5280: no restriction); an intermediate must say keyCertSign.
 */
static int check_issuers(const struct tsm_chain *c, struct tsm_error *err)
{
	for (size_t i = 0; i + 1 < c->ncerts; i++) {
		X509 *x = c->certs[i];
		uint32_t flags = X509_get_extension_flags(x);
		bool root = i == 0 && c->first_is_root;
		char subj[256];

		subject_of(x, subj, sizeof(subj));
		if (flags & EXFLAG_INVALID)
			return tsm_fail(err, TSM_E_CHAIN, "chain.extensions",
					"certificate %zu (%s) has malformed or duplicate extensions",
					i, subj);
		if (!(flags & EXFLAG_BCONS) || !(flags & EXFLAG_CA))
			return tsm_fail(err, TSM_E_CHAIN, "chain.ca",
					"certificate %zu (%s) issues certificate %zu but is not a CA (basicConstraints CA:TRUE)",
					i, subj, i + 1);
		if (root && !(flags & EXFLAG_KUSAGE))
			continue;
		if (!(flags & EXFLAG_KUSAGE) || !(X509_get_key_usage(x) & KU_KEY_CERT_SIGN))
			return tsm_fail(err, TSM_E_CHAIN, "chain.ca",
					"certificate %zu (%s) issues certificate %zu but its keyUsage lacks keyCertSign",
					i, subj, i + 1);
	}
	return 0;
}

/*
 * SPDM order: certs[0] is the root or is issued by an anchor, and
 * certificate i+1 is issued by certificate i (names, key identifiers,
 * key type). The signatures are checked by X509_verify_cert(), whose path
 * is then compared with this order (check_path).
 */
static int check_order(const struct tsm_chain *c, struct tsm_error *err)
{
	for (size_t i = 0; i + 1 < c->ncerts; i++) {
		char subj[256], issuer[256];
		int rc = X509_check_issued(c->certs[i], c->certs[i + 1]);

		/* a linked issuer without keyCertSign is check_issuers()' to report */
		if ((rc == X509_V_OK || rc == X509_V_ERR_KEYUSAGE_NO_CERTSIGN) &&
		    !(X509_get_extension_flags(c->certs[i + 1]) & EXFLAG_SS))
			continue;
		subject_of(c->certs[i], issuer, sizeof(issuer));
		subject_of(c->certs[i + 1], subj, sizeof(subj));
		return tsm_fail(err, TSM_E_CHAIN, "chain.order",
				"certificate %zu (%s) is not issued by certificate %zu (%s): the chain is out of order or not linked",
				i + 1, subj, i, issuer);
	}
	return 0;
}

/* After a successful path build: the header's root hash vs H(top). */
static int check_root_hash(const struct tsm_chain *chain, X509 *top, struct tsm_error *err)
{
	uint8_t digest[TSM_HASH_MAX_LEN];
	char want[2 * TSM_HASH_MAX_LEN + 1], got[2 * TSM_HASH_MAX_LEN + 1];
	unsigned char *der = NULL;
	int n, rc;

	n = i2d_X509(top, &der);
	if (n <= 0)
		return tsm_fail(err, TSM_E_NOMEM, "chain.root-hash", "cannot encode the root");
	rc = tsm_digest(chain->hash, der, (size_t)n, digest);
	OPENSSL_free(der);
	if (rc)
		return tsm_fail(err, TSM_E_NOMEM, "chain.root-hash", "digest failed");
	if (memcmp(digest, chain->root_hash, chain->hash_len))
		return tsm_fail(err, TSM_E_CHAIN, "chain.root-hash",
				"root hash %s:%s in the chain header is not the hash of the validated root (%s)",
				tsm_hash_name(chain->hash),
				tsm_hex(chain->root_hash, chain->hash_len, want, sizeof(want)),
				tsm_hex(digest, chain->hash_len, got, sizeof(got)));
	return 0;
}

/*
 * The path OpenSSL validated must be the chain as sent, leaf first, plus
 * at most the anchor that issued certs[0]: no certificate skipped, none
 * taken from elsewhere.
 */
static int check_path(const struct tsm_chain *c, STACK_OF(X509) *path,
		      struct tsm_error *err)
{
	int np = sk_X509_num(path);

	if (np < (int)c->ncerts || np > (int)c->ncerts + 1)
		return tsm_fail(err, TSM_E_CHAIN, "chain.order",
				"the validated path has %d certificates, the chain as sent %zu: it does not run through every certificate in order",
				np, c->ncerts);
	for (size_t k = 0; k < c->ncerts; k++)
		if (X509_cmp(sk_X509_value(path, (int)k), c->certs[c->ncerts - 1 - k]))
			return tsm_fail(err, TSM_E_CHAIN, "chain.order",
					"the validated path leaves the chain as sent at certificate %zu",
					c->ncerts - 1 - k);
	return 0;
}

/* Check id for an OpenSSL verify error: why the path failed, in brief. */
static const char *path_check(int e)
{
	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
	case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
		return "chain.expired";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_CERT_UNTRUSTED:
		return "chain.untrusted";
	case X509_V_ERR_CERT_REVOKED:
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
		return "chain.revoked";
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return "chain.signature";
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
		return "chain.path-length";
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
		return "chain.ca";
	default:
		return "chain.path";
	}
}

static int path_error(X509_STORE_CTX *ctx, const struct tsm_chain *chain,
		      struct tsm_error *err)
{
	int e = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	char subj[256] = "?";
	long idx = (long)chain->ncerts - 1 - depth;

	if (cur)
		subject_of(cur, subj, sizeof(subj));
	if (idx >= 0)
		return tsm_fail(err, TSM_E_CHAIN, path_check(e),
				"certificate %ld (%s): %s", idx, subj,
				X509_verify_cert_error_string(e));
	return tsm_fail(err, TSM_E_CHAIN, path_check(e), "trust anchor (%s): %s", subj,
			X509_verify_cert_error_string(e));
}

/* Verification parameters: partial chains (anchors may be intermediates), depth, time, CRLs. */
static int set_params(X509_STORE_CTX *ctx, const struct tsm_verify_opts *opts)
{
	X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
	unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN;

	if (opts && opts->crls && sk_X509_CRL_num(opts->crls))
		flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
	if (!opts || !opts->check_time)
		flags |= X509_V_FLAG_NO_CHECK_TIME;
	else if (opts->now)
		X509_VERIFY_PARAM_set_time(vp, opts->now);
	/* the chain plus one anchor above it */
	X509_VERIFY_PARAM_set_depth(vp, TSM_CHAIN_MAX_CERTS);
	return X509_VERIFY_PARAM_set_flags(vp, flags) == 1 ? 0 : -1;
}

int tsm_verify_chain_path(const struct tsm_chain *chain, STACK_OF(X509) *anchors,
			  const struct tsm_verify_opts *opts, struct tsm_path *out,
			  struct tsm_error *err)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL, *path;
	X509 *top;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!chain->ncerts)
		return tsm_fail(err, TSM_E_INVAL, "chain.path", "empty chain");
	if (!anchors || !sk_X509_num(anchors))
		return tsm_fail(err, TSM_E_CHAIN, "chain.trust-anchor", "no trust anchor");
	rc = check_order(chain, err);
	if (!rc)
		rc = check_leaf(tsm_chain_leaf(chain), err);
	if (!rc)
		rc = check_issuers(chain, err);
	if (rc)
		return rc;
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	untrusted = sk_X509_new_null();
	if (!store || !ctx || !untrusted) {
		rc = tsm_fail(err, TSM_E_NOMEM, "chain.path", "out of memory");
		goto out;
	}
	for (int i = 0; i < sk_X509_num(anchors); i++)
		if (!X509_STORE_add_cert(store, sk_X509_value(anchors, i))) {
			rc = tsm_fail(err, TSM_E_NOMEM, "chain.path", "cannot add anchor");
			goto out;
		}
	for (size_t i = 0; i + 1 < chain->ncerts; i++)
		if (!sk_X509_push(untrusted, chain->certs[i])) {
			rc = tsm_fail(err, TSM_E_NOMEM, "chain.path", "out of memory");
			goto out;
		}
	if (opts && opts->crls)
		for (int i = 0; i < sk_X509_CRL_num(opts->crls); i++)
			X509_STORE_add_crl(store, sk_X509_CRL_value(opts->crls, i));
	if (!X509_STORE_CTX_init(ctx, store, tsm_chain_leaf(chain), untrusted) ||
	    set_params(ctx, opts)) {
		rc = tsm_fail(err, TSM_E_NOMEM, "chain.path", "cannot set up verification");
		goto out;
	}
	ERR_clear_error();
	if (X509_verify_cert(ctx) != 1) {
		rc = path_error(ctx, chain, err);
		goto out;
	}
	path = X509_STORE_CTX_get0_chain(ctx);
	top = path ? sk_X509_value(path, sk_X509_num(path) - 1) : NULL;
	if (!top) {
		rc = tsm_fail(err, TSM_E_CHAIN, "chain.path", "no validated path");
		goto out;
	}
	rc = check_root_hash(chain, top, err);
	if (!rc)
		rc = check_path(chain, path, err);
	if (!rc && out) {
		unsigned int n = 0;

		if (!X509_digest(top, EVP_sha256(), out->root_sha256, &n) || n != 32)
			rc = tsm_fail(err, TSM_E_NOMEM, "chain.path", "digest failed");
		out->anchor_sent = sk_X509_num(path) == (int)chain->ncerts;
	}
out:
	ERR_clear_error();
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

int tsm_verify_chain(const struct tsm_chain *chain, STACK_OF(X509) *anchors,
		     const struct tsm_verify_opts *opts, struct tsm_error *err)
{
	return tsm_verify_chain_path(chain, anchors, opts, NULL, err);
}

int tsm_spdm_sign_prefix(uint8_t version, const char *context,
			 uint8_t out[TSM_SPDM_SIGN_PREFIX_LEN])
{
	size_t clen = strlen(context);
	char ver[17];

	if (version < TSM_SPDM_V12 || (version >> 4) > 9 || (version & 0xf) > 9)
		return -TSM_E_UNSUPPORTED;
	if (clen > TSM_SPDM_SIGN_PREFIX_LEN - 64)
		return -TSM_E_INVAL;
	snprintf(ver, sizeof(ver), "dmtf-spdm-v%u.%u.*", version >> 4, version & 0xf);
	for (int i = 0; i < 4; i++)
		memcpy(out + 16 * i, ver, 16);
	memset(out + 64, 0, TSM_SPDM_SIGN_PREFIX_LEN - 64 - clen);
	memcpy(out + TSM_SPDM_SIGN_PREFIX_LEN - clen, context, clen);
	return TSM_SPDM_SIGN_PREFIX_LEN;
}

/* Raw r||s -> DER ECDSA-Sig-Value. *der is OPENSSL_malloc'd. */
static int ecdsa_raw_to_der(const uint8_t *sig, size_t len, unsigned char **der)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)(len / 2), NULL);
	BIGNUM *s = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL);
	int n = -1;

	if (es && r && s && ECDSA_SIG_set0(es, r, s)) {
		r = s = NULL;
		*der = NULL;
		n = i2d_ECDSA_SIG(es, der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return n;
}

static int check_key(EVP_PKEY *pk, const struct tsm_vca *v, struct tsm_error *err)
{
	const char *alg = tsm_asym_name(v->base_asym_algo);
	char group[64] = "";

	if (v->sig == TSM_SIG_ECDSA) {
		if (!EVP_PKEY_is_a(pk, "EC") ||
		    !EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
						    group, sizeof(group), NULL) ||
		    OBJ_txt2nid(group) != v->ec_nid)
			return tsm_fail(err, TSM_E_SIGNATURE, "measurements.signature",
					"leaf key (%s %s) does not match the negotiated %s",
					EVP_PKEY_get0_type_name(pk), group, alg);
		return 0;
	}
	if ((!EVP_PKEY_is_a(pk, "RSA") && !EVP_PKEY_is_a(pk, "RSA-PSS")) ||
	    (size_t)EVP_PKEY_get_size(pk) != v->sig_len)
		return tsm_fail(err, TSM_E_SIGNATURE, "measurements.signature",
				"leaf key (%s, %d bits) does not match the negotiated %s",
				EVP_PKEY_get0_type_name(pk), EVP_PKEY_get_bits(pk), alg);
	return 0;
}

static int verify_sig(EVP_PKEY *pk, const struct tsm_vca *v,
		      const uint8_t *msg, size_t msglen,
		      const uint8_t *sig, size_t siglen, struct tsm_error *err)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	const unsigned char *s = sig;
	size_t slen = siglen;
	int ok = 0;

	if (!mctx)
		return tsm_fail(err, TSM_E_NOMEM, "measurements.signature", "out of memory");
	if (v->sig == TSM_SIG_ECDSA) {
		int n = ecdsa_raw_to_der(sig, siglen, &der);

		if (n <= 0)
			goto out;
		s = der;
		slen = (size_t)n;
	}
	if (EVP_DigestVerifyInit(mctx, &pctx, tsm_hash_md(v->hash), NULL, pk) != 1)
		goto out;
	if (v->sig == TSM_SIG_RSAPSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, tsm_hash_md(v->hash)) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, (int)v->hash_len) != 1))
		goto out;
	if (v->sig == TSM_SIG_RSASSA &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
		goto out;
	ok = EVP_DigestVerify(mctx, s, slen, msg, msglen) == 1;
out:
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_MD_CTX_free(mctx);
	if (!ok)
		return tsm_fail(err, TSM_E_SIGNATURE, "measurements.signature",
				"MEASUREMENTS signature (%s, %s) does not verify with the leaf key",
				tsm_asym_name(v->base_asym_algo), tsm_hash_name(v->hash));
	return 0;
}

int tsm_verify_measurements(const struct tsm_parsed *p, struct tsm_error *err)
{
	const struct tsm_vca *v = &p->vca;
	const struct tsm_meas *m = &p->meas;
	uint8_t msg[TSM_SPDM_SIGN_PREFIX_LEN + TSM_HASH_MAX_LEN];
	X509 *leaf = tsm_chain_leaf(&p->chain);
	EVP_MD_CTX *h;
	EVP_PKEY *pk;
	int rc;

	if (!leaf || !m->signature)
		return tsm_fail(err, TSM_E_INVAL, "measurements.signature",
				"evidence not parsed");
	pk = X509_get0_pubkey(leaf);
	if (!pk)
		return tsm_fail(err, TSM_E_SIGNATURE, "measurements.signature",
				"leaf certificate has no usable public key");
	rc = check_key(pk, v, err);
	if (rc)
		return rc;
	rc = tsm_spdm_sign_prefix(m->rsp_version, "responder-measurements signing", msg);
	if (rc < 0)
		return tsm_fail(err, TSM_E_UNSUPPORTED, "measurements.signature",
				"no signing context for SPDM version 0x%02x", m->rsp_version);
	/* M' = prefix || H(VCA || request || response-without-signature) */
	h = EVP_MD_CTX_new();
	if (!h || EVP_DigestInit_ex(h, tsm_hash_md(v->hash), NULL) != 1 ||
	    EVP_DigestUpdate(h, v->data, v->len) != 1 ||
	    EVP_DigestUpdate(h, m->request, m->request_len) != 1 ||
	    EVP_DigestUpdate(h, m->response, m->signed_len) != 1 ||
	    EVP_DigestFinal_ex(h, msg + TSM_SPDM_SIGN_PREFIX_LEN, NULL) != 1) {
		EVP_MD_CTX_free(h);
		return tsm_fail(err, TSM_E_NOMEM, "measurements.signature", "digest failed");
	}
	EVP_MD_CTX_free(h);
	return verify_sig(pk, v, msg, TSM_SPDM_SIGN_PREFIX_LEN + v->hash_len,
			  m->signature, m->sig_len, err);
}

int tsm_verify_nonce(const struct tsm_parsed *p, const uint8_t *nonce,
		     size_t nonce_len, struct tsm_error *err)
{
	char want[65], got[65];

	if (!nonce || nonce_len != TSM_SPDM_NONCE_LEN)
		return tsm_fail(err, TSM_E_NONCE, "measurements.nonce",
				"no %d-byte nonce supplied", TSM_SPDM_NONCE_LEN);
	if (!p->meas.req_nonce)
		return tsm_fail(err, TSM_E_NONCE, "measurements.nonce", "evidence carries no nonce");
	if (CRYPTO_memcmp(p->meas.req_nonce, nonce, TSM_SPDM_NONCE_LEN))
		return tsm_fail(err, TSM_E_NONCE, "measurements.nonce",
				"stale nonce: evidence was requested with %s, expected %s",
				tsm_hex(p->meas.req_nonce, TSM_SPDM_NONCE_LEN, got, sizeof(got)),
				tsm_hex(nonce, TSM_SPDM_NONCE_LEN, want, sizeof(want)));
	return 0;
}

int tsm_load_pem_certs(const char *path, STACK_OF(X509) *anchors,
		       struct tsm_error *err)
{
	BIO *bio;
	X509 *x;
	unsigned long e;
	int n = 0;

	ERR_clear_error();
	errno = 0;
	bio = BIO_new_file(path, "r");
	if (!bio)
		return tsm_fail(err, TSM_E_IO, "trust-anchor", "%s: cannot open: %s", path,
				errno ? strerror(errno) : "unknown error");
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		if (!sk_X509_push(anchors, x)) {
			X509_free(x);
			BIO_free(bio);
			return tsm_fail(err, TSM_E_NOMEM, "trust-anchor", "out of memory");
		}
		n++;
	}
	/* the loop ends at "no start line" (end of file) or at a broken PEM block */
	e = ERR_peek_last_error();
	ERR_clear_error();
	BIO_free(bio);
	if (e && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE))
		return tsm_fail(err, TSM_E_CONFIG, "trust-anchor",
				"%s: certificate %d is not valid PEM/X.509", path, n + 1);
	if (!n)
		return tsm_fail(err, TSM_E_CONFIG, "trust-anchor",
				"%s: no PEM certificate", path);
	return 0;
}

int tsm_load_pem_crls(const char *path, STACK_OF(X509_CRL) *crls,
		      struct tsm_error *err)
{
	BIO *bio = BIO_new_file(path, "r");
	X509_CRL *c;
	int n = 0;

	if (!bio)
		return tsm_fail(err, TSM_E_IO, "crl", "%s: cannot open", path);
	while ((c = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL))) {
		if (!sk_X509_CRL_push(crls, c)) {
			X509_CRL_free(c);
			BIO_free(bio);
			return tsm_fail(err, TSM_E_NOMEM, "crl", "out of memory");
		}
		n++;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (!n)
		return tsm_fail(err, TSM_E_CONFIG, "crl", "%s: no PEM CRL", path);
	return 0;
}
