/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test helpers for libtsm unit tests: a tiny PKI made with OpenSSL at test
 * time, and builders for SPDM chain, VCA, signed MEASUREMENTS and TDISP
 * report objects. Everything is generated in-process; nothing is read from
 * fixtures.
 */
#ifndef TSM_TESTLIB_H
#define TSM_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tsm.h"

struct tl_buf {
	uint8_t *p;
	size_t len, cap;
};

void tl_put(struct tl_buf *b, const void *data, size_t n);
void tl_u8(struct tl_buf *b, uint8_t v);
void tl_le16(struct tl_buf *b, uint16_t v);
void tl_le24(struct tl_buf *b, uint32_t v);
void tl_le32(struct tl_buf *b, uint32_t v);
void tl_le64(struct tl_buf *b, uint64_t v);
void tl_free(struct tl_buf *b);

enum tl_key { TL_P256, TL_P384, TL_P521, TL_RSA2048 };

struct tl_cert_opts {
	const char *cn;			/* subject CN */
	bool no_digital_signature;	/* leaf keyUsage without digitalSignature */
	bool no_key_usage;		/* no keyUsage extension at all */
	long not_before_days;		/* offset from now (default -1) */
	long not_after_days;		/* offset from now (default 3650) */
	const char *hwid;		/* DMTF hardware identity otherName */
	long serial;
	/* SPDM profile cases */
	const char *eku;		/* extendedKeyUsage value (OpenSSL config syntax) */
	bool leaf_ca;			/* a non-CA certificate that says CA:TRUE anyway */
	const char *ca_key_usage;	/* keyUsage of a CA (default keyCertSign,cRLSign,...) */
	int pathlen;			/* CA pathLenConstraint + 1 (0: none) */
};

struct tl_pki {
	enum tl_key kind;
	EVP_PKEY *root_key, *inter_key, *leaf_key;
	X509 *root, *inter, *leaf;
};

EVP_PKEY *tl_key_new(enum tl_key kind);
X509 *tl_cert_new(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		  bool ca, const struct tl_cert_opts *opts);
/* root (self-signed CA) -> intermediate CA -> leaf (@leaf opts may be NULL) */
void tl_pki_init(struct tl_pki *pki, enum tl_key kind, const struct tl_cert_opts *leaf);
void tl_pki_fini(struct tl_pki *pki);
/* Write @cert as PEM to @path. */
void tl_write_pem(const char *path, X509 *cert);

/* SPDM cert chain object: root hash with @hash, DER root (if @with_root), inter, leaf. */
void tl_chain(struct tl_buf *out, const struct tl_pki *pki, enum tsm_hash hash,
	      bool with_root);

/*
 * SPDM cert chain object from @n certificates in the given order, with
 * the root hash H(@hash_of) in the header.
 */
void tl_chain_of(struct tl_buf *out, enum tsm_hash hash, X509 *hash_of,
		 X509 *const *certs, size_t n);

/* VCA for @version with the given ALGORITHMS selections. */
void tl_vca(struct tl_buf *out, uint8_t version, uint32_t base_hash,
	    uint32_t base_asym, uint32_t meas_hash);
/* BaseAsymAlgo bit that fits @kind (PSS for RSA if @pss). */
uint32_t tl_asym_for(enum tl_key kind, bool pss);
uint32_t tl_hash_bit(enum tsm_hash h);

struct tl_block {
	uint8_t index;
	uint8_t type;		/* DMTF type, bit 7 = raw */
	const uint8_t *value;
	uint16_t len;
};

/*
 * Signed MEASUREMENTS object: request (version, nonce, slot 0) + response
 * with the blocks, responder nonce, opaque data and a signature made with
 * @key over M' for @vca (bytes) using @hash and @asym.
 */
void tl_meas(struct tl_buf *out, uint8_t version, const uint8_t nonce[32],
	     const struct tl_block *blocks, size_t nblocks,
	     const struct tl_buf *vca, enum tsm_hash hash, uint32_t asym,
	     EVP_PKEY *key);

struct tl_range {
	uint64_t first_page;
	uint32_t nr_pages;
	uint16_t attr;
	uint16_t id;
};

void tl_report(struct tl_buf *out, uint16_t info, const struct tl_range *ranges,
	       size_t n, const uint8_t *dev_info, uint32_t dev_info_len);

/*
 * A complete, valid evidence set for @kind (chain with root, VCA 1.2, a
 * signed MEASUREMENTS over @nonce with blocks 1 (digest of "fw"), 2 (digest
 * of "cfg") and 3 (raw SVN = 5), report with no-fw-update and one range of
 * BAR 0 at 0xfe000000, 16 pages).
 */
struct tl_evidence {
	struct tl_pki pki;
	struct tl_buf cert, vca, meas, report;
	uint8_t nonce[32];
	enum tsm_hash hash;
	uint32_t asym;
	uint8_t d1[TSM_HASH_MAX_LEN], d2[TSM_HASH_MAX_LEN], svn[8];
};

void tl_evidence_init(struct tl_evidence *e, enum tl_key kind, enum tsm_hash hash,
		      bool pss);
/* Re-sign MEASUREMENTS (e.g. after changing blocks or nonce). */
void tl_evidence_resign(struct tl_evidence *e, const struct tl_block *blocks,
			size_t nblocks);
void tl_evidence_fini(struct tl_evidence *e);
struct tsm_evidence tl_evidence_view(const struct tl_evidence *e);
/* The default blocks tl_evidence_init uses (point into @e). */
void tl_evidence_blocks(struct tl_evidence *e, struct tl_block out[3]);
/* H("fw") for index 1, H("cfg") for index 2. */
void tl_default_digest(uint8_t index, enum tsm_hash h, uint8_t *out);

/* Directory for temporary files, removed by tl_tmpdir_cleanup(). */
const char *tl_tmpdir(void);
void tl_tmpdir_cleanup(void);
/* Write a file under tl_tmpdir(); returns its path (static buffer per call slot). */
const char *tl_write_tmp(const char *name, const char *content);

#endif /* TSM_TESTLIB_H */
