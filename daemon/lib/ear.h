/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtsm: a decision of tsm-verifierd as an EAT Attestation Result (EAR),
 * the JSON claims-set of draft-fv-rats-ear-05 that Project Veraison
 * produces and consumes, with the AR4SI (draft-ietf-rats-ar4si-08)
 * trustworthiness vector, optionally signed as a compact JWS (ES256).
 * docs/fleet.md documents how decisions map to status and vector.
 */
#ifndef TSM_EAR_H
#define TSM_EAR_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "util.h"

#define TSM_EAR_PROFILE		"tag:github.com,2023:veraison/ear"
/* our namespaced (private) per-appraisal extension claim */
#define TSM_EAR_EXT_CLAIM	"pci-tsm.decision"
#define TSM_EAR_DEVELOPER	"pci-tsm (tsm-verifierd)"

enum tsm_ear_status {
	TSM_EAR_NONE = 0,
	TSM_EAR_AFFIRMING,
	TSM_EAR_WARNING,
	TSM_EAR_CONTRAINDICATED,
};

/* AR4SI trustworthiness claims, in the order of the draft. */
enum tsm_ear_claim {
	TSM_EAR_INSTANCE_IDENTITY = 0,
	TSM_EAR_CONFIGURATION,
	TSM_EAR_EXECUTABLES,
	TSM_EAR_FILE_SYSTEM,
	TSM_EAR_HARDWARE,
	TSM_EAR_RUNTIME_OPAQUE,
	TSM_EAR_STORAGE_OPAQUE,
	TSM_EAR_SOURCED_DATA,
	TSM_EAR_NCLAIMS,
};

/* AR4SI values used here (draft-ietf-rats-ar4si-08 section 2.3) */
#define TSM_AR_VERIFIER_MALFUNCTION	(-1)
#define TSM_AR_NO_CLAIM			0
#define TSM_AR_UNEXPECTED_EVIDENCE	1
#define TSM_AR_AFFIRMING		2	/* trustworthy instance, approved
						   config/runtime, genuine hardware */
#define TSM_AR_UNSAFE			32	/* unsafe config/runtime/hardware */
#define TSM_AR_UNRECOGNIZED_RUNTIME	33
#define TSM_AR_CONTRAINDICATED		96	/* untrustworthy instance,
						   unsupportable config ... */
#define TSM_AR_UNRECOGNIZED		97	/* unrecognized instance/hardware */
#define TSM_AR_CRYPTO_FAILED		99	/* cryptographic validation failed */

struct tsm_ear_vector {
	bool set[TSM_EAR_NCLAIMS];
	int8_t value[TSM_EAR_NCLAIMS];
};

/* A decision as tsm-verifierd reports it (control socket "show", state.json). */
struct tsm_ear_decision {
	const char *decision;	/* "accepted", "denied", "kept", "pending", "held", "none" */
	const char *rule;	/* rule name, "default", "admin" or "" */
	const char *check;	/* failing check id or "" */
	const char *reason;
	const char *policy_digest;	/* hex SHA-256 of config + policy + trust anchors, or "" */
	bool admin;		/* decided by an administrator */
	uint64_t decided_usec;	/* CLOCK_REALTIME, 0 when unknown */
	bool has_generation;
	uint32_t generation;
	/*
	 * What the deciding rule requires, when known (the rule is found in
	 * the policy): a verified chain (trust anchor or root pin), reference
	 * measurements or an SVN floor, TDISP report checks.
	 */
	bool rule_known;
	bool rule_chain, rule_measurements, rule_report;
};

struct tsm_policy;

/*
 * Fills @d's rule_known, rule_chain, rule_measurements and rule_report
 * from the rule named @d->rule in @pol ("default": the default section);
 * an administrator's decision ("admin", "") is left unknown.
 */
void tsm_ear_rule_requirements(const struct tsm_policy *pol, struct tsm_ear_decision *d);

/* Status and vector for @d (the mapping in docs/fleet.md). */
void tsm_ear_appraise(const struct tsm_ear_decision *d, enum tsm_ear_status *status,
		      struct tsm_ear_vector *vec);
const char *tsm_ear_status_name(enum tsm_ear_status s);	/* "affirming" ... */
const char *tsm_ear_claim_name(enum tsm_ear_claim c);	/* "instance-identity" ... */

struct tsm_ear_input {
	const char *submod;	/* appraisal label: the device's PCI name */
	const char *build;	/* verifier build, "tsm-verifierd 0.1.0" */
	int64_t iat;		/* seconds since the epoch */
	const struct tsm_ear_decision *decision;
	const char *bundle_sha256;	/* hex SHA-256 of the bundle file, or NULL */
	/* SHA-256 (hex) of each evidence object judged, by object name, or NULL */
	struct json_object *evidence_sha256;
};

/* The EAR claims-set (NULL on allocation failure or bad input). */
struct json_object *tsm_ear_claims(const struct tsm_ear_input *in);

struct evp_pkey_st;

/*
 * Loads a PEM private key for ES256 signing; anything but an EC key on
 * P-256 is refused (TSM_E_CONFIG naming the file), unreadable TSM_E_IO.
 */
int tsm_ear_load_key(const char *path, struct evp_pkey_st **key, struct tsm_error *err);

/*
 * Compact JWS (RFC 7515) of @payload with ES256: base64url(header) "."
 * base64url(payload) "." base64url(R || S), 32 bytes each (RFC 7518
 * section 3.4). The header carries alg, typ "JWT" and kid, the RFC 7638
 * thumbprint of the public key. *@jws is malloc'd.
 */
int tsm_ear_sign(const char *payload, struct evp_pkey_st *key, char **jws,
		 struct tsm_error *err);

#endif /* TSM_EAR_H */
