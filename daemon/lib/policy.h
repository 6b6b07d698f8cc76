/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtsm: the policy language of /etc/tsm/policy.d/NAME.conf (docs/ABI.md
 * section 7.2, docs/policy.md), its evaluation and its printer.
 *
 * Files are read in name order (only names ending in ".conf"), rules in
 * file order; the first rule whose match.* keys all match decides. A rule
 * whose requirements fail denies with the failing requirement as the
 * reason (no fall-through). With no matching rule, [default] target
 * applies (deny when no file has a [default] section).
 */
#ifndef TSM_POLICY_H
#define TSM_POLICY_H

#include <openssl/x509.h>

#include "util.h"
#include "verify.h"

enum tsm_target {
	TSM_TARGET_DENY = 0,
	TSM_TARGET_ACCEPT,
	TSM_TARGET_AUDIT,	/* log what would happen, then accept */
};

const char *tsm_target_name(enum tsm_target t);	/* "accept" ... */

/* One reference digest for a measurement index (measurement.N = alg:HEX). */
struct tsm_meas_ref {
	uint8_t index;			/* 1..254 */
	enum tsm_hash alg;
	uint8_t digest[TSM_HASH_MAX_LEN];	/* tsm_hash_len(alg) bytes */
	int line;
};

struct tsm_rule {
	char *name;			/* from [rule "NAME"] */
	char *file;			/* source file (NULL for built rules) */
	int line;			/* line of the section header */

	/* match.* (a false has_* / NULL pattern matches anything) */
	bool has_vendor, has_device, has_class, has_match_root;
	uint16_t vendor, device;
	uint32_t class_code;		/* 24-bit class code */
	char *match_address;		/* glob on the PCI name */
	char *match_subject;		/* glob on the RFC 4514 leaf subject */
	char *match_hwid;		/* glob on the DMTF hardware-identity SAN */
	uint8_t match_root[32];		/* match.root-fingerprint = sha256:HEX */

	/* requirements */
	char **anchor_names;		/* trust-anchor = FILE (in trust-dir), repeatable */
	size_t nanchors;
	STACK_OF(X509) *anchors;	/* certificates loaded from those files */
	bool has_root_pin;
	uint8_t root_pin[32];		/* root-fingerprint = sha256:HEX */
	struct tsm_meas_ref *meas;	/* measurement.N, in file order */
	size_t nmeas;
	bool has_svn_min;
	uint64_t svn_min;		/* measurement.svn-min */
	uint16_t report_require;	/* report.require = names */
	uint16_t report_forbid;		/* report.forbid = names */
	bool has_target;
	enum tsm_target target;		/* target = accept|deny|audit (required) */
	/*
	 * unverified = allow: the rule may accept without a trust anchor or
	 * root pin (the chain is then not validated). Without it, such a
	 * rule is a configuration error.
	 */
	bool allow_unverified;
};

struct tsm_policy {
	char *trust_dir;		/* where trust-anchor files are looked up */
	struct tsm_rule *rules;
	size_t nrules;
	bool has_default;
	enum tsm_target default_target;
	bool default_unverified;	/* [default] unverified = allow (needed for accept/audit) */
	char *default_file;		/* where [default] was given */
	int default_line;
};

/*
 * Empty policy (no rules, default deny). @trust_dir may be NULL when no
 * rule uses trust-anchor (tests, printers). NULL on allocation failure.
 */
struct tsm_policy *tsm_policy_new(const char *trust_dir);
void tsm_policy_free(struct tsm_policy *pol);

/*
 * Load every "*.conf" in @policy_dir in strcmp name order into a new
 * policy. Any error (syntax, unknown key, bad value, duplicate rule name
 * across all files, second [default], rule without target, accept/audit
 * rule or [default] without trust-anchor or root-fingerprint and without
 * "unverified = allow", unreadable file or anchor) fails the whole load
 * with "FILE:LINE: message" in err->reason
 * and code -TSM_E_CONFIG (or -TSM_E_IO for the directory itself).
 * A missing or empty directory yields an empty policy (default deny).
 */
int tsm_policy_load_dir(const char *policy_dir, const char *trust_dir,
			struct tsm_policy **out, struct tsm_error *err);

/* Append the rules of one file to @pol (same checks). */
int tsm_policy_load_file(struct tsm_policy *pol, const char *path,
			 struct tsm_error *err);

/*
 * Same from memory; @name is used as the file name in messages. Anchor
 * files are still read from pol->trust_dir. For tests and fuzzing.
 */
int tsm_policy_parse_buffer(struct tsm_policy *pol, const char *name,
			    const char *buf, size_t len,
			    struct tsm_error *err);

/* Identity of the device being judged. */
struct tsm_device_id {
	uint16_t vendor;
	uint16_t device;
	uint32_t class_code;		/* 24-bit, as sysfs "class" */
	const char *pci_name;		/* "0000:01:00.0" */
};

struct tsm_eval_opts {
	const uint8_t *nonce;		/* the nonce the daemon supplied, or NULL */
	size_t nonce_len;
	bool nonce_required;		/* deny when nonce == NULL */
	struct tsm_verify_opts verify;	/* time check, CRLs */
	const struct tsm_device_layout *layout;	/* NULL: skip report range checks */
	struct tsm_verify_cache *cache;	/* NULL: validate every chain afresh */
};

struct tsm_decision {
	enum tsm_target target;		/* what to do: accept, deny, audit (= accept + log) */
	bool matched;			/* a rule matched (else [default]) */
	bool requirements_met;		/* the matched rule's requirements all held */
	char rule[128];			/* rule name, or "default" */
	char check[TSM_CHECK_MAX];	/* failing check id, "" when none */
	char reason[TSM_REASON_MAX];	/* human readable */
	enum tsm_rc code;		/* TSM_OK or the failing check's code */
};

/*
 * Decide for one device. @ev may be NULL or partly parsed only when the
 * caller could not parse the evidence; then no rule needing it can
 * accept. Order of requirement checks: trust anchors / path validation
 * and root hash, root-fingerprint, nonce, MEASUREMENTS signature,
 * measurement.N, measurement.svn-min, report presence and range checks
 * (when @opts->layout), report.require/forbid. An audit rule whose
 * requirements fail yields TSM_TARGET_AUDIT with the failure as reason.
 * Always fills @out; returns 0 or -TSM_E_INVAL on bad arguments.
 */
int tsm_policy_evaluate(const struct tsm_policy *pol,
			const struct tsm_device_id *dev,
			const struct tsm_parsed *ev,
			const struct tsm_eval_opts *opts,
			struct tsm_decision *out);

/* Does @rule's match.* section select this device? */
bool tsm_rule_matches(const struct tsm_rule *rule,
		      const struct tsm_device_id *dev,
		      const struct tsm_parsed *ev);

/*
 * Building rules (tsmctl generate-policy). tsm_policy_add_rule() appends an
 * empty rule (target deny, no match keys) and returns it, or NULL when the
 * name is invalid/duplicate or on allocation failure. Strings are copied.
 */
struct tsm_rule *tsm_policy_add_rule(struct tsm_policy *pol, const char *name,
				     struct tsm_error *err);
int tsm_rule_set_string(char **field, const char *value);	/* match_* */
int tsm_rule_add_anchor(struct tsm_rule *rule, const char *file_name);
int tsm_rule_add_meas(struct tsm_rule *rule, uint8_t index, enum tsm_hash alg,
		      const uint8_t *digest);

/*
 * Fill @rule with this device's identity and evidence as now seen: match
 * vendor/device, every digest measurement block as measurement.N, the SVN
 * block (if any) as svn-min, report.require = the report's current
 * interface_info bits, target accept. It pins nothing the device sent as
 * a root of trust: until tsm_rule_set_trust() gives it an anchor the
 * administrator chose, the rule does not load (accept without anchor).
 */
int tsm_rule_from_evidence(struct tsm_rule *rule,
			   const struct tsm_device_id *dev,
			   const struct tsm_parsed *ev);

/*
 * Make @rule trust @anchors, read by the caller from the file
 * @anchor_name that the administrator chose (written as trust-anchor =
 * @anchor_name, looked up in the trust directory when the policy loads):
 * the device's chain is validated against them first (fails with the
 * chain's check and reason when they do not vouch for it), then the root
 * the verified path ended at is pinned as root-fingerprint.
 */
int tsm_rule_set_trust(struct tsm_rule *rule, const char *anchor_name,
		       STACK_OF(X509) *anchors, const struct tsm_parsed *ev,
		       const struct tsm_verify_opts *opts, struct tsm_error *err);

/*
 * Write @pol in the policy language (rules in order, then [default] if
 * set): reading the output back yields an equal policy. A rule name must
 * be 1..100 characters of [A-Za-z0-9._:@+-]. Returns 0, -TSM_E_IO, or
 * -TSM_E_INVAL for a value that would not read back the same.
 */
int tsm_policy_print(FILE *out, const struct tsm_policy *pol);
int tsm_rule_print(FILE *out, const struct tsm_rule *rule);

#endif /* TSM_POLICY_H */
