/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtsm: SPDM certificate chain (the CERTn evidence object, docs/ABI.md
 * section 4): u16 total length (including the 4-byte header), u16 reserved,
 * root hash (H bytes), then DER certificates, root (or first intermediate)
 * first, leaf last.
 */
#ifndef TSM_SPDM_CHAIN_H
#define TSM_SPDM_CHAIN_H

#include <openssl/x509.h>

#include "util.h"

#define TSM_CHAIN_MAX_CERTS	16
#define TSM_CHAIN_HDR_LEN	4
/* OID of the DMTF hardware-identity OtherName in subjectAltName. */
#define TSM_DMTF_HWID_OID	"1.3.6.1.4.1.412.274.1"

struct tsm_chain {
	const uint8_t *data;		/* whole object (borrowed) */
	size_t len;
	uint8_t sha256[32];		/* SHA-256 of the whole object */

	enum tsm_hash hash;		/* algorithm of root_hash */
	size_t hash_len;
	const uint8_t *root_hash;	/* points into data */

	size_t ncerts;			/* 1..TSM_CHAIN_MAX_CERTS */
	X509 *certs[TSM_CHAIN_MAX_CERTS];	/* owned; [0] first, [ncerts-1] leaf */
	const uint8_t *der[TSM_CHAIN_MAX_CERTS];	/* DER of each cert, into data */
	size_t der_len[TSM_CHAIN_MAX_CERTS];

	bool first_is_root;		/* certs[0] is self-signed (subject == issuer) */
	bool root_hash_ok;		/* first_is_root and H(der[0]) == root_hash */
};

/*
 * Parse a chain. @hash is the negotiated hash from the VCA, or
 * TSM_HASH_NONE to try SHA-256/384/512 in turn (the first length at which
 * the remaining bytes split cleanly into DER certificates wins; with a
 * self-signed first certificate, the root hash must also match).
 *
 * Rejects: length field != @len or < header + H, certificates whose DER
 * length runs past the end, trailing bytes, more than TSM_CHAIN_MAX_CERTS,
 * d2i_X509 failures, and (when the first certificate is self-signed) a
 * root hash that is not H(DER of that certificate). A chain that starts at
 * an intermediate is accepted here; tsm_verify_chain() then checks the root
 * hash against the trust anchor that issued it.
 *
 * On success the caller must call tsm_chain_free(). On failure @out is
 * left freed (calling tsm_chain_free() on it is harmless).
 */
int tsm_chain_parse(const uint8_t *data, size_t len, enum tsm_hash hash,
		    struct tsm_chain *out, struct tsm_error *err);
void tsm_chain_free(struct tsm_chain *chain);

static inline X509 *tsm_chain_leaf(const struct tsm_chain *c)
{
	return c->ncerts ? c->certs[c->ncerts - 1] : NULL;
}

/* RFC 4514 subject of certificate @i (ncerts-1 = leaf) into @buf. */
int tsm_chain_subject(const struct tsm_chain *c, size_t i, char *buf,
		      size_t bufsz);
/* RFC 4514 issuer of certificate @i. */
int tsm_chain_issuer(const struct tsm_chain *c, size_t i, char *buf,
		     size_t bufsz);

/*
 * The DMTF hardware identity of the leaf: the value of the first
 * subjectAltName otherName with type-id TSM_DMTF_HWID_OID (a UTF8String,
 * or any string type, copied as text). Returns 0 with the string in @buf,
 * -TSM_E_PARSE when there is none (buf set to "").
 */
int tsm_chain_leaf_hwid(const struct tsm_chain *c, char *buf, size_t bufsz);

/* SHA-256 of the DER of certificate @i (used for fingerprints). */
int tsm_chain_fingerprint(const struct tsm_chain *c, size_t i,
			  uint8_t out[32]);

/*
 * The chain's "root fingerprint" as the policy language uses it: SHA-256
 * of the DER of certs[0] (the root when the chain carries it, else the
 * first intermediate).
 */
static inline int tsm_chain_root_fingerprint(const struct tsm_chain *c,
					     uint8_t out[32])
{
	return tsm_chain_fingerprint(c, 0, out);
}

#endif /* TSM_SPDM_CHAIN_H */
