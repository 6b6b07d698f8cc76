/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spdm_build: the byte builders shared by spdm-fixture and devsec-responder.
 *
 * Everything here produces the evidence objects of docs/ABI.md section 4
 * (SPDM 1.2, DSP0274): the certificate chain object, the VCA, and a signed
 * MEASUREMENTS object. Nothing here verifies; the independent checker used by
 * the tests lives in spdm_check.c and shares no code with this file.
 */
#ifndef SPDM_BUILD_H
#define SPDM_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* ---- growable byte buffer ---------------------------------------------- */

struct buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool oom;		/* sticky: an append failed */
};

void buf_put(struct buf *b, const void *data, size_t len);
void buf_put_u8(struct buf *b, uint8_t v);
void buf_put_u16(struct buf *b, uint16_t v);	/* little-endian */
void buf_put_u24(struct buf *b, uint32_t v);
void buf_put_u32(struct buf *b, uint32_t v);
void buf_put_u64(struct buf *b, uint64_t v);
void buf_put_zero(struct buf *b, size_t len);
void buf_free(struct buf *b);

/* ---- algorithm variants --------------------------------------------------- */

enum spdm_alg_id {
	SPDM_ALG_P256,		/* ECDSA P-256, SHA-256 */
	SPDM_ALG_P384,		/* ECDSA P-384, SHA-384 */
	SPDM_ALG_RSASSA3072,	/* RSASSA-PKCS1-v1_5 3072, SHA-384 */
	SPDM_ALG_RSAPSS3072,	/* RSASSA-PSS 3072, SHA-384, salt = hash length */
	SPDM_ALG_COUNT,
};

struct spdm_alg {
	enum spdm_alg_id id;
	const char *name;	/* "p256", "p384", "rsassa3072", "rsapss3072" */
	uint32_t base_asym;	/* BaseAsymAlgo bit (DSP0274 NEGOTIATE_ALGORITHMS) */
	uint32_t base_hash;	/* BaseHashAlgo bit */
	uint32_t meas_hash;	/* MeasurementHashAlgo bit */
	const char *md;		/* OpenSSL digest name of base and measurement hash */
	size_t hash_len;
	size_t sig_len;		/* bytes of the SPDM signature field */
	bool rsa;
	bool pss;
	const char *curve;	/* EC group name, NULL for RSA */
};

const struct spdm_alg *spdm_alg(enum spdm_alg_id id);
const struct spdm_alg *spdm_alg_by_name(const char *name);
/* The variant an ALGORITHMS message in @vca selected, or NULL. */
const struct spdm_alg *spdm_alg_from_vca(const uint8_t *vca, size_t len);

/* ---- measurement values ------------------------------------------------- */

#define SPDM_MEAS_MAX		32
#define SPDM_MEAS_VAL_MAX	64
#define SPDM_SVN_INDEX		0x10	/* index of the SVN block, as real devices use */
#define SPDM_NONCE_LEN		32
#define SPDM_DMTF_TYPE_RAW	0x80
#define SPDM_DMTF_TYPE_SVN	0x07

struct spdm_meas_block {
	uint8_t index;
	uint8_t type;		/* DMTF value type byte (bit 7 = raw) */
	uint16_t len;
	uint8_t val[SPDM_MEAS_VAL_MAX];
};

struct spdm_meas_set {
	size_t n;
	struct spdm_meas_block b[SPDM_MEAS_MAX];
};

/*
 * The default measurements of a variant: indexes 1..4 carry digests (with the
 * measurement hash) of "pci-tsm fixture measurement N", of DMTF types
 * immutable ROM, mutable firmware, hardware config, firmware config; index
 * SPDM_SVN_INDEX is a raw 8-byte little-endian security version @svn.
 */
int spdm_meas_default(const struct spdm_alg *alg, uint64_t svn,
		      struct spdm_meas_set *set);
/* Insert or replace a digest block for @index (1..0xef, not the SVN index). */
int spdm_meas_set_digest(struct spdm_meas_set *set, uint8_t index,
			 const uint8_t *val, size_t len);
void spdm_meas_set_svn(struct spdm_meas_set *set, uint64_t svn);
/*
 * Apply "IDX=HEX" or "IDX=@TEXT" (digest of TEXT with the variant's hash) to
 * @set. Returns 0, or -1 with a message in @msg.
 */
int spdm_meas_parse_arg(const struct spdm_alg *alg, const char *arg,
			struct spdm_meas_set *set, char *msg, size_t msgsz);
/* Read a values file ("IDX=HEX" and "svn=N" lines, '#' comments). */
int spdm_meas_load(const struct spdm_alg *alg, const char *path,
		   struct spdm_meas_set *set, char *msg, size_t msgsz);
/* Write @set in the values-file syntax, with @svn_key ("svn" or "svn-min"). */
int spdm_meas_save(const struct spdm_meas_set *set, const char *path,
		   const char *svn_key);
bool spdm_meas_get_svn(const struct spdm_meas_set *set, uint64_t *svn);

/* ---- objects -------------------------------------------------------------- */

/* GET_VERSION .. ALGORITHMS for SPDM 1.2 selecting @alg. */
int spdm_build_vca(const struct spdm_alg *alg, struct buf *out);

/*
 * SPDM certificate chain object: u16 total length (incl. header), u16 0,
 * H(DER of certs[0]) with the variant's hash, DER certs[0..n-1]. @certs must be
 * in root-first order. Fails above 65535 bytes.
 */
int spdm_build_chain(const struct spdm_alg *alg, X509 *const *certs, size_t n,
		     struct buf *out);

struct spdm_meas_opts {
	const uint8_t *nonce;		/* requester nonce (32), required */
	const uint8_t *resp_nonce;	/* responder nonce (32); random if NULL */
	uint8_t slot;			/* 0..7 */
	/*
	 * Misbehaviour for tests. sign_nonce: compute the signature as if the
	 * request had carried this nonce instead (the published request keeps
	 * @nonce). record_len_delta: add to the u24 record length field (the
	 * lie is signed). corrupt_sig: flip one signature bit after signing.
	 */
	const uint8_t *sign_nonce;
	int record_len_delta;
	bool corrupt_sig;
};

/*
 * The MEASUREMENTS object: 37-byte GET_MEASUREMENTS 1.2 request (signature
 * requested, all blocks) followed by the signed MEASUREMENTS response over
 * @set, signed by @key over VCA || request || response-without-signature.
 */
int spdm_build_measurements(const struct spdm_alg *alg, EVP_PKEY *key,
			    const uint8_t *vca, size_t vca_len,
			    const struct spdm_meas_set *set,
			    const struct spdm_meas_opts *opts, struct buf *out);

#define SPDM_MPRIME_PREFIX_LEN	100	/* 64 + 6 + 30 */
#define SPDM_MPRIME_MAX		(SPDM_MPRIME_PREFIX_LEN + EVP_MAX_MD_SIZE)

/*
 * M' of DSP0274 1.2 for the MEASUREMENTS response: the 64-byte version prefix,
 * zero padding and "responder-measurements signing", then
 * H(@vca || @msgs) with digest @md. @msgs is request || response without the
 * signature. Writes *out_len bytes to @out (SPDM_MPRIME_MAX).
 */
int spdm_build_mprime(const char *md, const uint8_t *vca, size_t vca_len,
		      const uint8_t *msgs, size_t msgs_len, uint8_t *out,
		      size_t *out_len);

/* Sign @m with @key as @alg prescribes: ECDSA raw r||s, RSA PSS or v1.5. */
int spdm_sign(const struct spdm_alg *alg, EVP_PKEY *key, const uint8_t *m,
	      size_t m_len, uint8_t *sig);

/* ---- small helpers -------------------------------------------------------- */

int hex_decode(const char *hex, uint8_t *out, size_t max, size_t *out_len);
void hex_encode(const uint8_t *in, size_t len, char *out);	/* 2*len+1 */
int file_read(const char *path, uint8_t **data, size_t *len);
int file_write(const char *path, const void *data, size_t len);
int digest(const char *md, const void *data, size_t len, uint8_t *out,
	   size_t *out_len);
EVP_PKEY *key_load_pem(const char *path);

#endif /* SPDM_BUILD_H */
