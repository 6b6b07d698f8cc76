// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: a whole evidence bundle through parsing, signature
 * verification with whatever key the (hostile) leaf carries, and policy
 * evaluation with the chain's own root pinned. Input: three objects
 * (CERT, VCA, MEASUREMENTS), each preceded by a u16 little-endian length.
 */
#include <stdlib.h>
#include <string.h>

#include "tsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool take(struct tsm_reader *r, const uint8_t **p, size_t *len)
{
	uint16_t n;

	if (!tsm_get_le16(r, &n) || !tsm_get_bytes(r, n, p))
		return false;
	*len = n;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tsm_device_id dev = { 0x8086, 0x1234, 0x120000, "0000:01:00.0" };
	struct tsm_evidence ev = { 0 };
	struct tsm_eval_opts opts = { 0 };
	struct tsm_policy *pol;
	struct tsm_decision d;
	struct tsm_reader r;
	struct tsm_parsed p;
	struct tsm_error err;
	struct tsm_rule *rule;

	tsm_reader_init(&r, data, size);
	if (!take(&r, &ev.cert, &ev.cert_len) || !take(&r, &ev.vca, &ev.vca_len) ||
	    !take(&r, &ev.meas, &ev.meas_len))
		return 0;
	if (tsm_evidence_parse(&ev, &p, &err)) {
		if (!err.reason[0])
			abort();
		return 0;
	}
	tsm_verify_measurements(&p, &err);
	opts.nonce = p.meas.req_nonce;
	opts.nonce_len = 32;
	pol = tsm_policy_new(NULL);
	rule = pol ? tsm_policy_add_rule(pol, "fuzz", NULL) : NULL;
	if (rule && !tsm_rule_from_evidence(rule, &dev, &p)) {
		tsm_policy_evaluate(pol, &dev, &p, &opts, &d);
		if (!d.rule[0] || (d.target != TSM_TARGET_ACCEPT && !d.reason[0]))
			abort();
	}
	tsm_policy_free(pol);
	tsm_parsed_free(&p);
	return 0;
}
