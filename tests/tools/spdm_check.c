// SPDX-License-Identifier: GPL-2.0-only
/*
 * spdm_check: minimal independent SPDM 1.2 evidence checker for the fixture
 * tests. Deliberately shares nothing with spdm_build.c (its own field walk,
 * its own algorithm table, its own M' construction).
 */
#define _POSIX_C_SOURCE 200809L
#include "spdm_check.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#define MAX_CERTS	16
#define NONCE_LEN	32

struct algs {
	const char *md;		/* base hash */
	size_t hash_len;
	const char *meas_md;	/* measurement hash, NULL for raw only */
	size_t sig_len;
	bool rsa, pss;
	const char *curve;
};

struct meas_view {
	const uint8_t *req_nonce;
	const uint8_t *record;
	size_t record_len;
	unsigned int nblocks;
	size_t signed_len;	/* request + response without signature */
	const uint8_t *sig;
};

static enum check_code fail(struct check_result *r, enum check_code c,
			    const char *detail, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum check_code fail(struct check_result *r, enum check_code c,
			    const char *detail, const char *fmt, ...)
{
	va_list ap;

	r->code = c;
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return c;
}

const char *check_code_name(enum check_code c)
{
	static const char *const names[] = {
		"ok", "parse", "chain", "signature", "nonce", "measurement",
		"internal",
	};

	return (unsigned int)c < sizeof(names) / sizeof(names[0]) ?
	       names[c] : "?";
}

static uint32_t le(const uint8_t *p, int n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static bool one_bit(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* ---- VCA ------------------------------------------------------------------ */

static enum check_code check_vca(const uint8_t *v, size_t len, struct algs *a,
				 struct check_result *r)
{
	size_t off = 0, n;
	uint32_t mh, asym, hash;
	bool v12 = false;

#define NEED(k) do { if (off + (k) > len) \
	return fail(r, CHECK_PARSE, "vca.length", "VCA truncated at %zu", off); \
	} while (0)
	NEED(4);
	if (v[1] != 0x84)
		return fail(r, CHECK_PARSE, "vca.get-version", "no GET_VERSION");
	off = 4;
	NEED(6);
	if (v[off + 1] != 0x04)
		return fail(r, CHECK_PARSE, "vca.version", "no VERSION");
	n = v[off + 5];
	NEED(6 + 2 * n);
	for (size_t i = 0; i < n; i++)
		if (v[off + 6 + 2 * i + 1] == 0x12)
			v12 = true;
	if (!v12)
		return fail(r, CHECK_PARSE, "vca.version", "1.2 not offered");
	off += 6 + 2 * n;
	for (int i = 0; i < 2; i++) {
		NEED(20);
		if (v[off] != 0x12 || v[off + 1] != (i ? 0x61 : 0xe1))
			return fail(r, CHECK_PARSE, "vca.capabilities",
				    "bad (GET_)CAPABILITIES at %zu", off);
		off += 20;
	}
	NEED(6);
	if (v[off + 1] != 0xe3)
		return fail(r, CHECK_PARSE, "vca.negotiate", "no NEGOTIATE_ALGORITHMS");
	n = le(v + off + 4, 2);
	if (n < 32)
		return fail(r, CHECK_PARSE, "vca.negotiate", "short NEGOTIATE_ALGORITHMS");
	NEED(n);
	off += n;
	NEED(36);
	if (v[off + 1] != 0x63)
		return fail(r, CHECK_PARSE, "vca.algorithms", "no ALGORITHMS");
	n = le(v + off + 4, 2);
	if (n < 36 || off + n != len)
		return fail(r, CHECK_PARSE, "vca.algorithms",
			    "ALGORITHMS length %zu does not end the VCA", n);
	mh = le(v + off + 8, 4);
	asym = le(v + off + 12, 4);
	hash = le(v + off + 16, 4);
#undef NEED
	if (!one_bit(mh) || !one_bit(asym) || !one_bit(hash))
		return fail(r, CHECK_PARSE, "vca.algorithms", "selection not one bit");
	memset(a, 0, sizeof(*a));
	switch (hash) {
	case 1: a->md = "SHA256"; a->hash_len = 32; break;
	case 2: a->md = "SHA384"; a->hash_len = 48; break;
	case 4: a->md = "SHA512"; a->hash_len = 64; break;
	default:
		return fail(r, CHECK_PARSE, "vca.algorithms", "hash %#x", hash);
	}
	switch (mh) {
	case 1: a->meas_md = NULL; break;
	case 2: a->meas_md = "SHA256"; break;
	case 4: a->meas_md = "SHA384"; break;
	case 8: a->meas_md = "SHA512"; break;
	default:
		return fail(r, CHECK_PARSE, "vca.algorithms", "meas hash %#x", mh);
	}
	switch (asym) {
	case 1u << 0: a->rsa = true; a->sig_len = 256; break;
	case 1u << 1: a->rsa = a->pss = true; a->sig_len = 256; break;
	case 1u << 2: a->rsa = true; a->sig_len = 384; break;
	case 1u << 3: a->rsa = a->pss = true; a->sig_len = 384; break;
	case 1u << 4: a->curve = "prime256v1"; a->sig_len = 64; break;
	case 1u << 5: a->rsa = true; a->sig_len = 512; break;
	case 1u << 6: a->rsa = a->pss = true; a->sig_len = 512; break;
	case 1u << 7: a->curve = "secp384r1"; a->sig_len = 96; break;
	case 1u << 8: a->curve = "secp521r1"; a->sig_len = 132; break;
	default:
		return fail(r, CHECK_PARSE, "vca.algorithms", "asym %#x", asym);
	}
	return CHECK_OK;
}

/* ---- chain ---------------------------------------------------------------- */

struct chain {
	size_t n;
	X509 *c[MAX_CERTS];
};

static void chain_free(struct chain *ch)
{
	for (size_t i = 0; i < ch->n; i++)
		X509_free(ch->c[i]);
	ch->n = 0;
}

static bool hash_eq(const char *md, const uint8_t *data, size_t len,
		    const uint8_t *want, size_t want_len)
{
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD *m = EVP_MD_fetch(NULL, md, NULL);
	bool ok = m && EVP_Digest(data, len, h, &n, m, NULL) && n == want_len &&
		  !memcmp(h, want, n);

	EVP_MD_free(m);
	return ok;
}

static bool cert_hash_eq(const char *md, X509 *x, const uint8_t *want,
			 size_t want_len)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	bool ok = len > 0 && hash_eq(md, der, (size_t)len, want, want_len);

	OPENSSL_free(der);
	return ok;
}

static enum check_code parse_chain(const uint8_t *d, size_t len,
				   const struct algs *a, X509 *anchor,
				   struct chain *ch, struct check_result *r)
{
	const uint8_t *p, *end = d + len;

	if (len < 4 + a->hash_len)
		return fail(r, CHECK_PARSE, "chain.length", "chain of %zu bytes", len);
	if (le(d, 2) != len)
		return fail(r, CHECK_PARSE, "chain.length",
			    "length field %u, object %zu bytes", le(d, 2), len);
	p = d + 4 + a->hash_len;
	while (p < end) {
		const unsigned char *q = p;
		X509 *x;

		if (ch->n == MAX_CERTS)
			return fail(r, CHECK_PARSE, "chain.count", "too many certificates");
		x = d2i_X509(NULL, &q, end - p);
		if (!x || q <= p)
			return fail(r, CHECK_PARSE, "chain.der",
				    "certificate %zu does not parse", ch->n);
		ch->c[ch->n++] = x;
		p = q;
	}
	if (!ch->n)
		return fail(r, CHECK_PARSE, "chain.count", "no certificates");
	/* DSP0274 order: each certificate names and is signed by the one before it */
	for (size_t i = 1; i < ch->n; i++) {
		EVP_PKEY *up = X509_get0_pubkey(ch->c[i - 1]);

		if (X509_NAME_cmp(X509_get_issuer_name(ch->c[i]),
				  X509_get_subject_name(ch->c[i - 1])) ||
		    !up || X509_verify(ch->c[i], up) != 1) {
			ERR_clear_error();
			return fail(r, CHECK_CHAIN, "chain.order",
				    "certificate %zu is not signed by certificate %zu", i, i - 1);
		}
	}
	if (X509_check_issued(ch->c[0], ch->c[0]) == X509_V_OK) {
		if (!cert_hash_eq(a->md, ch->c[0], d + 4, a->hash_len))
			return fail(r, CHECK_CHAIN, "chain.root-hash",
				    "root hash is not H(root certificate)");
	} else if (!cert_hash_eq(a->md, anchor, d + 4, a->hash_len)) {
		return fail(r, CHECK_CHAIN, "chain.root-hash",
			    "root hash is not H(trust anchor)");
	}
	return CHECK_OK;
}

/* Does the extendedKeyUsage list @oid (dotted)? */
static bool eku_has(EXTENDED_KEY_USAGE *eku, const char *oid)
{
	ASN1_OBJECT *want = OBJ_txt2obj(oid, 1);
	bool found = false;

	for (int i = 0; want && !found && i < sk_ASN1_OBJECT_num(eku); i++)
		found = !OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want);
	ASN1_OBJECT_free(want);
	return found;
}

/*
 * The SPDM certificate profile (DSP0274; libspdm reads it the same way):
 * the leaf is no CA, its EKU does not limit it to requester
 * authentication; every certificate above it is a CA, an intermediate
 * one with keyCertSign.
 */
static enum check_code check_profile(const struct chain *ch, struct check_result *r)
{
	X509 *leaf = ch->c[ch->n - 1];
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(leaf, NID_basic_constraints, NULL, NULL);
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(leaf, NID_ext_key_usage, NULL, NULL);
	bool leaf_ca = bc && bc->ca, requester_only = false;

	BASIC_CONSTRAINTS_free(bc);
	if (eku)
		requester_only = eku_has(eku, "1.3.6.1.4.1.412.274.4") &&
				 !eku_has(eku, "1.3.6.1.4.1.412.274.3") &&
				 !eku_has(eku, "2.5.29.37.0");
	EXTENDED_KEY_USAGE_free(eku);
	if (leaf_ca)
		return fail(r, CHECK_CHAIN, "chain.leaf-ca", "leaf has CA:TRUE");
	if (requester_only)
		return fail(r, CHECK_CHAIN, "chain.leaf-eku", "leaf EKU is requester-only");
	for (size_t i = 0; i + 1 < ch->n; i++) {
		bool self = X509_check_issued(ch->c[i], ch->c[i]) == X509_V_OK;
		ASN1_BIT_STRING *ku = X509_get_ext_d2i(ch->c[i], NID_key_usage, NULL, NULL);
		bool certsign = ku ? ASN1_BIT_STRING_get_bit(ku, 5) : self;

		ASN1_BIT_STRING_free(ku);
		if (X509_check_ca(ch->c[i]) != 1 || !certsign)
			return fail(r, CHECK_CHAIN, "chain.ca",
				    "certificate %zu may not issue certificates", i);
	}
	return CHECK_OK;
}

static enum check_code verify_path(const struct chain *ch, X509 *anchor,
				   bool time_check, struct check_result *r)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509 *leaf = ch->c[ch->n - 1];
	enum check_code rc = CHECK_OK;
	int err;

	if (!store || !ctx || !untrusted || !X509_STORE_add_cert(store, anchor)) {
		rc = fail(r, CHECK_INTERNAL, "internal", "X509 store setup");
		goto out;
	}
	for (size_t i = 0; i + 1 < ch->n; i++)
		sk_X509_push(untrusted, ch->c[i]);
	if (!X509_STORE_CTX_init(ctx, store, leaf, untrusted)) {
		rc = fail(r, CHECK_INTERNAL, "internal", "X509 ctx setup");
		goto out;
	}
	/*
	 * No X509_V_FLAG_X509_STRICT: real device certificates (e.g. libspdm's
	 * samples) lack the authority key identifier strict mode demands.
	 */
	if (!time_check)
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	rc = check_profile(ch, r);
	if (rc != CHECK_OK)
		goto out;
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		if (err == X509_V_ERR_PATH_LENGTH_EXCEEDED)
			rc = fail(r, CHECK_CHAIN, "chain.path-length", "%s (depth %d)",
				  X509_verify_cert_error_string(err),
				  X509_STORE_CTX_get_error_depth(ctx));
		else if (err == X509_V_ERR_CERT_HAS_EXPIRED)
			rc = fail(r, CHECK_CHAIN, "chain.expired", "%s (depth %d)",
				  X509_verify_cert_error_string(err),
				  X509_STORE_CTX_get_error_depth(ctx));
		else
			rc = fail(r, CHECK_CHAIN, "chain.untrusted", "%s (depth %d)",
				  X509_verify_cert_error_string(err),
				  X509_STORE_CTX_get_error_depth(ctx));
		goto out;
	}
	if (!(X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) ||
	    !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
		rc = fail(r, CHECK_CHAIN, "chain.key-usage",
			  "leaf lacks keyUsage digitalSignature");
out:
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

static enum check_code check_leaf_key(EVP_PKEY *pk, const struct algs *a,
				      struct check_result *r)
{
	char group[64];

	if (a->rsa) {
		if (!EVP_PKEY_is_a(pk, "RSA") ||
		    (size_t)EVP_PKEY_get_size(pk) != a->sig_len)
			return fail(r, CHECK_CHAIN, "chain.key-algorithm",
				    "leaf key is not RSA-%zu", a->sig_len * 8);
		return CHECK_OK;
	}
	if (!EVP_PKEY_is_a(pk, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(pk, "group", group, sizeof(group), NULL) ||
	    strcmp(group, a->curve))
		return fail(r, CHECK_CHAIN, "chain.key-algorithm",
			    "leaf key is not EC %s", a->curve);
	return CHECK_OK;
}

/* ---- MEASUREMENTS --------------------------------------------------------- */

static enum check_code parse_meas(const uint8_t *d, size_t len,
				  const struct algs *a, struct meas_view *mv,
				  struct check_result *r)
{
	const uint8_t *rsp;
	size_t rlen, off, opaque;

	if (len < 37 || d[0] != 0x12 || d[1] != 0xe0)
		return fail(r, CHECK_PARSE, "measurements.request",
			    "no GET_MEASUREMENTS 1.2 request");
	if (!(d[2] & 1))
		return fail(r, CHECK_PARSE, "measurements.request",
			    "request did not ask for a signature");
	mv->req_nonce = d + 4;
	rsp = d + 37;
	rlen = len - 37;
	if (rlen < 8 || rsp[0] != 0x12 || rsp[1] != 0x60)
		return fail(r, CHECK_PARSE, "measurements.response",
			    "no MEASUREMENTS 1.2 response");
	mv->nblocks = rsp[4];
	mv->record_len = le(rsp + 5, 3);
	mv->record = rsp + 8;
	if (mv->record_len > rlen - 8)
		return fail(r, CHECK_PARSE, "measurements.record-length",
			    "record length %zu past the object", mv->record_len);
	off = 0;
	for (unsigned int i = 0; i < mv->nblocks; i++) {
		const uint8_t *b = mv->record + off;
		size_t sz;

		if (mv->record_len - off < 4)
			return fail(r, CHECK_PARSE, "measurements.record-length",
				    "block %u header past the record", i);
		sz = le(b + 2, 2);
		if (sz > mv->record_len - off - 4)
			return fail(r, CHECK_PARSE, "measurements.block",
				    "block %u size %zu past the record", i, sz);
		if ((b[1] & 1) && (sz < 3 || le(b + 5, 2) != sz - 3))
			return fail(r, CHECK_PARSE, "measurements.block",
				    "block %u DMTF value size inconsistent", i);
		off += 4 + sz;
	}
	if (off != mv->record_len)
		return fail(r, CHECK_PARSE, "measurements.record-length",
			    "blocks use %zu of %zu record bytes", off, mv->record_len);
	off = 8 + mv->record_len;
	if (rlen - off < NONCE_LEN + 2)
		return fail(r, CHECK_PARSE, "measurements.length", "no nonce/opaque");
	off += NONCE_LEN;
	opaque = le(rsp + off, 2);
	off += 2;
	if (opaque > rlen - off || rlen - off - opaque != a->sig_len)
		return fail(r, CHECK_PARSE, "measurements.length",
			    "%zu bytes after opaque data, signature is %zu",
			    rlen - off - (opaque > rlen - off ? 0 : opaque), a->sig_len);
	off += opaque;
	mv->signed_len = 37 + off;
	mv->sig = rsp + off;
	return CHECK_OK;
}

/* M' = 4 x "dmtf-spdm-v1.2.*", zero pad + context to 36 bytes, then hash. */
static bool make_mprime(const struct algs *a, const uint8_t *vca, size_t vca_len,
			const uint8_t *msgs, size_t msgs_len, uint8_t *out,
			size_t *out_len)
{
	static const char ctx[] = "responder-measurements signing";
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_MD *m = EVP_MD_fetch(NULL, a->md, NULL);
	unsigned int n = 0;
	bool ok;

	for (size_t i = 0; i < 64; i++)
		out[i] = (uint8_t)"dmtf-spdm-v1.2.*"[i % 16];
	memset(out + 64, 0, 36);
	memcpy(out + 100 - strlen(ctx), ctx, strlen(ctx));
	ok = c && m && EVP_DigestInit_ex(c, m, NULL) &&
	     EVP_DigestUpdate(c, vca, vca_len) &&
	     EVP_DigestUpdate(c, msgs, msgs_len) &&
	     EVP_DigestFinal_ex(c, out + 100, &n);
	EVP_MD_CTX_free(c);
	EVP_MD_free(m);
	*out_len = 100 + n;
	return ok;
}

/* Raw r||s into a DER ECDSA-Sig-Value. Returns length or 0. */
static size_t raw_to_der(const uint8_t *raw, size_t len, uint8_t *der, size_t max)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(raw, (int)(len / 2), NULL);
	BIGNUM *bs = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL);
	unsigned char *p = der;
	int n = 0;

	if (s && br && bs && ECDSA_SIG_set0(s, br, bs)) {
		br = bs = NULL;
		if (i2d_ECDSA_SIG(s, NULL) <= (int)max)
			n = i2d_ECDSA_SIG(s, &p);
	}
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(s);
	return n > 0 ? (size_t)n : 0;
}

static bool verify_sig(const struct algs *a, EVP_PKEY *pk, const uint8_t *m,
		       size_t m_len, const uint8_t *sig)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t der[256];
	const uint8_t *s = sig;
	size_t slen = a->sig_len;
	bool ok = false;

	if (!c || EVP_DigestVerifyInit_ex(c, &pctx, a->md, NULL, NULL, pk, NULL) != 1)
		goto out;
	if (a->pss &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, a->md, NULL) != 1))
		goto out;
	if (!a->rsa) {
		slen = raw_to_der(sig, a->sig_len, der, sizeof(der));
		s = der;
		if (!slen)
			goto out;
	}
	ok = EVP_DigestVerify(c, s, slen, m, m_len) == 1;
out:
	EVP_MD_CTX_free(c);
	return ok;
}

static enum check_code check_values(const struct meas_view *mv,
				    const struct check_ref *ref,
				    struct check_result *r)
{
	for (size_t i = 0; i < ref->n; i++) {
		const uint8_t *b = mv->record;
		size_t off = 0;
		bool found = false;

		for (unsigned int k = 0; k < mv->nblocks; k++, off += 4 + le(b + off + 2, 2)) {
			const uint8_t *blk = b + off;
			size_t vlen;

			if (blk[0] != ref->m[i].index || !(blk[1] & 1))
				continue;
			found = true;
			vlen = le(blk + 5, 2);
			if ((blk[4] & 0x80) || vlen != ref->m[i].len ||
			    memcmp(blk + 7, ref->m[i].val, vlen))
				return fail(r, CHECK_MEASUREMENT, "measurement.value",
					    "measurement %u differs from the reference",
					    ref->m[i].index);
		}
		if (!found)
			return fail(r, CHECK_MEASUREMENT, "measurement.missing",
				    "measurement %u missing", ref->m[i].index);
	}
	if (ref->have_svn_min) {
		const uint8_t *b = mv->record;
		size_t off = 0;

		for (unsigned int k = 0; k < mv->nblocks; k++, off += 4 + le(b + off + 2, 2)) {
			const uint8_t *blk = b + off;
			size_t vlen;
			uint64_t svn = 0;

			if (!(blk[1] & 1) || blk[4] != 0x87)
				continue;
			vlen = le(blk + 5, 2);
			if (!vlen || vlen > 8)
				continue;
			for (size_t j = 0; j < vlen; j++)
				svn |= (uint64_t)blk[7 + j] << (8 * j);
			if (svn < ref->svn_min)
				return fail(r, CHECK_MEASUREMENT, "measurement.svn",
					    "SVN %llu below %llu",
					    (unsigned long long)svn,
					    (unsigned long long)ref->svn_min);
			return CHECK_OK;
		}
		return fail(r, CHECK_MEASUREMENT, "measurement.svn", "no SVN block");
	}
	return CHECK_OK;
}

enum check_code spdm_check(const struct check_input *in, struct check_result *r)
{
	struct chain ch = { 0 };
	struct algs a = { 0 };
	struct meas_view mv = { 0 };
	uint8_t mp[100 + EVP_MAX_MD_SIZE];
	size_t mp_len;
	EVP_PKEY *pk;
	enum check_code rc;

	memset(r, 0, sizeof(*r));
	rc = check_vca(in->vca, in->vca_len, &a, r);
	if (rc)
		return rc;
	rc = parse_chain(in->chain, in->chain_len, &a, in->anchor, &ch, r);
	if (rc)
		goto out;
	rc = verify_path(&ch, in->anchor, in->time_check, r);
	if (rc)
		goto out;
	pk = X509_get0_pubkey(ch.c[ch.n - 1]);
	rc = pk ? check_leaf_key(pk, &a, r) :
		  fail(r, CHECK_CHAIN, "chain.key-algorithm", "no leaf key");
	if (rc)
		goto out;
	rc = parse_meas(in->meas, in->meas_len, &a, &mv, r);
	if (rc)
		goto out;
	if (!make_mprime(&a, in->vca, in->vca_len, in->meas, mv.signed_len, mp,
			 &mp_len)) {
		rc = fail(r, CHECK_INTERNAL, "internal", "digest failed");
		goto out;
	}
	if (!verify_sig(&a, pk, mp, mp_len, mv.sig)) {
		rc = fail(r, CHECK_SIGNATURE, "measurements.signature",
			  "signature over M' does not verify with the leaf key");
		goto out;
	}
	if (in->nonce && memcmp(in->nonce, mv.req_nonce, NONCE_LEN)) {
		rc = fail(r, CHECK_NONCE, "measurements.nonce",
			  "signed nonce is not the expected one");
		goto out;
	}
	if (in->ref)
		rc = check_values(&mv, in->ref, r);
	if (!rc)
		snprintf(r->detail, sizeof(r->detail), "ok");
out:
	chain_free(&ch);
	return rc;
}

static int hexnib(int c)
{
	if (isdigit(c))
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int check_ref_load(const char *path, struct check_ref *ref)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int rc = 0;

	memset(ref, 0, sizeof(*ref));
	if (!f)
		return -1;
	while (!rc && fgets(line, sizeof(line), f)) {
		char *p = line, *eq;
		unsigned long idx;
		size_t n;

		line[strcspn(line, "\r\n")] = '\0';
		if (!*p || *p == '#')
			continue;
		eq = strchr(p, '=');
		if (!eq) {
			rc = -1;
			break;
		}
		*eq++ = '\0';
		if (!strcmp(p, "svn-min") || !strcmp(p, "svn")) {
			ref->have_svn_min = true;
			ref->svn_min = strtoull(eq, NULL, 0);
			continue;
		}
		idx = strtoul(p, NULL, 0);
		n = strlen(eq);
		if (!idx || idx > 255 || ref->n == CHECK_REF_MAX || n % 2 || n > 128) {
			rc = -1;
			break;
		}
		ref->m[ref->n].index = (uint8_t)idx;
		ref->m[ref->n].len = n / 2;
		for (size_t i = 0; i < n / 2; i++) {
			int hi = hexnib((unsigned char)eq[2 * i]);
			int lo = hexnib((unsigned char)eq[2 * i + 1]);

			if (hi < 0 || lo < 0)
				rc = -1;
			ref->m[ref->n].val[i] = (uint8_t)(hi << 4 | (lo & 15));
		}
		ref->n++;
	}
	fclose(f);
	return rc;
}
