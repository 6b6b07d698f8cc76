// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: chain validation (SPDM profile), MEASUREMENTS signatures, nonce. */
#include <pthread.h>
#include <stdlib.h>

#include <openssl/pem.h>

#include "testlib.h"

static STACK_OF(X509) *anchors_of(X509 *a)
{
	STACK_OF(X509) *s = sk_X509_new_null();

	assert_non_null(s);
	if (a) {
		X509_up_ref(a);
		sk_X509_push(s, a);
	}
	return s;
}

static void parse(const struct tl_evidence *e, struct tsm_parsed *p)
{
	struct tsm_evidence v = tl_evidence_view(e);
	struct tsm_error err;

	if (tsm_evidence_parse(&v, p, &err))
		fail_msg("parse: %s", err.reason);
}

static void signatures(void **state)
{
	static const struct {
		enum tl_key k;
		enum tsm_hash h;
		bool pss;
	} t[] = {
		{ TL_P256, TSM_HASH_SHA256, false },
		{ TL_P384, TSM_HASH_SHA384, false },
		{ TL_P521, TSM_HASH_SHA512, false },
		{ TL_RSA2048, TSM_HASH_SHA384, true },
		{ TL_RSA2048, TSM_HASH_SHA256, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct tsm_verify_opts opts = { .check_time = true };
		struct tl_evidence e;
		struct tsm_parsed p;
		struct tsm_error err;
		STACK_OF(X509) *a;

		tl_evidence_init(&e, t[i].k, t[i].h, t[i].pss);
		parse(&e, &p);
		a = anchors_of(e.pki.root);
		if (tsm_verify_chain(&p.chain, a, &opts, &err))
			fail_msg("chain %zu: %s", i, err.reason);
		if (tsm_verify_measurements(&p, &err))
			fail_msg("signature %zu: %s", i, err.reason);
		assert_int_equal(tsm_verify_nonce(&p, e.nonce, 32, &err), 0);
		tsm_parsed_free(&p);

		/* one flipped bit anywhere in the signed response or signature */
		for (size_t off = 37; off < e.meas.len; off += 7) {
			e.meas.p[off] ^= 0x10;
			if (!tsm_evidence_parse(&(struct tsm_evidence){
					.cert = e.cert.p, .cert_len = e.cert.len,
					.vca = e.vca.p, .vca_len = e.vca.len,
					.meas = e.meas.p, .meas_len = e.meas.len }, &p, NULL)) {
				assert_int_equal(tsm_verify_measurements(&p, &err),
						 -TSM_E_SIGNATURE);
				tsm_parsed_free(&p);
			}
			e.meas.p[off] ^= 0x10;
		}
		/* a changed VCA byte (CAPABILITIES flags) breaks the signature */
		e.vca.p[12 + 20 + 8] ^= 1;
		parse(&e, &p);
		assert_int_equal(tsm_verify_measurements(&p, &err), -TSM_E_SIGNATURE);
		assert_non_null(strstr(err.reason, "does not verify"));
		tsm_parsed_free(&p);
		sk_X509_pop_free(a, X509_free);
		tl_evidence_fini(&e);
	}
}

static void key_mismatch(void **state)
{
	struct tl_evidence e;
	struct tsm_parsed p;
	struct tsm_error err;

	(void)state;
	tl_evidence_init(&e, TL_P256, TSM_HASH_SHA256, false);
	/* VCA claims P-384 (sig size 96): re-sign with that size via a P-384 key */
	{
		EVP_PKEY *k = tl_key_new(TL_P384);
		struct tl_block blocks[3];

		tl_vca(&e.vca, 0x12, TSM_SPDM_HASH_SHA256, TSM_SPDM_ASYM_ECDSA_P384, 0);
		tl_evidence_blocks(&e, blocks);
		tl_meas(&e.meas, 0x12, e.nonce, blocks, 3, &e.vca, TSM_HASH_SHA256,
			TSM_SPDM_ASYM_ECDSA_P384, k);
		EVP_PKEY_free(k);
	}
	parse(&e, &p);
	assert_int_equal(tsm_verify_measurements(&p, &err), -TSM_E_SIGNATURE);
	assert_non_null(strstr(err.reason, "does not match the negotiated ECDSA-P384"));
	tsm_parsed_free(&p);
	tl_evidence_fini(&e);
}

static void nonce(void **state)
{
	struct tl_evidence e;
	struct tsm_parsed p;
	struct tsm_error err;
	uint8_t other[32];

	(void)state;
	tl_evidence_init(&e, TL_P256, TSM_HASH_SHA256, false);
	parse(&e, &p);
	memcpy(other, e.nonce, 32);
	other[31] ^= 1;
	assert_int_equal(tsm_verify_nonce(&p, other, 32, &err), -TSM_E_NONCE);
	assert_non_null(strstr(err.reason, "stale nonce"));
	assert_int_equal(tsm_verify_nonce(&p, e.nonce, 16, &err), -TSM_E_NONCE);
	assert_int_equal(tsm_verify_nonce(&p, NULL, 0, &err), -TSM_E_NONCE);
	tsm_parsed_free(&p);
	tl_evidence_fini(&e);
}

static void prefix(void **state)
{
	uint8_t out[TSM_SPDM_SIGN_PREFIX_LEN];

	(void)state;
	assert_int_equal(tsm_spdm_sign_prefix(0x13, "responder-measurements signing", out), 100);
	assert_memory_equal(out, "dmtf-spdm-v1.3.*dmtf-spdm-v1.3.*dmtf-spdm-v1.3.*dmtf-spdm-v1.3.*",
			    64);
	assert_memory_equal(out + 64, "\0\0\0\0\0\0responder-measurements signing", 36);
	assert_int_equal(tsm_spdm_sign_prefix(0x11, "x", out), -TSM_E_UNSUPPORTED);
}

/* chain validation: the SPDM profile */
struct chain_case {
	struct tl_pki pki;
	struct tsm_chain chain;
	struct tl_buf buf;
};

static void chain_build(struct chain_case *c, const struct tl_cert_opts *leaf, bool with_root)
{
	tl_pki_init(&c->pki, TL_P256, leaf);
	memset(&c->buf, 0, sizeof(c->buf));
	tl_chain(&c->buf, &c->pki, TSM_HASH_SHA384, with_root);
	assert_int_equal(tsm_chain_parse(c->buf.p, c->buf.len, TSM_HASH_SHA384, &c->chain,
					 NULL), 0);
}

static void chain_done(struct chain_case *c)
{
	tsm_chain_free(&c->chain);
	tl_free(&c->buf);
	tl_pki_fini(&c->pki);
}

static int verify_with(struct chain_case *c, X509 *anchor, const struct tsm_verify_opts *o,
		       struct tsm_error *err)
{
	STACK_OF(X509) *a = anchors_of(anchor);
	int rc = tsm_verify_chain(&c->chain, a, o, err);

	sk_X509_pop_free(a, X509_free);
	return rc;
}

static void chains(void **state)
{
	struct tsm_verify_opts on = { .check_time = true }, off = { .check_time = false };
	struct chain_case c, other;
	struct tsm_error err;

	(void)state;
	chain_build(&c, NULL, true);
	chain_build(&other, NULL, true);
	assert_int_equal(verify_with(&c, c.pki.root, &on, &err), 0);
	/* wrong root */
	assert_int_equal(verify_with(&c, other.pki.root, &on, &err), -TSM_E_CHAIN);
	assert_string_equal(err.check, "chain.untrusted");
	assert_non_null(strstr(err.reason, "certificate 0"));
	/* no anchors at all */
	assert_int_equal(verify_with(&c, NULL, &on, &err), -TSM_E_CHAIN);
	/* an intermediate as anchor (partial chain): the root hash then cannot match */
	assert_int_equal(verify_with(&c, c.pki.inter, &on, &err), -TSM_E_CHAIN);
	assert_string_equal(err.check, "chain.root-hash");
	chain_done(&other);
	chain_done(&c);

	/* a chain that starts at the intermediate, anchored at its issuer */
	chain_build(&c, NULL, false);
	assert_int_equal(verify_with(&c, c.pki.root, &on, &err), 0);
	/* ... whose header names another root */
	c.buf.p[5] ^= 1;
	assert_int_equal(verify_with(&c, c.pki.root, &on, &err), -TSM_E_CHAIN);
	assert_string_equal(err.check, "chain.root-hash");
	chain_done(&c);

	/* an expired leaf: rejected with time checks, accepted without */
	chain_build(&c, &(struct tl_cert_opts){ .cn = "old", .not_before_days = -30,
						.not_after_days = -10 }, true);
	assert_int_equal(verify_with(&c, c.pki.root, &on, &err), -TSM_E_CHAIN);
	assert_non_null(strstr(err.reason, "expired"));
	assert_non_null(strstr(err.reason, "certificate 2"));
	assert_string_equal(err.check, "chain.expired");
	assert_int_equal(verify_with(&c, c.pki.root, &off, &err), 0);
	/* the check uses the chosen time: 20 days ago the CAs were not yet valid */
	on.now = time(NULL) - 20 * 86400;
	assert_int_equal(verify_with(&c, c.pki.root, &on, &err), -TSM_E_CHAIN);
	assert_non_null(strstr(err.reason, "not yet valid"));
	on.now = 0;
	chain_done(&c);

	/* the leaf must be allowed to sign */
	chain_build(&c, &(struct tl_cert_opts){ .cn = "nosig", .no_digital_signature = true },
		    true);
	assert_int_equal(verify_with(&c, c.pki.root, &off, &err), -TSM_E_CHAIN);
	assert_string_equal(err.check, "chain.key-usage");
	chain_done(&c);
	chain_build(&c, &(struct tl_cert_opts){ .cn = "noku", .no_key_usage = true }, true);
	assert_int_equal(verify_with(&c, c.pki.root, &off, &err), -TSM_E_CHAIN);
	chain_done(&c);
}

/* ---- the SPDM chain profile: order, leaf, issuers, path --------------------- */

/* Parse @n certificates (in this order, header hash of @hash_of) and verify against @anchors. */
static int verify_list(X509 *hash_of, X509 *const *certs, size_t n, X509 *const *anchors,
		       size_t nanchors, struct tsm_path *path, struct tsm_error *err)
{
	struct tsm_verify_opts o = { .check_time = true };
	STACK_OF(X509) *a = anchors_of(NULL);
	struct tl_buf buf = { 0 };
	struct tsm_chain c;
	int rc;

	for (size_t i = 0; i < nanchors; i++) {
		X509_up_ref(anchors[i]);
		sk_X509_push(a, anchors[i]);
	}
	tl_chain_of(&buf, TSM_HASH_SHA384, hash_of, certs, n);
	rc = tsm_chain_parse(buf.p, buf.len, TSM_HASH_SHA384, &c, err);
	if (!rc)
		rc = tsm_verify_chain_path(&c, a, &o, path, err);
	tsm_chain_free(&c);
	tl_free(&buf);
	sk_X509_pop_free(a, X509_free);
	return rc;
}

/* A leaf under @pki's intermediate with @o; returns it (and its key in *key). */
static X509 *leaf_with(const struct tl_pki *pki, const struct tl_cert_opts *o)
{
	EVP_PKEY *k = tl_key_new(TL_P256);
	X509 *x = tl_cert_new(k, o->cn, pki->inter, pki->inter_key, false, o);

	EVP_PKEY_free(k);
	return x;
}

static void expect_chain(int rc, const struct tsm_error *err, const char *check)
{
	if (rc != -TSM_E_CHAIN || strcmp(err->check, check))
		fail_msg("wanted %s, got rc %d check %s: %s", check, rc, err->check, err->reason);
}

static void spdm_profile(void **state)
{
	struct tl_pki p;
	struct tsm_error err;
	struct tsm_path path;
	X509 *leaf;

	(void)state;
	tl_pki_init(&p, TL_P256, NULL);
	/* the good chain, with and without its root; the path's root is the anchor */
	{
		X509 *full[] = { p.root, p.inter, p.leaf }, *below[] = { p.inter, p.leaf };
		uint8_t fp[32];
		unsigned int n;

		assert_int_equal(verify_list(p.root, full, 3, &p.root, 1, &path, &err), 0);
		assert_true(path.anchor_sent);
		X509_digest(p.root, EVP_sha256(), fp, &n);
		assert_memory_equal(path.root_sha256, fp, 32);
		assert_int_equal(verify_list(p.root, below, 2, &p.root, 1, &path, &err), 0);
		assert_false(path.anchor_sent);
		assert_memory_equal(path.root_sha256, fp, 32);
	}
	/* out of order: OpenSSL could build root -> inter -> leaf from the bag */
	{
		X509 *a[] = { p.inter, p.root, p.leaf }, *b[] = { p.root, p.leaf, p.inter };

		expect_chain(verify_list(p.root, a, 3, &p.root, 1, NULL, &err), &err, "chain.order");
		assert_non_null(strstr(err.reason, "out of order"));
		expect_chain(verify_list(p.root, b, 3, &p.root, 1, NULL, &err), &err, "chain.order");
		/* a certificate missing in the middle */
		expect_chain(verify_list(p.root, (X509 *[]){ p.root, p.leaf }, 2, &p.root, 1, NULL,
					 &err), &err, "chain.order");
	}
	/* leaf CA:TRUE */
	leaf = leaf_with(&p, &(struct tl_cert_opts){ .cn = "ca leaf", .leaf_ca = true });
	expect_chain(verify_list(p.root, (X509 *[]){ p.root, p.inter, leaf }, 3, &p.root, 1, NULL,
				 &err), &err, "chain.leaf-ca");
	X509_free(leaf);
	/* requester-only EKU: denied; responder, any, or no SPDM purpose: fine */
	leaf = leaf_with(&p, &(struct tl_cert_opts){ .cn = "requester",
		.eku = "critical," TSM_DMTF_EKU_REQUESTER_OID });
	expect_chain(verify_list(p.root, (X509 *[]){ p.root, p.inter, leaf }, 3, &p.root, 1, NULL,
				 &err), &err, "chain.leaf-eku");
	assert_non_null(strstr(err.reason, "requester authentication only"));
	X509_free(leaf);
	{
		static const char *const ok[] = {
			TSM_DMTF_EKU_RESPONDER_OID,
			TSM_DMTF_EKU_REQUESTER_OID "," TSM_DMTF_EKU_RESPONDER_OID,
			TSM_DMTF_EKU_REQUESTER_OID ",anyExtendedKeyUsage",
			"serverAuth,clientAuth,OCSPSigning",	/* libspdm's sample leaf */
		};

		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
			leaf = leaf_with(&p, &(struct tl_cert_opts){ .cn = "eku", .eku = ok[i] });
			if (verify_list(p.root, (X509 *[]){ p.root, p.inter, leaf }, 3, &p.root, 1,
					NULL, &err))
				fail_msg("EKU %s: %s", ok[i], err.reason);
			X509_free(leaf);
		}
	}
	/* an intermediate without keyCertSign; one that is no CA at all */
	{
		EVP_PKEY *ik = tl_key_new(TL_P256);
		X509 *inter = tl_cert_new(ik, "no certsign", p.root, p.root_key, true,
					  &(struct tl_cert_opts){ .ca_key_usage =
						  "critical,digitalSignature,cRLSign" });
		X509 *l = tl_cert_new(p.leaf_key, "leaf", inter, ik, false, NULL);

		expect_chain(verify_list(p.root, (X509 *[]){ p.root, inter, l }, 3, &p.root, 1,
					 NULL, &err), &err, "chain.ca");
		assert_non_null(strstr(err.reason, "keyCertSign"));
		X509_free(l);
		X509_free(inter);
		inter = tl_cert_new(ik, "not a ca", p.root, p.root_key, false, NULL);
		l = tl_cert_new(p.leaf_key, "leaf", inter, ik, false, NULL);
		expect_chain(verify_list(p.root, (X509 *[]){ p.root, inter, l }, 3, &p.root, 1,
					 NULL, &err), &err, "chain.ca");
		X509_free(l);
		X509_free(inter);
		EVP_PKEY_free(ik);
	}
	/* path length: a root with pathlen:0 cannot have an intermediate below it */
	{
		EVP_PKEY *rk = tl_key_new(TL_P256), *ik = tl_key_new(TL_P256);
		X509 *root = tl_cert_new(rk, "pathlen 0 root", NULL, NULL, true,
					 &(struct tl_cert_opts){ .pathlen = 1 });
		X509 *inter = tl_cert_new(ik, "inter", root, rk, true, NULL);
		X509 *l = tl_cert_new(p.leaf_key, "leaf", inter, ik, false, NULL);

		expect_chain(verify_list(root, (X509 *[]){ root, inter, l }, 3, &root, 1, NULL,
					 &err), &err, "chain.path-length");
		/* ... but may issue the leaf directly */
		X509_free(l);
		l = tl_cert_new(p.leaf_key, "leaf", root, rk, false, NULL);
		assert_int_equal(verify_list(root, (X509 *[]){ root, l }, 2, &root, 1, NULL, &err),
				 0);
		X509_free(l);
		X509_free(inter);
		X509_free(root);
		EVP_PKEY_free(rk);
		EVP_PKEY_free(ik);
	}
	/*
	 * Pinned root sent first, verified via a second anchor: R2 has R1's
	 * name and key (a re-issued root), OpenSSL prefers the trusted R2 as
	 * the intermediate's issuer, so the path would end at R2.
	 */
	{
		X509 *r2 = tl_cert_new(p.root_key, "test root CA", NULL, NULL, true,
				       &(struct tl_cert_opts){ .not_before_days = -2 });
		X509 *chain[] = { p.root, p.inter, p.leaf };

		expect_chain(verify_list(p.root, chain, 3, &r2, 1, NULL, &err), &err,
			     "chain.root-hash");
		/* with both anchors, either denied or the path ends at the root that was sent */
		if (!verify_list(p.root, chain, 3, (X509 *[]){ r2, p.root }, 2, &path, &err)) {
			uint8_t fp[32];
			unsigned int n;

			X509_digest(p.root, EVP_sha256(), fp, &n);
			assert_true(path.anchor_sent);
			assert_memory_equal(path.root_sha256, fp, 32);
		} else if (strcmp(err.check, "chain.root-hash") && strcmp(err.check, "chain.order")) {
			fail_msg("two anchors: %s", err.reason);
		}
		X509_free(r2);
	}
	/* the header's root hash must be the anchor's when the root is not sent */
	{
		struct tl_pki q;

		tl_pki_init(&q, TL_P256, NULL);
		expect_chain(verify_list(q.root, (X509 *[]){ p.inter, p.leaf }, 2, &p.root, 1, NULL,
					 &err), &err, "chain.root-hash");
		tl_pki_fini(&q);
	}
	tl_pki_fini(&p);
}

/*
 * Vendor A's intermediate sent first, vendor B's genuine intermediate and
 * leaf behind it, both roots trusted: OpenSSL alone builds B's path and
 * ignores A's certificate. Denied as out of order.
 */
static void vendor_mix(void **state)
{
	struct tl_pki a, b;
	struct tsm_error err;
	X509 *both[2];

	(void)state;
	tl_pki_init(&a, TL_P256, NULL);
	tl_pki_init(&b, TL_P256, NULL);
	both[0] = a.root;
	both[1] = b.root;
	/* header hash of B's root, which the path OpenSSL builds ends at */
	expect_chain(verify_list(b.root, (X509 *[]){ a.inter, b.inter, b.leaf }, 3, both, 2, NULL,
				 &err), &err, "chain.order");
	/* vendor A's root first (kept from before: the root hash ties it) */
	assert_int_equal(verify_list(a.root, (X509 *[]){ a.root, b.inter, b.leaf }, 3, both, 2,
				     NULL, &err), -TSM_E_CHAIN);
	/* B's own chain passes */
	assert_int_equal(verify_list(b.root, (X509 *[]){ b.inter, b.leaf }, 2, both, 2, NULL,
				     &err), 0);
	tl_pki_fini(&a);
	tl_pki_fini(&b);
}

static void crls(void **state)
{
	struct tsm_verify_opts o = { .check_time = true };
	struct chain_case c;
	struct tsm_error err;
	X509_CRL *crl, *crl2;

	(void)state;
	chain_build(&c, NULL, true);
	o.crls = sk_X509_CRL_new_null();
	/* CRLs from root (empty) and intermediate (revoking the leaf) */
	for (int i = 0; i < 2; i++) {
		X509 *issuer = i ? c.pki.inter : c.pki.root;
		EVP_PKEY *key = i ? c.pki.inter_key : c.pki.root_key;
		X509_CRL *l = X509_CRL_new();
		ASN1_TIME *t = ASN1_TIME_new();

		X509_CRL_set_version(l, 1);
		X509_CRL_set_issuer_name(l, X509_get_subject_name(issuer));
		X509_gmtime_adj(t, -3600);
		X509_CRL_set1_lastUpdate(l, t);
		X509_gmtime_adj(t, 86400);
		X509_CRL_set1_nextUpdate(l, t);
		if (i) {
			X509_REVOKED *r = X509_REVOKED_new();

			X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(c.pki.leaf));
			X509_gmtime_adj(t, -60);
			X509_REVOKED_set_revocationDate(r, t);
			X509_CRL_add0_revoked(l, r);
		}
		X509_CRL_sort(l);
		X509_CRL_sign(l, key, EVP_sha256());
		ASN1_TIME_free(t);
		sk_X509_CRL_push(o.crls, l);
	}
	assert_int_equal(verify_with(&c, c.pki.root, &o, &err), -TSM_E_CHAIN);
	assert_non_null(strstr(err.reason, "revoked"));
	assert_string_equal(err.check, "chain.revoked");
	/* without the revoking CRL, but CRL checking on: the intermediate's CRL is missing */
	crl = sk_X509_CRL_pop(o.crls);
	assert_int_equal(verify_with(&c, c.pki.root, &o, &err), -TSM_E_CHAIN);
	X509_CRL_free(crl);
	/* PEM loader */
	{
		const char *path = tl_write_tmp("crl.pem", "");
		FILE *f = fopen(path, "w");
		STACK_OF(X509_CRL) *s = sk_X509_CRL_new_null();

		crl2 = sk_X509_CRL_value(o.crls, 0);
		PEM_write_X509_CRL(f, crl2);
		fclose(f);
		assert_int_equal(tsm_load_pem_crls(path, s, &err), 0);
		assert_int_equal(sk_X509_CRL_num(s), 1);
		assert_int_equal(tsm_load_pem_crls(tl_write_tmp("empty.pem", ""), s, &err),
				 -TSM_E_CONFIG);
		assert_int_equal(tsm_load_pem_crls("/nonexistent/x.pem", s, &err), -TSM_E_IO);
		sk_X509_CRL_pop_free(s, X509_CRL_free);
	}
	sk_X509_CRL_pop_free(o.crls, X509_CRL_free);
	chain_done(&c);
}

static void cache(void **state)
{
	struct tsm_verify_opts on = { .check_time = true }, off = { .check_time = false };
	struct tsm_verify_cache *vc = tsm_verify_cache_new(4, 3600);
	struct chain_case c, other;
	STACK_OF(X509) *a, *b;
	struct tsm_error err;
	unsigned long hits, misses;

	(void)state;
	assert_non_null(vc);
	chain_build(&c, NULL, true);
	chain_build(&other, NULL, true);
	a = anchors_of(c.pki.root);
	b = anchors_of(other.pki.root);
	for (int i = 0; i < 5; i++)
		assert_int_equal(tsm_verify_chain_cached(vc, &c.chain, a, &on, &err), 0);
	tsm_verify_cache_stats(vc, &hits, &misses);
	assert_int_equal(hits, 4);
	assert_int_equal(misses, 1);
	/* other anchors or options are other entries; failures are not cached */
	for (int i = 0; i < 2; i++)
		assert_int_equal(tsm_verify_chain_cached(vc, &c.chain, b, &on, &err),
				 -TSM_E_CHAIN);
	assert_int_equal(tsm_verify_chain_cached(vc, &c.chain, a, &off, &err), 0);
	tsm_verify_cache_stats(vc, &hits, &misses);
	assert_int_equal(hits, 4);
	assert_int_equal(misses, 4);
	/* more chains than entries: the oldest is replaced, results stay right */
	assert_int_equal(tsm_verify_chain_cached(vc, &other.chain, b, &on, &err), 0);
	assert_int_equal(tsm_verify_chain_cached(vc, &other.chain, a, &on, &err), -TSM_E_CHAIN);
	tsm_verify_cache_clear(vc);
	assert_int_equal(tsm_verify_chain_cached(vc, &c.chain, a, &on, &err), 0);
	tsm_verify_cache_stats(vc, &hits, &misses);
	assert_int_equal(hits, 4);
	/* NULL cache: plain verification */
	assert_int_equal(tsm_verify_chain_cached(NULL, &c.chain, a, &on, &err), 0);
	sk_X509_pop_free(a, X509_free);
	sk_X509_pop_free(b, X509_free);
	chain_done(&other);
	chain_done(&c);

	/* an expired chain is never served from the cache once time checks are on */
	chain_build(&c, &(struct tl_cert_opts){ .cn = "old", .not_before_days = -30,
						.not_after_days = -10 }, true);
	a = anchors_of(c.pki.root);
	assert_int_equal(tsm_verify_chain_cached(vc, &c.chain, a, &off, &err), 0);
	assert_int_equal(tsm_verify_chain_cached(vc, &c.chain, a, &on, &err), -TSM_E_CHAIN);
	assert_int_equal(tsm_verify_chain_cached(vc, &c.chain, a, &on, &err), -TSM_E_CHAIN);
	sk_X509_pop_free(a, X509_free);
	chain_done(&c);
	tsm_verify_cache_free(vc);
}

/* The chain cache: found by the digest of the bytes, certificates shared. */
static void chain_cache(void **state)
{
	struct tsm_verify_cache *vc = tsm_verify_cache_new(2, 3600);
	struct tsm_verify_opts o = { .check_time = true };
	struct chain_case c;
	struct tsm_chain a, b;
	struct tsm_error err;
	struct tsm_path pa, pb;
	STACK_OF(X509) *anchors;
	uint8_t *copy;
	unsigned long hits, misses;

	(void)state;
	chain_build(&c, NULL, true);
	anchors = anchors_of(c.pki.root);
	assert_int_equal(tsm_chain_parse_cached(vc, c.buf.p, c.buf.len, TSM_HASH_SHA384, &a, &err),
			 0);
	/* the same bytes elsewhere: the parsed certificates, pointing into the new copy */
	copy = malloc(c.buf.len);
	memcpy(copy, c.buf.p, c.buf.len);
	assert_int_equal(tsm_chain_parse_cached(vc, copy, c.buf.len, TSM_HASH_SHA384, &b, &err), 0);
	assert_ptr_equal(a.certs[0], b.certs[0]);
	assert_ptr_equal(b.der[2], copy + (a.der[2] - c.buf.p));
	assert_memory_equal(a.sha256, b.sha256, 32);
	assert_true(b.first_is_root && b.root_hash_ok);
	assert_int_equal(tsm_verify_chain_path_cached(vc, &a, anchors, &o, &pa, &err), 0);
	assert_int_equal(tsm_verify_chain_path_cached(vc, &b, anchors, &o, &pb, &err), 0);
	assert_memory_equal(pa.root_sha256, pb.root_sha256, 32);
	tsm_verify_cache_stats(vc, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 1);
	tsm_chain_free(&b);
	/* other bytes (a flipped bit in the leaf's signature): parsed afresh, not the old result */
	copy[c.buf.len - 3] ^= 1;
	assert_int_equal(tsm_chain_parse_cached(vc, copy, c.buf.len, TSM_HASH_SHA384, &b, &err), 0);
	assert_ptr_not_equal(a.certs[2], b.certs[2]);
	assert_int_equal(tsm_verify_chain_path_cached(vc, &b, anchors, &o, NULL, &err),
			 -TSM_E_CHAIN);
	tsm_chain_free(&b);
	/* a cleared cache drops its references; ours stay valid */
	tsm_verify_cache_clear(vc);
	assert_int_equal(tsm_verify_chain(&a, anchors, &o, &err), 0);
	/* a parse failure is not cached and reported each time */
	copy[0] ^= 1;
	for (int i = 0; i < 2; i++)
		assert_int_equal(tsm_chain_parse_cached(vc, copy, c.buf.len, TSM_HASH_SHA384, &b,
							&err), -TSM_E_PARSE);
	free(copy);
	tsm_chain_free(&a);
	sk_X509_pop_free(anchors, X509_free);
	chain_done(&c);
	tsm_verify_cache_free(vc);
}

/* Hammer: threads sharing a two-entry cache over three chains, evicting each other. */
struct hammer {
	struct tsm_verify_cache *vc;
	struct chain_case *cases;
	STACK_OF(X509) *anchors[3];
	int seed, failures;
};

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	struct tsm_verify_opts o = { .check_time = false };

	for (int i = 0; i < 1000; i++) {
		int k = (i * 7 + h->seed) % 3;
		struct tsm_chain c;
		struct tsm_path p;

		if (tsm_chain_parse_cached(h->vc, h->cases[k].buf.p, h->cases[k].buf.len,
					   TSM_HASH_SHA384, &c, NULL) ||
		    tsm_verify_chain_path_cached(h->vc, &c, h->anchors[k], &o, &p, NULL) ||
		    tsm_verify_chain_path_cached(h->vc, &c, h->anchors[(k + 1) % 3], &o, &p,
						 NULL) != -TSM_E_CHAIN)
			h->failures++;
		tsm_chain_free(&c);
	}
	return NULL;
}

static void cache_hammer(void **state)
{
	struct chain_case cases[3];
	struct hammer h[3];
	pthread_t t[3];

	(void)state;
	for (int k = 0; k < 3; k++)
		chain_build(&cases[k], NULL, true);
	for (int i = 0; i < 3; i++) {
		h[i] = (struct hammer){ .cases = cases, .seed = i };
		if (i == 0)
			h[i].vc = tsm_verify_cache_new(2, 3600);
		else
			h[i].vc = h[0].vc;
		for (int k = 0; k < 3; k++)
			h[i].anchors[k] = anchors_of(cases[k].pki.root);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer_thread, &h[i]), 0);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(h[i].failures, 0);
		for (int k = 0; k < 3; k++)
			sk_X509_pop_free(h[i].anchors[k], X509_free);
	}
	tsm_verify_cache_free(h[0].vc);
	for (int k = 0; k < 3; k++)
		chain_done(&cases[k]);
}

static void evidence_errors(void **state)
{
	struct tl_evidence e;
	struct tsm_evidence v;
	struct tsm_parsed p;
	struct tsm_error err;

	(void)state;
	tl_evidence_init(&e, TL_P256, TSM_HASH_SHA256, false);
	v = tl_evidence_view(&e);
	assert_int_equal(tsm_evidence_parse(&v, &p, &err), 0);
	assert_true(p.has_report);
	tsm_parsed_free(&p);
	v.vca_len = 0;
	assert_int_equal(tsm_evidence_parse(&v, &p, &err), -TSM_E_PARSE);
	assert_string_equal(err.reason, "vca: object missing");
	v = tl_evidence_view(&e);
	v.meas_len -= 1;
	assert_int_equal(tsm_evidence_parse(&v, &p, &err), -TSM_E_PARSE);
	assert_non_null(strstr(err.reason, "measurements: response:"));
	v = tl_evidence_view(&e);
	v.report_len -= 1;
	assert_int_equal(tsm_evidence_parse(&v, &p, &err), -TSM_E_PARSE);
	assert_non_null(strstr(err.reason, "report: "));
	v = tl_evidence_view(&e);
	v.cert_len -= 1;
	assert_int_equal(tsm_evidence_parse(&v, &p, &err), -TSM_E_PARSE);
	assert_non_null(strstr(err.reason, "chain: length field"));
	tl_evidence_fini(&e);
}

static int cleanup(void **state)
{
	(void)state;
	tl_tmpdir_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signatures),
		cmocka_unit_test(key_mismatch),
		cmocka_unit_test(nonce),
		cmocka_unit_test(prefix),
		cmocka_unit_test(chains),
		cmocka_unit_test(spdm_profile),
		cmocka_unit_test(vendor_mix),
		cmocka_unit_test(crls),
		cmocka_unit_test(cache),
		cmocka_unit_test(chain_cache),
		cmocka_unit_test(cache_hammer),
		cmocka_unit_test(evidence_errors),
	};

	return cmocka_run_group_tests(tests, NULL, cleanup);
}
