/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtsm: the VCA evidence object (docs/ABI.md section 4): the concatenated
 * SPDM GET_VERSION, VERSION, GET_CAPABILITIES, CAPABILITIES,
 * NEGOTIATE_ALGORITHMS and ALGORITHMS messages (DSP0274 1.0 .. 1.3).
 */
#ifndef TSM_SPDM_VCA_H
#define TSM_SPDM_VCA_H

#include "util.h"

/* SPDM version bytes (major << 4 | minor). */
#define TSM_SPDM_V10 0x10
#define TSM_SPDM_V11 0x11
#define TSM_SPDM_V12 0x12
#define TSM_SPDM_V13 0x13

/* SPDM request/response codes used by libtsm. */
#define TSM_SPDM_GET_VERSION		0x84
#define TSM_SPDM_VERSION		0x04
#define TSM_SPDM_GET_CAPABILITIES	0xE1
#define TSM_SPDM_CAPABILITIES		0x61
#define TSM_SPDM_NEGOTIATE_ALGORITHMS	0xE3
#define TSM_SPDM_ALGORITHMS		0x63
#define TSM_SPDM_GET_MEASUREMENTS	0xE0
#define TSM_SPDM_MEASUREMENTS		0x60

/* BaseAsymAlgo bits (ALGORITHMS.BaseAsymSel). */
#define TSM_SPDM_ASYM_RSASSA_2048	(1U << 0)
#define TSM_SPDM_ASYM_RSAPSS_2048	(1U << 1)
#define TSM_SPDM_ASYM_RSASSA_3072	(1U << 2)
#define TSM_SPDM_ASYM_RSAPSS_3072	(1U << 3)
#define TSM_SPDM_ASYM_ECDSA_P256	(1U << 4)
#define TSM_SPDM_ASYM_RSASSA_4096	(1U << 5)
#define TSM_SPDM_ASYM_RSAPSS_4096	(1U << 6)
#define TSM_SPDM_ASYM_ECDSA_P384	(1U << 7)
#define TSM_SPDM_ASYM_ECDSA_P521	(1U << 8)

/* BaseHashAlgo bits (ALGORITHMS.BaseHashSel). */
#define TSM_SPDM_HASH_SHA256		(1U << 0)
#define TSM_SPDM_HASH_SHA384		(1U << 1)
#define TSM_SPDM_HASH_SHA512		(1U << 2)

/* MeasurementHashAlgo bits (ALGORITHMS.MeasurementHashAlgo). */
#define TSM_SPDM_MEAS_HASH_RAW		(1U << 0)
#define TSM_SPDM_MEAS_HASH_SHA256	(1U << 1)
#define TSM_SPDM_MEAS_HASH_SHA384	(1U << 2)
#define TSM_SPDM_MEAS_HASH_SHA512	(1U << 3)

/* Signature scheme implied by BaseAsymSel. */
enum tsm_sig_scheme {
	TSM_SIG_NONE = 0,
	TSM_SIG_ECDSA,		/* raw r || s, each half of sig_len */
	TSM_SIG_RSASSA,		/* PKCS#1 v1.5 */
	TSM_SIG_RSAPSS,		/* PSS, MGF1 with the same hash, salt = hash length */
};

/*
 * Parsed VCA. The message pointers/lengths point into the buffer given to
 * tsm_vca_parse(), which must outlive this struct. Nothing to free.
 */
struct tsm_vca {
	const uint8_t *data;		/* whole object (hashed into M') */
	size_t len;

	uint8_t version;		/* negotiated, e.g. 0x12 (from GET_CAPABILITIES on) */
	uint8_t versions[16];		/* VERSION entries (major<<4|minor) offered */
	size_t nversions;

	uint32_t req_caps;		/* GET_CAPABILITIES flags (0 for 1.0) */
	uint32_t rsp_caps;		/* CAPABILITIES flags */

	uint8_t meas_spec;		/* MeasurementSpecificationSel (bit 0 DMTF) */
	uint32_t meas_hash_algo;	/* MeasurementHashAlgo (one bit) */
	uint32_t base_asym_algo;	/* BaseAsymSel (one bit) */
	uint32_t base_hash_algo;	/* BaseHashSel (one bit) */

	enum tsm_hash hash;		/* from base_hash_algo */
	size_t hash_len;		/* 32/48/64 */
	enum tsm_hash meas_hash;	/* from meas_hash_algo; NONE for raw-only */
	enum tsm_sig_scheme sig;	/* from base_asym_algo */
	size_t sig_len;			/* signature size implied by base_asym_algo */
	int ec_nid;			/* NID_X9_62_prime256v1 etc. for ECDSA, else 0 */
};

/*
 * Parse a VCA object. Checks each message's code, its version byte (all
 * messages from GET_CAPABILITIES on carry the negotiated version, which
 * must be one VERSION offered), the declared lengths against the buffer,
 * that ALGORITHMS selects exactly one supported BaseHashAlgo and
 * BaseAsymAlgo, and that no bytes trail the ALGORITHMS message.
 * Returns 0, -TSM_E_PARSE or -TSM_E_UNSUPPORTED (with a reason).
 */
int tsm_vca_parse(const uint8_t *data, size_t len, struct tsm_vca *out,
		  struct tsm_error *err);

/* "ECDSA-P384", "RSASSA-3072", "RSAPSS-2048", ... or "unknown". */
const char *tsm_asym_name(uint32_t base_asym_algo);

/*
 * Map a BaseAsymSel bit to its scheme, signature length and EC curve NID.
 * Returns false for zero, several or unsupported bits.
 */
bool tsm_asym_info(uint32_t base_asym_algo, enum tsm_sig_scheme *scheme,
		   size_t *sig_len, int *ec_nid);

#endif /* TSM_SPDM_VCA_H */
