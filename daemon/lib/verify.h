/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtsm: evidence bundle parsing and cryptographic verification
 * (OpenSSL 3): certificate path to a trust anchor with an SPDM profile,
 * the MEASUREMENTS signature over VCA || request || response, the nonce.
 */
#ifndef TSM_VERIFY_H
#define TSM_VERIFY_H

#include <time.h>

#include <openssl/x509.h>

#include "spdm_chain.h"
#include "spdm_meas.h"
#include "spdm_vca.h"
#include "tdisp_report.h"

/* Raw evidence objects of one device (borrowed; NULL/0 = absent). */
struct tsm_evidence {
	const uint8_t *cert;		/* CERT<slot> */
	size_t cert_len;
	const uint8_t *vca;
	size_t vca_len;
	const uint8_t *meas;		/* MEASUREMENTS */
	size_t meas_len;
	const uint8_t *report;		/* REPORT (only after lock) */
	size_t report_len;
};

/*
 * Parsed evidence. Points into the tsm_evidence buffers, which must
 * outlive it. Free with tsm_parsed_free().
 */
struct tsm_parsed {
	struct tsm_vca vca;
	struct tsm_chain chain;
	struct tsm_meas meas;
	struct tsm_report report;
	bool has_report;
	bool report_stale;		/* a report of another generation was given, not used */
	uint32_t report_generation, generation;	/* when report_stale */
	/* SHA-256 of each raw object, for audit records (zero when absent) */
	uint8_t cert_sha256[32];
	uint8_t vca_sha256[32];
	uint8_t meas_sha256[32];
	uint8_t report_sha256[32];
};

/*
 * Parse VCA, then the chain (with the VCA's hash), then MEASUREMENTS (with
 * the VCA's version and signature size), then the report when present.
 * CERT, VCA and MEASUREMENTS are required. On failure @out is freed and
 * @err names the object ("vca: ...", "chain: ...", "measurements: ...",
 * "report: ...").
 */
int tsm_evidence_parse(const struct tsm_evidence *ev, struct tsm_parsed *out,
		       struct tsm_error *err);
struct tsm_verify_cache;

struct tsm_parse_opts {
	/* look the chain up by the digest of its bytes before parsing (NULL: no cache) */
	struct tsm_verify_cache *cache;
	/*
	 * Evidence generations, when the caller knows them (device-evidence
	 * family): the report is used only when it was read under the same
	 * generation as CERT, VCA and MEASUREMENTS, the generation that is
	 * verified. Otherwise it counts as absent (tsm_parsed.report_stale).
	 */
	bool has_generation;
	uint32_t generation;		/* of CERT, VCA and MEASUREMENTS */
	uint32_t report_generation;	/* of REPORT */
};

/* tsm_evidence_parse() with options (@o may be NULL). */
int tsm_evidence_parse_ex(const struct tsm_evidence *ev, const struct tsm_parse_opts *o,
			  struct tsm_parsed *out, struct tsm_error *err);
/*
 * The same, looking the chain up in @cache by the digest of its bytes
 * before parsing any certificate (tsm_chain_parse_cached; NULL: no cache).
 */
int tsm_evidence_parse_cached(const struct tsm_evidence *ev,
			      struct tsm_verify_cache *cache,
			      struct tsm_parsed *out, struct tsm_error *err);
void tsm_parsed_free(struct tsm_parsed *p);

struct tsm_verify_opts {
	bool check_time;		/* false: X509_V_FLAG_NO_CHECK_TIME */
	time_t now;			/* 0: current time (when check_time) */
	STACK_OF(X509_CRL) *crls;	/* optional; enables CRL checks for the chain */
};

/* DSP0274 extendedKeyUsage purposes (id-DMTF-eku-responder-auth, -requester-auth). */
#define TSM_DMTF_EKU_RESPONDER_OID	"1.3.6.1.4.1.412.274.3"
#define TSM_DMTF_EKU_REQUESTER_OID	"1.3.6.1.4.1.412.274.4"

/* What a successful validation established about the path. */
struct tsm_path {
	uint8_t root_sha256[32];	/* SHA-256 of the path's root: the anchor it ended at */
	bool anchor_sent;		/* that anchor is certs[0] itself (the device sent it) */
};

/*
 * Validate the chain the way SPDM defines it, to one of @anchors (a stack
 * of trusted certificates; a chain that starts below the root is fine when
 * an anchor issued its first certificate):
 *  - the leaf is a device certificate: not a CA, keyUsage digitalSignature,
 *    extendedKeyUsage (if present) not limited to SPDM requester
 *    authentication (chain.leaf-ca, chain.key-usage, chain.leaf-eku);
 *  - every other certificate is a CA; an intermediate's keyUsage has
 *    keyCertSign (chain.ca);
 *  - order: certificate i+1 is issued by certificate i (chain.order), and
 *    the path X509_verify_cert() validates (signatures, path length
 *    constraints, time per @opts, CRLs when given) is exactly the chain
 *    as sent plus at most the anchor above certs[0] (chain.order);
 *  - the header's root hash equals H(DER of the root of that path),
 *    whether the root was sent or is the anchor (chain.root-hash).
 * Returns 0 or -TSM_E_CHAIN with the check id and a reason naming the
 * certificate ("certificate 2 (CN=...): certificate has expired"). On
 * success @out (may be NULL) describes the validated path.
 */
int tsm_verify_chain_path(const struct tsm_chain *chain,
			  STACK_OF(X509) *anchors,
			  const struct tsm_verify_opts *opts,
			  struct tsm_path *out,
			  struct tsm_error *err);
/* The same without the path description. */
int tsm_verify_chain(const struct tsm_chain *chain,
		     STACK_OF(X509) *anchors,
		     const struct tsm_verify_opts *opts,
		     struct tsm_error *err);

/*
 * Cache of successful path validations, for devices (functions) that share
 * one certificate chain. Thread-safe. An entry is keyed by the chain
 * object's bytes, the DER of the anchors and the options; it is used only
 * while younger than @ttl_seconds and, with time checks on, before the
 * earliest notAfter of its validated path. Failures are never cached.
 * Drop the cache (or clear it) when anchors or CRLs change.
 */
struct tsm_verify_cache;

struct tsm_verify_cache *tsm_verify_cache_new(unsigned int max_entries,
					      unsigned int ttl_seconds);
void tsm_verify_cache_free(struct tsm_verify_cache *cache);
void tsm_verify_cache_clear(struct tsm_verify_cache *cache);
/* Hits and misses so far (for benchmarks and tsmctl). */
void tsm_verify_cache_stats(struct tsm_verify_cache *cache,
			    unsigned long *hits, unsigned long *misses);

/* tsm_verify_chain() through @cache (NULL: no caching). */
int tsm_verify_chain_cached(struct tsm_verify_cache *cache,
			    const struct tsm_chain *chain,
			    STACK_OF(X509) *anchors,
			    const struct tsm_verify_opts *opts,
			    struct tsm_error *err);
/* tsm_verify_chain_path() through @cache (NULL: no caching). */
int tsm_verify_chain_path_cached(struct tsm_verify_cache *cache,
				 const struct tsm_chain *chain,
				 STACK_OF(X509) *anchors,
				 const struct tsm_verify_opts *opts,
				 struct tsm_path *path,
				 struct tsm_error *err);

/*
 * tsm_chain_parse() through @cache: a chain object whose SHA-256 (and
 * length, and @hash) matches one parsed before gets that parse's
 * certificates (shared, reference-counted; read-only) without running
 * d2i_X509 again. Only successful parses are kept.
 */
int tsm_chain_parse_cached(struct tsm_verify_cache *cache, const uint8_t *data,
			   size_t len, enum tsm_hash hash, struct tsm_chain *out,
			   struct tsm_error *err);

/*
 * Build the SPDM 1.2+ signing-context prefix for @version (0x12, 0x13):
 * "dmtf-spdm-v1.N.*" x4 || zero padding || @context, 100 bytes in all,
 * written to @out (needs 100 bytes). Returns the length or -TSM_E_*.
 */
#define TSM_SPDM_SIGN_PREFIX_LEN 100
int tsm_spdm_sign_prefix(uint8_t version, const char *context,
			 uint8_t out[TSM_SPDM_SIGN_PREFIX_LEN]);

/*
 * Verify the MEASUREMENTS signature with the leaf public key:
 * M' = prefix("responder-measurements signing") || H(VCA || request ||
 * response-without-signature), signed with the negotiated hash by the
 * negotiated asymmetric algorithm (ECDSA raw r||s, RSASSA-PSS salt =
 * hash length, RSASSA PKCS#1 v1.5). The leaf key type/size must match
 * BaseAsymAlgo. Returns 0, -TSM_E_SIGNATURE or -TSM_E_UNSUPPORTED.
 */
int tsm_verify_measurements(const struct tsm_parsed *p, struct tsm_error *err);

/*
 * Check the request nonce against the nonce the daemon supplied
 * (@nonce_len must be 32). Returns 0 or -TSM_E_NONCE.
 */
int tsm_verify_nonce(const struct tsm_parsed *p, const uint8_t *nonce,
		     size_t nonce_len, struct tsm_error *err);

/*
 * Load all certificates of a PEM file (one or more) and append them to
 * @anchors. Fails with -TSM_E_IO / -TSM_E_CONFIG naming the path.
 */
int tsm_load_pem_certs(const char *path, STACK_OF(X509) *anchors,
		       struct tsm_error *err);
/* Load all CRLs of a PEM file into @crls. */
int tsm_load_pem_crls(const char *path, STACK_OF(X509_CRL) *crls,
		      struct tsm_error *err);

#endif /* TSM_VERIFY_H */
