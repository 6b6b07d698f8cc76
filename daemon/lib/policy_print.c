// SPDX-License-Identifier: GPL-2.0-only
/* libtsm: write a policy back in the policy language (round-trips). */
#include <ctype.h>
#include <string.h>

#include "inifile.h"
#include "policy.h"

/*
 * A value survives a round trip when it has no leading/trailing space, no
 * control characters, and nothing the reader would take as a comment.
 */
static bool printable_value(const char *v)
{
	if (!*v || isspace((unsigned char)v[0]) || isspace((unsigned char)v[strlen(v) - 1]))
		return false;
	for (const char *c = v; *c; c++) {
		if (iscntrl((unsigned char)*c))
			return false;
		if ((*c == '#' || *c == ';') && (c == v || isspace((unsigned char)c[-1])))
			return false;
	}
	return true;
}

static int put_str(FILE *out, const char *key, const char *v)
{
	if (!v)
		return 0;
	/* "key = value" must fit the reader's line (the input may have had no spaces) */
	if (!printable_value(v) || strlen(key) + 3 + strlen(v) > TSM_INI_MAX_TEXT)
		return -TSM_E_INVAL;
	return fprintf(out, "%s = %s\n", key, v) < 0 ? -TSM_E_IO : 0;
}

int tsm_rule_print(FILE *out, const struct tsm_rule *r)
{
	char hex[2 * TSM_HASH_MAX_LEN + 1], bits[128];
	int rc = 0;

	if (!r->name || !*r->name || strpbrk(r->name, "\"]#; \t\r\n") ||
	    strlen(r->name) + sizeof("[rule \"\"]") - 1 > TSM_INI_MAX_TEXT)
		return -TSM_E_INVAL;
	fprintf(out, "[rule \"%s\"]\n", r->name);
	if (r->has_vendor)
		fprintf(out, "match.vendor = 0x%04x\n", r->vendor);
	if (r->has_device)
		fprintf(out, "match.device = 0x%04x\n", r->device);
	if (r->has_class)
		fprintf(out, "match.class = 0x%06x\n", r->class_code);
	rc = put_str(out, "match.address", r->match_address);
	if (!rc)
		rc = put_str(out, "match.subject", r->match_subject);
	if (!rc)
		rc = put_str(out, "match.hwid", r->match_hwid);
	if (rc)
		return rc;
	if (r->has_match_root)
		fprintf(out, "match.root-fingerprint = sha256:%s\n",
			tsm_hex(r->match_root, 32, hex, sizeof(hex)));
	for (size_t i = 0; i < r->nanchors; i++) {
		rc = put_str(out, "trust-anchor", r->anchor_names[i]);
		if (rc)
			return rc;
	}
	if (r->has_root_pin)
		fprintf(out, "root-fingerprint = sha256:%s\n",
			tsm_hex(r->root_pin, 32, hex, sizeof(hex)));
	for (size_t i = 0; i < r->nmeas; i++)
		fprintf(out, "measurement.%u = %s:%s\n", r->meas[i].index,
			tsm_hash_name(r->meas[i].alg),
			tsm_hex(r->meas[i].digest, tsm_hash_len(r->meas[i].alg), hex,
				sizeof(hex)));
	if (r->has_svn_min)
		fprintf(out, "measurement.svn-min = %llu\n", (unsigned long long)r->svn_min);
	if (r->report_require)
		fprintf(out, "report.require = %s\n",
			tsm_report_bits_format(r->report_require, bits, sizeof(bits)));
	if (r->report_forbid)
		fprintf(out, "report.forbid = %s\n",
			tsm_report_bits_format(r->report_forbid, bits, sizeof(bits)));
	if (r->allow_unverified)
		fprintf(out, "unverified = allow\n");
	if (fprintf(out, "target = %s\n", tsm_target_name(r->target)) < 0)
		return -TSM_E_IO;
	return 0;
}

int tsm_policy_print(FILE *out, const struct tsm_policy *pol)
{
	int rc;

	for (size_t i = 0; i < pol->nrules; i++) {
		rc = tsm_rule_print(out, &pol->rules[i]);
		if (rc)
			return rc;
		fputc('\n', out);
	}
	if (pol->has_default)
		fprintf(out, "[default]\n%starget = %s\n",
			pol->default_unverified ? "unverified = allow\n" : "",
			tsm_target_name(pol->default_target));
	return ferror(out) ? -TSM_E_IO : 0;
}
