// SPDX-License-Identifier: GPL-2.0-only
/* libtsm: policy language parser and rule construction (docs/ABI.md 7.2). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inifile.h"
#include "policy.h"

#define CHECK "policy"
#define MAX_RULES 4096
#define MAX_PER_RULE 256	/* anchors, measurement references */

const char *tsm_target_name(enum tsm_target t)
{
	switch (t) {
	case TSM_TARGET_ACCEPT:
		return "accept";
	case TSM_TARGET_AUDIT:
		return "audit";
	default:
		return "deny";
	}
}

static void rule_free(struct tsm_rule *r)
{
	free(r->name);
	free(r->file);
	free(r->match_address);
	free(r->match_subject);
	free(r->match_hwid);
	for (size_t i = 0; i < r->nanchors; i++)
		free(r->anchor_names[i]);
	free(r->anchor_names);
	sk_X509_pop_free(r->anchors, X509_free);
	free(r->meas);
	memset(r, 0, sizeof(*r));
}

struct tsm_policy *tsm_policy_new(const char *trust_dir)
{
	struct tsm_policy *pol = calloc(1, sizeof(*pol));

	if (!pol)
		return NULL;
	if (trust_dir) {
		pol->trust_dir = strdup(trust_dir);
		if (!pol->trust_dir) {
			free(pol);
			return NULL;
		}
	}
	pol->default_target = TSM_TARGET_DENY;
	return pol;
}

void tsm_policy_free(struct tsm_policy *pol)
{
	if (!pol)
		return;
	for (size_t i = 0; i < pol->nrules; i++)
		rule_free(&pol->rules[i]);
	free(pol->rules);
	free(pol->trust_dir);
	free(pol->default_file);
	free(pol);
}

static bool valid_rule_name(const char *n)
{
	size_t len = strlen(n);

	if (!len || len > 100)
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && !strchr("._:@+-", *n))
			return false;
	return true;
}

static struct tsm_rule *find_rule(const struct tsm_policy *pol, const char *name)
{
	for (size_t i = 0; i < pol->nrules; i++)
		if (!strcmp(pol->rules[i].name, name))
			return &pol->rules[i];
	return NULL;
}

struct tsm_rule *tsm_policy_add_rule(struct tsm_policy *pol, const char *name,
				     struct tsm_error *err)
{
	struct tsm_rule *r, *dup;

	if (!valid_rule_name(name)) {
		tsm_fail(err, TSM_E_CONFIG, CHECK,
			 "invalid rule name \"%s\" (1-100 of A-Z a-z 0-9 . _ : @ + -)", name);
		return NULL;
	}
	dup = find_rule(pol, name);
	if (dup) {
		if (dup->file)
			tsm_fail(err, TSM_E_CONFIG, CHECK,
				 "duplicate rule \"%s\" (first at %s:%d)", name, dup->file, dup->line);
		else
			tsm_fail(err, TSM_E_CONFIG, CHECK, "duplicate rule \"%s\"", name);
		return NULL;
	}
	if (pol->nrules >= MAX_RULES) {
		tsm_fail(err, TSM_E_CONFIG, CHECK, "more than %d rules", MAX_RULES);
		return NULL;
	}
	r = realloc(pol->rules, (pol->nrules + 1) * sizeof(*r));
	if (!r) {
		tsm_fail(err, TSM_E_NOMEM, CHECK, "out of memory");
		return NULL;
	}
	pol->rules = r;
	r = &pol->rules[pol->nrules];
	memset(r, 0, sizeof(*r));
	r->name = strdup(name);
	if (!r->name) {
		tsm_fail(err, TSM_E_NOMEM, CHECK, "out of memory");
		return NULL;
	}
	r->target = TSM_TARGET_DENY;
	pol->nrules++;
	return r;
}

int tsm_rule_set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -TSM_E_NOMEM;
	free(*field);
	*field = copy;
	return 0;
}

int tsm_rule_add_anchor(struct tsm_rule *rule, const char *file_name)
{
	char **names;

	if (rule->nanchors >= MAX_PER_RULE)
		return -TSM_E_CONFIG;
	names = realloc(rule->anchor_names, (rule->nanchors + 1) * sizeof(*names));
	if (!names)
		return -TSM_E_NOMEM;
	rule->anchor_names = names;
	names[rule->nanchors] = strdup(file_name);
	if (!names[rule->nanchors])
		return -TSM_E_NOMEM;
	rule->nanchors++;
	return 0;
}

int tsm_rule_add_meas(struct tsm_rule *rule, uint8_t index, enum tsm_hash alg,
		      const uint8_t *digest)
{
	struct tsm_meas_ref *m;

	if (!tsm_hash_len(alg) || index == 0 || index == 0xff)
		return -TSM_E_INVAL;
	if (rule->nmeas >= MAX_PER_RULE)
		return -TSM_E_CONFIG;
	m = realloc(rule->meas, (rule->nmeas + 1) * sizeof(*m));
	if (!m)
		return -TSM_E_NOMEM;
	rule->meas = m;
	m = &rule->meas[rule->nmeas++];
	memset(m, 0, sizeof(*m));
	m->index = index;
	m->alg = alg;
	memcpy(m->digest, digest, tsm_hash_len(alg));
	return 0;
}

/* ---- parsing ------------------------------------------------------------- */

enum section_kind { SEC_NONE, SEC_RULE, SEC_DEFAULT };

struct pstate {
	struct tsm_policy *pol;
	const char *file;
	enum section_kind kind;
	size_t rule;		/* index into pol->rules */
	bool default_target_seen;
	/* first line of each single-valued key in the current rule */
	struct {
		const char *key;
		int line;
	} seen[16];
	size_t nseen;
};

/* Checks at the end of a rule section. */
static int finish_section(struct pstate *st, struct tsm_error *err)
{
	struct tsm_rule *r;

	if (st->kind == SEC_DEFAULT && !st->default_target_seen)
		return tsm_fail(err, TSM_E_CONFIG, CHECK, "[default] (line %d) has no target",
				st->pol->default_line);
	if (st->kind == SEC_DEFAULT && st->pol->default_target != TSM_TARGET_DENY &&
	    !st->pol->default_unverified)
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"[default] (line %d) would %s every device no rule matches without verifying it; write \"unverified = allow\" in [default] if that is meant",
				st->pol->default_line, tsm_target_name(st->pol->default_target));
	if (st->kind != SEC_RULE)
		return 0;
	r = &st->pol->rules[st->rule];
	if (!r->has_target)
		return tsm_fail(err, TSM_E_CONFIG, CHECK, "rule \"%s\" (line %d) has no target",
				r->name, r->line);
	if (r->target != TSM_TARGET_DENY && !r->nanchors && !r->has_root_pin &&
	    !r->allow_unverified)
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"rule \"%s\" (line %d) can %s but names no trust-anchor or root-fingerprint; add one, or write \"unverified = allow\" if it is meant to accept devices whose certificates are not checked",
				r->name, r->line, tsm_target_name(r->target));
	if (r->allow_unverified && (r->nanchors || r->has_root_pin))
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"rule \"%s\" (line %d) says \"unverified = allow\" but also names a trust-anchor or root-fingerprint",
				r->name, r->line);
	if (r->report_require & r->report_forbid)
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"rule \"%s\" (line %d) both requires and forbids a report bit",
				r->name, r->line);
	return 0;
}

static int p_section(void *user, const char *name, int line, struct tsm_error *err)
{
	struct pstate *st = user;
	struct tsm_policy *pol = st->pol;
	struct tsm_rule *r;
	char rname[128];
	const char *q, *end;
	int rc;

	rc = finish_section(st, err);
	if (rc)
		return rc;
	st->nseen = 0;
	if (!strcmp(name, "default")) {
		if (pol->has_default)
			return tsm_fail(err, TSM_E_CONFIG, CHECK,
					"second [default] section (first at %s:%d)",
					pol->default_file, pol->default_line);
		free(pol->default_file);
		pol->default_file = strdup(st->file);
		if (!pol->default_file)
			return tsm_fail(err, TSM_E_NOMEM, CHECK, "out of memory");
		pol->has_default = true;
		pol->default_line = line;
		st->kind = SEC_DEFAULT;
		st->default_target_seen = false;
		return 0;
	}
	/* rule "NAME" */
	if (strncmp(name, "rule", 4) || !isspace((unsigned char)name[4]))
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"unknown section [%s] (expected [rule \"NAME\"] or [default])", name);
	q = name + 4;
	while (isspace((unsigned char)*q))
		q++;
	end = q[0] == '"' ? strchr(q + 1, '"') : NULL;
	if (!end || end[1] != '\0' || (size_t)(end - q - 1) >= sizeof(rname))
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"malformed rule header [%s] (expected [rule \"NAME\"])", name);
	memcpy(rname, q + 1, (size_t)(end - q - 1));
	rname[end - q - 1] = '\0';
	r = tsm_policy_add_rule(pol, rname, err);
	if (!r)
		return -(int)err->code;
	r->file = strdup(st->file);
	if (!r->file)
		return tsm_fail(err, TSM_E_NOMEM, CHECK, "out of memory");
	r->line = line;
	st->kind = SEC_RULE;
	st->rule = (size_t)(r - pol->rules);
	return 0;
}

static int once(struct pstate *st, const char *key, int line, struct tsm_error *err)
{
	for (size_t i = 0; i < st->nseen; i++)
		if (!strcmp(st->seen[i].key, key))
			return tsm_fail(err, TSM_E_CONFIG, CHECK,
					"duplicate key \"%s\" (first on line %d)", key,
					st->seen[i].line);
	if (st->nseen < sizeof(st->seen) / sizeof(st->seen[0])) {
		st->seen[st->nseen].key = key;	/* static strings only */
		st->seen[st->nseen++].line = line;
	}
	return 0;
}

static int parse_target(const char *v, enum tsm_target *t, struct tsm_error *err)
{
	if (!strcmp(v, "accept"))
		*t = TSM_TARGET_ACCEPT;
	else if (!strcmp(v, "deny"))
		*t = TSM_TARGET_DENY;
	else if (!strcmp(v, "audit"))
		*t = TSM_TARGET_AUDIT;
	else
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"bad target \"%s\" (accept, deny or audit)", v);
	return 0;
}

/* unverified = allow | deny (deny, the default, only for clarity). */
static int parse_unverified(const char *v, bool *allow, struct tsm_error *err)
{
	if (!strcmp(v, "allow"))
		*allow = true;
	else if (!strcmp(v, "deny"))
		*allow = false;
	else
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"unverified: bad value \"%s\" (allow or deny)", v);
	return 0;
}

/*
 * "alg:HEX" with the right length for alg. @out receives tsm_hash_len(alg)
 * bytes (32 when @only is TSM_HASH_SHA256), never more.
 */
static int parse_digest(const char *key, const char *v, enum tsm_hash only,
			enum tsm_hash *alg, uint8_t *out, struct tsm_error *err)
{
	uint8_t tmp[TSM_HASH_MAX_LEN];
	const char *colon = strchr(v, ':');
	char name[16];
	long n;

	if (!colon || (size_t)(colon - v) >= sizeof(name))
		goto bad;
	memcpy(name, v, (size_t)(colon - v));
	name[colon - v] = '\0';
	*alg = tsm_hash_from_name(name);
	if (*alg == TSM_HASH_NONE || (only != TSM_HASH_NONE && *alg != only))
		goto bad;
	n = tsm_unhex(colon + 1, tmp, sizeof(tmp));
	if (n != (long)tsm_hash_len(*alg))
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"%s: %s digest needs %zu hex digits", key, name,
				2 * tsm_hash_len(*alg));
	memcpy(out, tmp, (size_t)n);
	return 0;
bad:
	return tsm_fail(err, TSM_E_CONFIG, CHECK, "%s: bad value \"%s\" (expected %s:HEX)",
			key, v, only == TSM_HASH_SHA256 ? "sha256" : "sha256|sha384|sha512");
}

static int parse_bits(const char *key, const char *v, uint16_t *bits,
		      struct tsm_error *err)
{
	char buf[TSM_INI_MAX_LINE];
	char *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", v);
	*bits = 0;
	for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		uint16_t b = tsm_report_bit_from_name(tok);

		if (!b)
			return tsm_fail(err, TSM_E_CONFIG, CHECK,
					"%s: unknown bit \"%s\" (no-fw-update, dma-no-pasid, dma-pasid, ats, prs)",
					key, tok);
		*bits |= b;
	}
	if (!*bits)
		return tsm_fail(err, TSM_E_CONFIG, CHECK, "%s: empty value", key);
	return 0;
}

static int load_anchor(struct pstate *st, struct tsm_rule *r, const char *v,
		       struct tsm_error *err)
{
	char path[TSM_INI_MAX_LINE + 4096];
	int rc;

	if (!*v || strchr(v, '/') || !strcmp(v, ".") || !strcmp(v, ".."))
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"trust-anchor: \"%s\" must be a file name in the trust directory", v);
	if (!st->pol->trust_dir)
		return tsm_fail(err, TSM_E_CONFIG, CHECK, "trust-anchor: no trust directory set");
	for (size_t i = 0; i < r->nanchors; i++)
		if (!strcmp(r->anchor_names[i], v))
			return tsm_fail(err, TSM_E_CONFIG, CHECK,
					"trust-anchor \"%s\" named twice", v);
	if (!r->anchors) {
		r->anchors = sk_X509_new_null();
		if (!r->anchors)
			return tsm_fail(err, TSM_E_NOMEM, CHECK, "out of memory");
	}
	snprintf(path, sizeof(path), "%s/%s", st->pol->trust_dir, v);
	rc = tsm_load_pem_certs(path, r->anchors, err);
	if (rc) {
		tsm_error_prefix(err, "trust-anchor %s", v);
		return -TSM_E_CONFIG;
	}
	rc = tsm_rule_add_anchor(r, v);
	if (rc)
		return tsm_fail(err, -rc, CHECK, "trust-anchor: too many or out of memory");
	return 0;
}

static int match_key(struct pstate *st, struct tsm_rule *r, const char *key,
		     const char *v, int line, struct tsm_error *err)
{
	uint64_t n;
	enum tsm_hash alg;
	int rc;

	if (!strcmp(key, "match.vendor") || !strcmp(key, "match.device")) {
		bool vendor = key[6] == 'v';

		rc = once(st, vendor ? "match.vendor" : "match.device", line, err);
		if (rc)
			return rc;
		if (!tsm_parse_u64(v, 0xffff, &n))
			return tsm_fail(err, TSM_E_CONFIG, CHECK,
					"%s: bad value \"%s\" (16-bit number, e.g. 0x8086)", key, v);
		if (vendor)
			r->has_vendor = true, r->vendor = (uint16_t)n;
		else
			r->has_device = true, r->device = (uint16_t)n;
		return 0;
	}
	if (!strcmp(key, "match.class")) {
		rc = once(st, "match.class", line, err);
		if (rc)
			return rc;
		if (!tsm_parse_u64(v, 0xffffff, &n))
			return tsm_fail(err, TSM_E_CONFIG, CHECK,
					"%s: bad value \"%s\" (24-bit class code, e.g. 0x120000)",
					key, v);
		r->has_class = true;
		r->class_code = (uint32_t)n;
		return 0;
	}
	if (!strcmp(key, "match.root-fingerprint")) {
		rc = once(st, "match.root-fingerprint", line, err);
		if (rc)
			return rc;
		rc = parse_digest(key, v, TSM_HASH_SHA256, &alg, r->match_root, err);
		if (rc)
			return rc;
		r->has_match_root = true;
		return 0;
	}
	{
		static const char *const globs[] = {
			"match.address", "match.subject", "match.hwid",
		};
		char **fields[] = { &r->match_address, &r->match_subject, &r->match_hwid };

		for (size_t i = 0; i < 3; i++) {
			if (strcmp(key, globs[i]))
				continue;
			rc = once(st, globs[i], line, err);
			if (rc)
				return rc;
			if (!*v)
				return tsm_fail(err, TSM_E_CONFIG, CHECK, "%s: empty pattern", key);
			if (tsm_rule_set_string(fields[i], v))
				return tsm_fail(err, TSM_E_NOMEM, CHECK, "out of memory");
			return 0;
		}
	}
	return tsm_fail(err, TSM_E_CONFIG, CHECK, "unknown key \"%s\"", key);
}

static int rule_key(struct pstate *st, struct tsm_rule *r, const char *key,
		    const char *v, int line, struct tsm_error *err)
{
	uint8_t digest[TSM_HASH_MAX_LEN];
	enum tsm_hash alg;
	uint64_t n;
	int rc;

	if (!strncmp(key, "match.", 6))
		return match_key(st, r, key, v, line, err);
	if (!strcmp(key, "trust-anchor"))
		return load_anchor(st, r, v, err);
	if (!strcmp(key, "root-fingerprint")) {
		rc = once(st, "root-fingerprint", line, err);
		if (!rc)
			rc = parse_digest(key, v, TSM_HASH_SHA256, &alg, r->root_pin, err);
		if (!rc)
			r->has_root_pin = true;
		return rc;
	}
	if (!strcmp(key, "measurement.svn-min")) {
		rc = once(st, "measurement.svn-min", line, err);
		if (rc)
			return rc;
		if (!tsm_parse_u64(v, UINT64_MAX, &n))
			return tsm_fail(err, TSM_E_CONFIG, CHECK,
					"%s: bad value \"%s\" (a number)", key, v);
		r->has_svn_min = true;
		r->svn_min = n;
		return 0;
	}
	if (!strncmp(key, "measurement.", 12)) {
		const char *idx = key + 12;

		if (!isdigit((unsigned char)idx[0]) || idx[0] == '0' ||
		    strspn(idx, "0123456789") != strlen(idx) || strlen(idx) > 3 ||
		    !tsm_parse_u64(idx, 254, &n))
			return tsm_fail(err, TSM_E_CONFIG, CHECK,
					"unknown key \"%s\" (measurement index must be 1-254)", key);
		rc = parse_digest(key, v, TSM_HASH_NONE, &alg, digest, err);
		if (rc)
			return rc;
		rc = tsm_rule_add_meas(r, (uint8_t)n, alg, digest);
		if (rc)
			return tsm_fail(err, -rc, CHECK, "%s: too many references", key);
		r->meas[r->nmeas - 1].line = line;
		return 0;
	}
	if (!strcmp(key, "report.require") || !strcmp(key, "report.forbid")) {
		bool req = key[7] == 'r';

		rc = once(st, req ? "report.require" : "report.forbid", line, err);
		if (!rc)
			rc = parse_bits(key, v, req ? &r->report_require : &r->report_forbid, err);
		return rc;
	}
	if (!strcmp(key, "target")) {
		rc = once(st, "target", line, err);
		if (!rc)
			rc = parse_target(v, &r->target, err);
		if (!rc)
			r->has_target = true;
		return rc;
	}
	if (!strcmp(key, "unverified")) {
		rc = once(st, "unverified", line, err);
		if (!rc)
			rc = parse_unverified(v, &r->allow_unverified, err);
		return rc;
	}
	return tsm_fail(err, TSM_E_CONFIG, CHECK, "unknown key \"%s\"", key);
}

static int p_key(void *user, const char *section, const char *key,
		 const char *v, int line, struct tsm_error *err)
{
	struct pstate *st = user;
	int rc;

	(void)section;
	switch (st->kind) {
	case SEC_DEFAULT:
		if (!strcmp(key, "unverified")) {
			rc = once(st, "unverified", line, err);
			if (!rc)
				rc = parse_unverified(v, &st->pol->default_unverified, err);
			return rc;
		}
		if (strcmp(key, "target"))
			return tsm_fail(err, TSM_E_CONFIG, CHECK,
					"unknown key \"%s\" in [default] (only target and unverified)",
					key);
		rc = once(st, "target", line, err);
		if (!rc)
			rc = parse_target(v, &st->pol->default_target, err);
		if (!rc)
			st->default_target_seen = true;
		return rc;
	case SEC_RULE:
		return rule_key(st, &st->pol->rules[st->rule], key, v, line, err);
	default:
		return tsm_fail(err, TSM_E_CONFIG, CHECK,
				"key \"%s\" outside a [rule \"NAME\"] or [default] section", key);
	}
}

static const struct tsm_ini_ops policy_ops = {
	.section = p_section,
	.key = p_key,
};

int tsm_policy_parse_buffer(struct tsm_policy *pol, const char *name,
			    const char *buf, size_t len, struct tsm_error *err)
{
	struct pstate st = { .pol = pol, .file = name };
	int rc;

	rc = tsm_ini_parse(name, buf, len, &policy_ops, &st, err);
	if (rc)
		return rc;
	/* checks of the last section: report them at the end of the file */
	rc = finish_section(&st, err);
	if (rc) {
		int lines = 1;

		for (size_t i = 0; i < len; i++)
			if (buf[i] == '\n' && i + 1 < len)
				lines++;
		tsm_error_prefix(err, "%s:%d", name, lines);
	}
	return rc;
}

int tsm_policy_load_file(struct tsm_policy *pol, const char *path,
			 struct tsm_error *err)
{
	uint8_t *data;
	size_t len;
	int rc;

	rc = tsm_read_file(path, 1 << 20, &data, &len, err);
	if (rc)
		return rc == -TSM_E_NOMEM ? rc : -TSM_E_CONFIG;
	rc = tsm_policy_parse_buffer(pol, path, (const char *)data, len, err);
	free(data);
	return rc;
}

static int conf_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".conf");
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int tsm_policy_load_dir(const char *policy_dir, const char *trust_dir,
			struct tsm_policy **out, struct tsm_error *err)
{
	struct tsm_policy *pol = tsm_policy_new(trust_dir);
	struct dirent **list = NULL;
	int n, rc = 0;

	*out = NULL;
	if (!pol)
		return tsm_fail(err, TSM_E_NOMEM, CHECK, "out of memory");
	n = scandir(policy_dir, &list, conf_filter, name_cmp);
	if (n < 0) {
		if (errno == ENOENT) {
			*out = pol;
			return 0;
		}
		rc = tsm_fail(err, TSM_E_IO, CHECK, "%s: %s", policy_dir, strerror(errno));
		tsm_policy_free(pol);
		return rc;
	}
	for (int i = 0; i < n; i++) {
		char path[4096 + 256];

		if (!rc) {
			snprintf(path, sizeof(path), "%s/%s", policy_dir, list[i]->d_name);
			rc = tsm_policy_load_file(pol, path, err);
		}
		free(list[i]);
	}
	free(list);
	if (rc) {
		tsm_policy_free(pol);
		return rc;
	}
	*out = pol;
	return 0;
}
