// SPDX-License-Identifier: GPL-2.0-only
/* libtsm: policy evaluation (first match wins, requirements, decisions). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509v3.h>

#include "policy.h"

/*
 * match.root-fingerprint selects by the chain's root: certs[0] when the
 * device sent it, else the rule's anchor that issued certs[0]. Which root
 * the path really ends at is only known after validation, so
 * check_fingerprints() checks it again on the verified path.
 */
static bool match_root(const struct tsm_rule *r, const struct tsm_chain *c)
{
	uint8_t fp[32];
	unsigned int n;

	if (!tsm_chain_root_fingerprint(c, fp) && !memcmp(fp, r->match_root, 32))
		return true;
	if (c->first_is_root)
		return false;
	for (int i = 0; i < sk_X509_num(r->anchors); i++) {
		X509 *a = sk_X509_value(r->anchors, i);

		if (X509_digest(a, EVP_sha256(), fp, &n) && !memcmp(fp, r->match_root, 32) &&
		    X509_check_issued(a, c->certs[0]) == X509_V_OK)
			return true;
	}
	return false;
}

bool tsm_rule_matches(const struct tsm_rule *r, const struct tsm_device_id *dev,
		      const struct tsm_parsed *ev)
{
	char buf[1024];

	if (r->has_vendor && r->vendor != dev->vendor)
		return false;
	if (r->has_device && r->device != dev->device)
		return false;
	if (r->has_class && r->class_code != (dev->class_code & 0xffffff))
		return false;
	if (r->match_address &&
	    (!dev->pci_name || !tsm_glob_match(r->match_address, dev->pci_name)))
		return false;
	if (!r->match_subject && !r->match_hwid && !r->has_match_root)
		return true;
	/* the remaining keys look at the (not yet verified) chain */
	if (!ev || !ev->chain.ncerts)
		return false;
	if (r->match_subject &&
	    (tsm_chain_subject(&ev->chain, ev->chain.ncerts - 1, buf, sizeof(buf)) ||
	     !tsm_glob_match(r->match_subject, buf)))
		return false;
	if (r->match_hwid &&
	    (tsm_chain_leaf_hwid(&ev->chain, buf, sizeof(buf)) ||
	     !tsm_glob_match(r->match_hwid, buf)))
		return false;
	if (r->has_match_root && !match_root(r, &ev->chain))
		return false;
	return true;
}

static int check_anchors(const struct tsm_rule *r, const struct tsm_parsed *ev,
			 const struct tsm_eval_opts *opts, struct tsm_path *path,
			 struct tsm_error *err)
{
	STACK_OF(X509) *self;
	int rc;

	if (r->nanchors)
		return tsm_verify_chain_path_cached(opts->cache, &ev->chain, r->anchors,
						    &opts->verify, path, err);
	/* root-fingerprint only: the chain's own root, once pinned, is the anchor */
	if (!ev->chain.first_is_root || !ev->chain.root_hash_ok)
		return tsm_fail(err, TSM_E_CHAIN, "chain.trust-anchor",
				"rule has no trust-anchor and the chain does not carry its root");
	self = sk_X509_new_null();
	if (!self || !sk_X509_push(self, ev->chain.certs[0])) {
		sk_X509_free(self);
		return tsm_fail(err, TSM_E_NOMEM, "chain.path", "out of memory");
	}
	rc = tsm_verify_chain_path_cached(opts->cache, &ev->chain, self, &opts->verify, path,
					  err);
	sk_X509_free(self);
	return rc;
}

/*
 * Is @fp a certificate of the verified path that may stand for its root:
 * the root the path ended at (the anchor), or certs[0], which the
 * validation proved is on the path right below it (chains that start
 * below the root, as generate-policy used to pin them)?
 */
static bool on_path_root(const struct tsm_parsed *ev, const struct tsm_path *path,
			 const uint8_t fp[32])
{
	uint8_t first[32];

	if (!memcmp(path->root_sha256, fp, 32))
		return true;
	return !tsm_chain_root_fingerprint(&ev->chain, first) && !memcmp(first, fp, 32);
}

/* root-fingerprint and match.root-fingerprint, on the path that was verified. */
static int check_fingerprints(const struct tsm_rule *r, const struct tsm_parsed *ev,
			      const struct tsm_path *path, struct tsm_error *err)
{
	char want[65], got[65];

	if (r->has_match_root && !on_path_root(ev, path, r->match_root))
		return tsm_fail(err, TSM_E_CHAIN, "root-fingerprint",
				"match.root-fingerprint sha256:%s is not the root of the verified path (sha256:%s)",
				tsm_hex(r->match_root, 32, want, sizeof(want)),
				tsm_hex(path->root_sha256, 32, got, sizeof(got)));
	if (r->has_root_pin && !on_path_root(ev, path, r->root_pin))
		return tsm_fail(err, TSM_E_CHAIN, "root-fingerprint",
				"root fingerprint mismatch: expected sha256:%s, the verified path ends at sha256:%s",
				tsm_hex(r->root_pin, 32, want, sizeof(want)),
				tsm_hex(path->root_sha256, 32, got, sizeof(got)));
	return 0;
}

/* Does block @b equal reference @m (digest as-is, raw hashed with m's alg)? */
static bool meas_equal(const struct tsm_meas_block *b, const struct tsm_meas_ref *m)
{
	size_t hl = tsm_hash_len(m->alg);
	uint8_t d[TSM_HASH_MAX_LEN];

	if (b->raw) {
		if (tsm_digest(m->alg, b->value, b->value_size, d))
			return false;
		return !CRYPTO_memcmp(d, m->digest, hl);
	}
	return b->value_size == hl && !CRYPTO_memcmp(b->value, m->digest, hl);
}

static void describe_block(const struct tsm_meas_block *b, enum tsm_hash ref_alg,
			   char *buf, size_t bufsz)
{
	char hex[2 * TSM_HASH_MAX_LEN + 1];
	uint8_t d[TSM_HASH_MAX_LEN];
	enum tsm_hash alg = tsm_hash_from_len(b->value_size);

	if (b->raw && !tsm_digest(ref_alg, b->value, b->value_size, d)) {
		snprintf(buf, bufsz, "%s:%s (of a %u-byte raw value)", tsm_hash_name(ref_alg),
			 tsm_hex(d, tsm_hash_len(ref_alg), hex, sizeof(hex)), b->value_size);
		return;
	}
	snprintf(buf, bufsz, "%s:%s", alg == TSM_HASH_NONE ? "digest" : tsm_hash_name(alg),
		 tsm_hex(b->value, b->value_size < TSM_HASH_MAX_LEN ? b->value_size :
			 TSM_HASH_MAX_LEN, hex, sizeof(hex)));
}

static int check_measurements(const struct tsm_rule *r, const struct tsm_parsed *ev,
			      struct tsm_error *err)
{
	static const char check[] = "measurement.value";

	for (size_t i = 0; i < r->nmeas; i++) {
		const struct tsm_meas_ref *m = &r->meas[i];
		const struct tsm_meas_block *b;
		char want[2 * TSM_HASH_MAX_LEN + 1], got[300];
		bool first = true, ok = false;

		/* handle each index once, at its first reference */
		for (size_t j = 0; j < i; j++)
			if (r->meas[j].index == m->index)
				first = false;
		if (!first)
			continue;
		b = tsm_meas_find(&ev->meas, m->index);
		if (!b || !b->dmtf)
			return tsm_fail(err, TSM_E_MEASUREMENT, check,
					"measurement %u missing from the device's MEASUREMENTS",
					m->index);
		for (size_t j = i; j < r->nmeas && !ok; j++)
			if (r->meas[j].index == m->index)
				ok = meas_equal(b, &r->meas[j]);
		if (ok)
			continue;
		describe_block(b, m->alg, got, sizeof(got));
		return tsm_fail(err, TSM_E_MEASUREMENT, check,
				"measurement %u digest mismatch: expected %s:%s%s, got %s",
				m->index, tsm_hash_name(m->alg),
				tsm_hex(m->digest, tsm_hash_len(m->alg), want, sizeof(want)),
				i + 1 < r->nmeas ? " (or another listed value)" : "", got);
	}
	if (r->has_svn_min) {
		uint64_t svn;

		if (!tsm_meas_svn(&ev->meas, &svn))
			return tsm_fail(err, TSM_E_MEASUREMENT, "measurement.svn",
					"no security version (SVN) measurement block");
		if (svn < r->svn_min)
			return tsm_fail(err, TSM_E_MEASUREMENT, "measurement.svn",
					"security version %llu below the minimum %llu",
					(unsigned long long)svn, (unsigned long long)r->svn_min);
	}
	return 0;
}

static int check_report(const struct tsm_rule *r, const struct tsm_parsed *ev,
			const struct tsm_eval_opts *opts, struct tsm_error *err)
{
	char names[128];
	uint16_t info;
	int rc;

	if (!ev->has_report) {
		if (!r->report_require && !r->report_forbid)
			return 0;
		if (ev->report_stale)
			return tsm_fail(err, TSM_E_REPORT, "report",
					"rule checks the TDISP report but the report given is from evidence generation %u, not the verified generation %u",
					ev->report_generation, ev->generation);
		return tsm_fail(err, TSM_E_REPORT, "report",
				"rule checks the TDISP report but the device has none");
	}
	if (opts->layout) {
		rc = tsm_report_check(&ev->report, opts->layout, err);
		if (rc)
			return rc;
	}
	info = ev->report.interface_info;
	if ((info & r->report_require) != r->report_require)
		return tsm_fail(err, TSM_E_REPORT, "report.require",
				"report interface_info 0x%04x lacks required %s", info,
				tsm_report_bits_format(r->report_require & ~info, names,
						       sizeof(names)));
	if (info & r->report_forbid)
		return tsm_fail(err, TSM_E_REPORT, "report.forbid",
				"report interface_info 0x%04x has forbidden %s", info,
				tsm_report_bits_format(info & r->report_forbid, names,
						       sizeof(names)));
	return 0;
}

/* Evidence that parsed completely; anything else is never accepted. */
static bool usable(const struct tsm_parsed *ev)
{
	return ev && ev->chain.ncerts && ev->meas.signature && ev->vca.len;
}

static void deny_unusable(struct tsm_decision *out, const char *rule)
{
	out->target = TSM_TARGET_DENY;
	out->code = TSM_E_PARSE;
	snprintf(out->check, sizeof(out->check), "evidence");
	snprintf(out->reason, sizeof(out->reason),
		 "the evidence could not be parsed; %s never accepts such a device", rule);
}

static int check_requirements(const struct tsm_rule *r, const struct tsm_parsed *ev,
			      const struct tsm_eval_opts *opts, struct tsm_error *err)
{
	int rc;

	struct tsm_path path;

	if (!usable(ev))
		return tsm_fail(err, TSM_E_PARSE, "evidence", "no parsed evidence");
	if (r->allow_unverified) {
		rc = 0;		/* unverified = allow: no anchor, no pin (checked at load) */
	} else {
		rc = check_anchors(r, ev, opts, &path, err);
		if (!rc)
			rc = check_fingerprints(r, ev, &path, err);
	}
	if (!rc) {
		if (opts->nonce)
			rc = tsm_verify_nonce(ev, opts->nonce, opts->nonce_len, err);
		else if (opts->nonce_required)
			rc = tsm_fail(err, TSM_E_NONCE, "measurements.nonce",
				      "no fresh nonce for this device and nonce = required");
	}
	if (!rc)
		rc = tsm_verify_measurements(ev, err);
	if (!rc)
		rc = check_measurements(r, ev, err);
	if (!rc)
		rc = check_report(r, ev, opts, err);
	return rc;
}

int tsm_policy_evaluate(const struct tsm_policy *pol,
			const struct tsm_device_id *dev,
			const struct tsm_parsed *ev,
			const struct tsm_eval_opts *opts,
			struct tsm_decision *out)
{
	static const struct tsm_eval_opts no_opts = { .nonce_required = true };
	struct tsm_error err;

	memset(out, 0, sizeof(*out));
	out->target = TSM_TARGET_DENY;
	if (!pol || !dev) {
		snprintf(out->rule, sizeof(out->rule), "default");
		snprintf(out->check, sizeof(out->check), "internal");
		snprintf(out->reason, sizeof(out->reason), "no policy or device");
		out->code = TSM_E_INVAL;
		return -TSM_E_INVAL;
	}
	if (!opts)
		opts = &no_opts;
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tsm_rule *r = &pol->rules[i];

		if (!tsm_rule_matches(r, dev, ev))
			continue;
		out->matched = true;
		snprintf(out->rule, sizeof(out->rule), "%s", r->name);
		if (r->target == TSM_TARGET_DENY) {
			out->requirements_met = true;
			snprintf(out->check, sizeof(out->check), "target");
			snprintf(out->reason, sizeof(out->reason), "rule \"%s\" denies this device",
				 r->name);
			return 0;
		}
		if (!usable(ev)) {
			char what[160];

			snprintf(what, sizeof(what), "rule \"%s\"", r->name);
			deny_unusable(out, what);
			return 0;
		}
		tsm_error_clear(&err);
		if (check_requirements(r, ev, opts, &err)) {
			out->target = r->target == TSM_TARGET_AUDIT ? TSM_TARGET_AUDIT
								    : TSM_TARGET_DENY;
			out->code = err.code;
			snprintf(out->check, sizeof(out->check), "%s", err.check);
			snprintf(out->reason, sizeof(out->reason), "%s", err.reason);
			return 0;
		}
		out->target = r->target;
		out->requirements_met = true;
		snprintf(out->reason, sizeof(out->reason), "all requirements of rule \"%s\" met%s",
			 r->name, r->allow_unverified ?
			 " (certificate chain not verified: unverified = allow)" : "");
		return 0;
	}
	snprintf(out->rule, sizeof(out->rule), "default");
	if (pol->default_target != TSM_TARGET_DENY && !usable(ev)) {
		deny_unusable(out, "[default]");
		return 0;
	}
	out->target = pol->default_target;
	snprintf(out->check, sizeof(out->check), "default");
	snprintf(out->reason, sizeof(out->reason), "no rule matched; default target %s",
		 tsm_target_name(pol->default_target));
	return 0;
}

int tsm_rule_from_evidence(struct tsm_rule *rule, const struct tsm_device_id *dev,
			   const struct tsm_parsed *ev)
{
	uint64_t svn;
	int rc;

	if (!ev || !ev->chain.ncerts)
		return -TSM_E_INVAL;
	rule->has_vendor = rule->has_device = true;
	rule->vendor = dev->vendor;
	rule->device = dev->device;
	for (unsigned int i = 0; i < ev->meas.nblocks; i++) {
		const struct tsm_meas_block *b = &ev->meas.blocks[i];
		enum tsm_hash alg = ev->vca.meas_hash;
		uint8_t d[TSM_HASH_MAX_LEN];

		if (!b->dmtf || (b->raw && b->type == TSM_MEAS_SVN))
			continue;
		if (b->raw) {
			if (alg == TSM_HASH_NONE)
				alg = TSM_HASH_SHA384;
			if (tsm_digest(alg, b->value, b->value_size, d))
				return -TSM_E_NOMEM;
		} else {
			alg = tsm_hash_from_len(b->value_size);
			if (alg == TSM_HASH_NONE)
				continue;	/* a digest we cannot name */
			memcpy(d, b->value, b->value_size);
		}
		rc = tsm_rule_add_meas(rule, b->index, alg, d);
		if (rc)
			return rc;
	}
	if (tsm_meas_svn(&ev->meas, &svn)) {
		rule->has_svn_min = true;
		rule->svn_min = svn;
	}
	if (ev->has_report)
		rule->report_require = ev->report.interface_info & TSM_REPORT_INFO_KNOWN;
	rule->has_target = true;
	rule->target = TSM_TARGET_ACCEPT;
	return 0;
}

int tsm_rule_set_trust(struct tsm_rule *rule, const char *anchor_name,
		       STACK_OF(X509) *anchors, const struct tsm_parsed *ev,
		       const struct tsm_verify_opts *opts, struct tsm_error *err)
{
	struct tsm_path path;
	int rc;

	if (!anchor_name || !*anchor_name || strchr(anchor_name, '/') || !anchors ||
	    !sk_X509_num(anchors))
		return tsm_fail(err, TSM_E_INVAL, "trust-anchor",
				"a trust anchor file chosen by the administrator is required");
	if (!ev || !ev->chain.ncerts)
		return tsm_fail(err, TSM_E_INVAL, "evidence", "no parsed evidence");
	rc = tsm_verify_chain_path(&ev->chain, anchors, opts, &path, err);
	if (rc) {
		tsm_error_prefix(err, "not vouched for by %s", anchor_name);
		return rc;
	}
	if (!rule->anchors) {
		rule->anchors = sk_X509_new_null();
		if (!rule->anchors)
			return tsm_fail(err, TSM_E_NOMEM, "policy", "out of memory");
	}
	for (int i = 0; i < sk_X509_num(anchors); i++) {
		X509 *a = sk_X509_value(anchors, i);

		if (!sk_X509_push(rule->anchors, a))
			return tsm_fail(err, TSM_E_NOMEM, "policy", "out of memory");
		X509_up_ref(a);
	}
	rc = tsm_rule_add_anchor(rule, anchor_name);
	if (rc)
		return tsm_fail(err, -rc, "policy", "cannot add the trust anchor");
	memcpy(rule->root_pin, path.root_sha256, sizeof(rule->root_pin));
	rule->has_root_pin = true;
	return 0;
}
