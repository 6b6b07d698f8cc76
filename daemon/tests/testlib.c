// SPDX-License-Identifier: GPL-2.0-only
/* Test helpers: in-process PKI and SPDM/TDISP evidence builders. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "testlib.h"

void tl_put(struct tl_buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

void tl_u8(struct tl_buf *b, uint8_t v)
{
	tl_put(b, &v, 1);
}

static void put_le(struct tl_buf *b, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		tl_u8(b, (uint8_t)(v >> (8 * i)));
}

void tl_le16(struct tl_buf *b, uint16_t v) { put_le(b, v, 2); }
void tl_le24(struct tl_buf *b, uint32_t v) { put_le(b, v, 3); }
void tl_le32(struct tl_buf *b, uint32_t v) { put_le(b, v, 4); }
void tl_le64(struct tl_buf *b, uint64_t v) { put_le(b, v, 8); }

void tl_free(struct tl_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

EVP_PKEY *tl_key_new(enum tl_key kind)
{
	EVP_PKEY *k = NULL;

	switch (kind) {
	case TL_P256:
		k = EVP_EC_gen("P-256");
		break;
	case TL_P384:
		k = EVP_EC_gen("P-384");
		break;
	case TL_P521:
		k = EVP_EC_gen("P-521");
		break;
	case TL_RSA2048:
		k = EVP_RSA_gen(2048);
		break;
	}
	assert_non_null(k);
	return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_true(X509_add_ext(x, ext, -1));
	X509_EXTENSION_free(ext);
}

X509 *tl_cert_new(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		  bool ca, const struct tl_cert_opts *o)
{
	static long serial = 1000;
	struct tl_cert_opts none = { 0 };
	X509 *x = X509_new();
	X509_NAME *name;
	long nb, na;

	if (!o)
		o = &none;
	nb = o->not_before_days ? o->not_before_days : -1;
	na = o->not_after_days ? o->not_after_days : 3650;
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), o->serial ? o->serial : serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), nb * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), na * 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"pci-tsm test",
				   -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	if (ca && o->pathlen) {
		char bc[64];

		snprintf(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d", o->pathlen - 1);
		add_ext(x, issuer, NID_basic_constraints, bc);
	} else {
		add_ext(x, issuer, NID_basic_constraints,
			ca || o->leaf_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	}
	if (ca)
		add_ext(x, issuer, NID_key_usage, o->ca_key_usage ? o->ca_key_usage :
			"critical,keyCertSign,cRLSign,digitalSignature");
	else if (o->no_digital_signature)
		add_ext(x, issuer, NID_key_usage, "critical,keyAgreement");
	else if (!o->no_key_usage)
		add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
	if (o->eku)
		add_ext(x, issuer, NID_ext_key_usage, o->eku);
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	if (issuer)
		add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
	if (o->hwid) {
		char san[256];

		snprintf(san, sizeof(san), "otherName:%s;UTF8:%s", TSM_DMTF_HWID_OID, o->hwid);
		add_ext(x, issuer, NID_subject_alt_name, san);
	}
	assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	return x;
}

void tl_pki_init(struct tl_pki *pki, enum tl_key kind, const struct tl_cert_opts *leaf)
{
	struct tl_cert_opts def = { .cn = "test responder", .hwid = "ACME:WIDGET:0001" };

	if (!leaf)
		leaf = &def;
	memset(pki, 0, sizeof(*pki));
	pki->kind = kind;
	pki->root_key = tl_key_new(kind);
	pki->inter_key = tl_key_new(kind);
	pki->leaf_key = tl_key_new(kind);
	pki->root = tl_cert_new(pki->root_key, "test root CA", NULL, NULL, true, NULL);
	pki->inter = tl_cert_new(pki->inter_key, "test intermediate CA", pki->root,
				 pki->root_key, true, NULL);
	pki->leaf = tl_cert_new(pki->leaf_key, leaf->cn ? leaf->cn : "test responder",
				pki->inter, pki->inter_key, false, leaf);
}

void tl_pki_fini(struct tl_pki *pki)
{
	X509_free(pki->root);
	X509_free(pki->inter);
	X509_free(pki->leaf);
	EVP_PKEY_free(pki->root_key);
	EVP_PKEY_free(pki->inter_key);
	EVP_PKEY_free(pki->leaf_key);
	memset(pki, 0, sizeof(*pki));
}

void tl_write_pem(const char *path, X509 *cert)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(PEM_write_X509(f, cert));
	fclose(f);
}

static void put_der(struct tl_buf *b, X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	assert_true(n > 0);
	tl_put(b, der, (size_t)n);
	OPENSSL_free(der);
}

void tl_chain_of(struct tl_buf *out, enum tsm_hash hash, X509 *hash_of,
		 X509 *const *certs, size_t n)
{
	struct tl_buf root = { 0 };
	uint8_t d[TSM_HASH_MAX_LEN];

	put_der(&root, hash_of);
	assert_int_equal(tsm_digest(hash, root.p, root.len, d), 0);
	tl_free(&root);
	out->len = 0;
	tl_le16(out, 0);
	tl_le16(out, 0);
	tl_put(out, d, tsm_hash_len(hash));
	for (size_t i = 0; i < n; i++)
		put_der(out, certs[i]);
	out->p[0] = (uint8_t)out->len;
	out->p[1] = (uint8_t)(out->len >> 8);
}

void tl_chain(struct tl_buf *out, const struct tl_pki *pki, enum tsm_hash hash,
	      bool with_root)
{
	struct tl_buf root = { 0 };
	uint8_t d[TSM_HASH_MAX_LEN];

	put_der(&root, pki->root);
	assert_int_equal(tsm_digest(hash, root.p, root.len, d), 0);
	out->len = 0;
	tl_le16(out, 0);
	tl_le16(out, 0);
	tl_put(out, d, tsm_hash_len(hash));
	if (with_root)
		tl_put(out, root.p, root.len);
	put_der(out, pki->inter);
	put_der(out, pki->leaf);
	out->p[0] = (uint8_t)out->len;
	out->p[1] = (uint8_t)(out->len >> 8);
	tl_free(&root);
}

uint32_t tl_hash_bit(enum tsm_hash h)
{
	switch (h) {
	case TSM_HASH_SHA256:
		return TSM_SPDM_HASH_SHA256;
	case TSM_HASH_SHA384:
		return TSM_SPDM_HASH_SHA384;
	default:
		return TSM_SPDM_HASH_SHA512;
	}
}

uint32_t tl_asym_for(enum tl_key kind, bool pss)
{
	switch (kind) {
	case TL_P256:
		return TSM_SPDM_ASYM_ECDSA_P256;
	case TL_P384:
		return TSM_SPDM_ASYM_ECDSA_P384;
	case TL_P521:
		return TSM_SPDM_ASYM_ECDSA_P521;
	default:
		return pss ? TSM_SPDM_ASYM_RSAPSS_2048 : TSM_SPDM_ASYM_RSASSA_2048;
	}
}

static void hdr(struct tl_buf *b, uint8_t v, uint8_t code, uint8_t p1, uint8_t p2)
{
	tl_u8(b, v);
	tl_u8(b, code);
	tl_u8(b, p1);
	tl_u8(b, p2);
}

void tl_vca(struct tl_buf *out, uint8_t v, uint32_t base_hash, uint32_t base_asym,
	    uint32_t meas_hash)
{
	static const uint8_t zero[16];

	out->len = 0;
	hdr(out, 0x10, TSM_SPDM_GET_VERSION, 0, 0);
	hdr(out, 0x10, TSM_SPDM_VERSION, 0, 0);
	tl_u8(out, 0);
	tl_u8(out, 2);
	tl_le16(out, 0x1000);
	tl_le16(out, (uint16_t)(v << 8));
	hdr(out, v, TSM_SPDM_GET_CAPABILITIES, 0, 0);
	if (v >= 0x11) {
		tl_put(out, zero, 4);
		tl_le32(out, 0x0002f6c6);
	}
	if (v >= 0x12) {
		tl_le32(out, 4096);
		tl_le32(out, 4096);
	}
	hdr(out, v, TSM_SPDM_CAPABILITIES, 0, 0);
	tl_put(out, zero, 4);
	tl_le32(out, 0x001afbf7);
	if (v >= 0x12) {
		tl_le32(out, 4096);
		tl_le32(out, 4096);
	}
	/* NEGOTIATE_ALGORITHMS with one AlgStructure (DHE, 2 fixed bytes) */
	hdr(out, v, TSM_SPDM_NEGOTIATE_ALGORITHMS, 1, 0);
	tl_le16(out, 36);
	tl_u8(out, 1);
	tl_u8(out, 0);
	tl_le32(out, base_asym | TSM_SPDM_ASYM_ECDSA_P256);
	tl_le32(out, base_hash | TSM_SPDM_HASH_SHA256);
	tl_put(out, zero, 12);
	tl_put(out, zero, 4);
	tl_u8(out, 2);
	tl_u8(out, 0x20);
	tl_le16(out, 0x0010);
	hdr(out, v, TSM_SPDM_ALGORITHMS, 1, 0);
	tl_le16(out, 40);
	tl_u8(out, 1);
	tl_u8(out, 0);
	tl_le32(out, meas_hash);
	tl_le32(out, base_asym);
	tl_le32(out, base_hash);
	tl_put(out, zero, 12);
	tl_put(out, zero, 4);
	tl_u8(out, 2);
	tl_u8(out, 0x20);
	tl_le16(out, 0x0010);
}

static const EVP_MD *md_of(enum tsm_hash h)
{
	return h == TSM_HASH_SHA256 ? EVP_sha256() :
	       h == TSM_HASH_SHA384 ? EVP_sha384() : EVP_sha512();
}

static void sign(struct tl_buf *out, const uint8_t *msg, size_t msglen,
		 enum tsm_hash hash, uint32_t asym, EVP_PKEY *key)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	enum tsm_sig_scheme scheme;
	size_t sig_len, len = 0;
	unsigned char *sig;
	int nid;

	assert_true(tsm_asym_info(asym, &scheme, &sig_len, &nid));
	assert_int_equal(EVP_DigestSignInit(ctx, &pctx, md_of(hash), NULL, key), 1);
	if (scheme == TSM_SIG_RSAPSS) {
		EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
		EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md_of(hash));
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, (int)tsm_hash_len(hash));
	}
	assert_int_equal(EVP_DigestSign(ctx, NULL, &len, msg, msglen), 1);
	sig = malloc(len);
	assert_non_null(sig);
	assert_int_equal(EVP_DigestSign(ctx, sig, &len, msg, msglen), 1);
	if (scheme == TSM_SIG_ECDSA) {
		const unsigned char *p = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
		uint8_t raw[132];

		assert_non_null(es);
		BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, (int)sig_len / 2);
		BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + sig_len / 2, (int)sig_len / 2);
		tl_put(out, raw, sig_len);
		ECDSA_SIG_free(es);
	} else {
		assert_int_equal(len, sig_len);
		tl_put(out, sig, len);
	}
	free(sig);
	EVP_MD_CTX_free(ctx);
}

void tl_meas(struct tl_buf *out, uint8_t v, const uint8_t nonce[32],
	     const struct tl_block *blocks, size_t nblocks, const struct tl_buf *vca,
	     enum tsm_hash hash, uint32_t asym, EVP_PKEY *key)
{
	static const uint8_t ctx8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t msg[TSM_SPDM_SIGN_PREFIX_LEN + TSM_HASH_MAX_LEN];
	uint8_t rnonce[32];
	size_t rec = 0, req_len;
	EVP_MD_CTX *h;

	out->len = 0;
	hdr(out, v, TSM_SPDM_GET_MEASUREMENTS, TSM_MEAS_ATTR_SIGNATURE, 0xff);
	tl_put(out, nonce, 32);
	tl_u8(out, 0);
	if (v >= 0x13)
		tl_put(out, ctx8, 8);
	req_len = out->len;
	hdr(out, v, TSM_SPDM_MEASUREMENTS, 0, 0);
	tl_u8(out, (uint8_t)nblocks);
	for (size_t i = 0; i < nblocks; i++)
		rec += 4 + 3 + blocks[i].len;
	tl_le24(out, (uint32_t)rec);
	for (size_t i = 0; i < nblocks; i++) {
		tl_u8(out, blocks[i].index);
		tl_u8(out, 1);
		tl_le16(out, (uint16_t)(3 + blocks[i].len));
		tl_u8(out, blocks[i].type);
		tl_le16(out, blocks[i].len);
		tl_put(out, blocks[i].value, blocks[i].len);
	}
	memset(rnonce, 0x5a, sizeof(rnonce));
	tl_put(out, rnonce, 32);
	tl_le16(out, 4);
	tl_put(out, "opaq", 4);
	if (v >= 0x13)
		tl_put(out, ctx8, 8);

	assert_int_equal(tsm_spdm_sign_prefix(v, "responder-measurements signing", msg),
			 TSM_SPDM_SIGN_PREFIX_LEN);
	h = EVP_MD_CTX_new();
	EVP_DigestInit_ex(h, md_of(hash), NULL);
	EVP_DigestUpdate(h, vca->p, vca->len);
	EVP_DigestUpdate(h, out->p, req_len);
	EVP_DigestUpdate(h, out->p + req_len, out->len - req_len);
	EVP_DigestFinal_ex(h, msg + TSM_SPDM_SIGN_PREFIX_LEN, NULL);
	EVP_MD_CTX_free(h);
	sign(out, msg, TSM_SPDM_SIGN_PREFIX_LEN + tsm_hash_len(hash), hash, asym, key);
}

void tl_report(struct tl_buf *out, uint16_t info, const struct tl_range *r, size_t n,
	       const uint8_t *dev_info, uint32_t dev_info_len)
{
	out->len = 0;
	tl_le16(out, info);
	tl_le16(out, 0);
	tl_le16(out, 0);
	tl_le16(out, 0);
	tl_le32(out, 0);
	tl_le32(out, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		tl_le64(out, r[i].first_page);
		tl_le32(out, r[i].nr_pages);
		tl_le16(out, r[i].attr);
		tl_le16(out, r[i].id);
	}
	tl_le32(out, dev_info_len);
	tl_put(out, dev_info, dev_info_len);
}

void tl_default_digest(uint8_t index, enum tsm_hash h, uint8_t *out)
{
	const char *s = index == 1 ? "fw" : "cfg";

	assert_int_equal(tsm_digest(h, s, strlen(s), out), 0);
}

void tl_evidence_blocks(struct tl_evidence *e, struct tl_block out[3])
{
	uint16_t hl = (uint16_t)tsm_hash_len(e->hash);

	tl_default_digest(1, e->hash, e->d1);
	tl_default_digest(2, e->hash, e->d2);
	memset(e->svn, 0, sizeof(e->svn));
	e->svn[0] = 5;
	out[0] = (struct tl_block){ 1, TSM_MEAS_MUTABLE_FW, e->d1, hl };
	out[1] = (struct tl_block){ 2, TSM_MEAS_FW_CONFIG, e->d2, hl };
	out[2] = (struct tl_block){ 3, 0x80 | TSM_MEAS_SVN, e->svn, 8 };
}

void tl_evidence_resign(struct tl_evidence *e, const struct tl_block *blocks,
			size_t nblocks)
{
	tl_meas(&e->meas, 0x12, e->nonce, blocks, nblocks, &e->vca, e->hash, e->asym,
		e->pki.leaf_key);
}

void tl_evidence_init(struct tl_evidence *e, enum tl_key kind, enum tsm_hash hash,
		      bool pss)
{
	static const struct tl_range range = { 0xfe000, 16, 0, 0 };
	struct tl_block blocks[3];
	uint32_t mh = hash == TSM_HASH_SHA256 ? TSM_SPDM_MEAS_HASH_SHA256 :
		      hash == TSM_HASH_SHA384 ? TSM_SPDM_MEAS_HASH_SHA384 :
						TSM_SPDM_MEAS_HASH_SHA512;

	memset(e, 0, sizeof(*e));
	e->hash = hash;
	e->asym = tl_asym_for(kind, pss);
	for (int i = 0; i < 32; i++)
		e->nonce[i] = (uint8_t)(0xa0 + i);
	tl_pki_init(&e->pki, kind, NULL);
	tl_chain(&e->cert, &e->pki, hash, true);
	tl_vca(&e->vca, 0x12, tl_hash_bit(hash), e->asym, mh);
	tl_evidence_blocks(e, blocks);
	tl_evidence_resign(e, blocks, 3);
	tl_report(&e->report, TSM_REPORT_NO_FW_UPDATE | TSM_REPORT_DMA_NO_PASID, &range, 1,
		  (const uint8_t *)"dev", 3);
}

void tl_evidence_fini(struct tl_evidence *e)
{
	tl_pki_fini(&e->pki);
	tl_free(&e->cert);
	tl_free(&e->vca);
	tl_free(&e->meas);
	tl_free(&e->report);
}

struct tsm_evidence tl_evidence_view(const struct tl_evidence *e)
{
	return (struct tsm_evidence){
		.cert = e->cert.p, .cert_len = e->cert.len,
		.vca = e->vca.p, .vca_len = e->vca.len,
		.meas = e->meas.p, .meas_len = e->meas.len,
		.report = e->report.p, .report_len = e->report.len,
	};
}

static char tmpdir[64];

const char *tl_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/tsm-test-XXXXXX");
		assert_non_null(mkdtemp(tmpdir));
	}
	return tmpdir;
}

static int rm_fn(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tl_tmpdir_cleanup(void)
{
	if (tmpdir[0])
		nftw(tmpdir, rm_fn, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

const char *tl_write_tmp(const char *name, const char *content)
{
	static char paths[8][512];
	static int slot;
	char *p = paths[slot++ % 8];
	FILE *f;

	snprintf(p, 512, "%s/%s", tl_tmpdir(), name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	return p;
}
