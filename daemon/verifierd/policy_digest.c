// SPDX-License-Identifier: GPL-2.0-only
/*
 * Digest of the configuration and policy in force (policy_digest.h).
 * state.json records it with every decision; a restart keeps a recorded
 * decision only under the same digest.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "manager.h"
#include "policy_digest.h"

/* The loaded policy is shared by reference with the jobs judging against it. */
struct vd_policy *vd_policy_ref(struct vd_policy *p)
{
	if (p)
		atomic_fetch_add(&p->refs, 1);
	return p;
}

void vd_policy_unref(struct vd_policy *p)
{
	if (p && atomic_fetch_sub(&p->refs, 1) == 1) {
		tsm_policy_free(p->pol);
		free(p);
	}
}

static int digest_config(EVP_MD_CTX *ctx, const struct tsm_config *cfg)
{
	char buf[128];
	int n;

	/* the keys a decision depends on; the directories are in the policy */
	n = snprintf(buf, sizeof(buf), "mode=%d present=%d nonce=%d time=%d\n", cfg->mode,
		     cfg->present, cfg->nonce_required, cfg->time_check);
	return EVP_DigestUpdate(ctx, buf, n) == 1 ? 0 : -EIO;
}

/* Length-prefixed, so that "ab"+"c" and "a"+"bc" differ. */
static void put_field(FILE *f, const char *key, const void *v, size_t len)
{
	fprintf(f, "%s:%zu:", key, v ? len : (size_t)-1);
	if (v)
		fwrite(v, 1, len, f);
	fputc('\n', f);
}

static void put_string(FILE *f, const char *key, const char *v)
{
	put_field(f, key, v, v ? strlen(v) : 0);
}

/*
 * A rule the printer refuses (a value that would not read back) is
 * digested field by field: every field that takes part in a decision,
 * so that no change to it can leave the digest as it was.
 */
static void put_rule_fields(FILE *f, const struct tsm_rule *r)
{
	size_t i;

	fprintf(f, "!unprintable\n");
	put_string(f, "name", r->name);
	fprintf(f, "ids:%d:%04x:%d:%04x:%d:%06x\n", r->has_vendor, r->vendor, r->has_device,
		r->device, r->has_class, r->class_code);
	put_string(f, "address", r->match_address);
	put_string(f, "subject", r->match_subject);
	put_string(f, "hwid", r->match_hwid);
	put_field(f, "match-root", r->has_match_root ? r->match_root : NULL, 32);
	for (i = 0; i < r->nanchors; i++)
		put_string(f, "anchor", r->anchor_names[i]);
	put_field(f, "root-pin", r->has_root_pin ? r->root_pin : NULL, 32);
	for (i = 0; i < r->nmeas; i++) {
		fprintf(f, "meas:%u:%d:", r->meas[i].index, (int)r->meas[i].alg);
		put_field(f, "", r->meas[i].digest, tsm_hash_len(r->meas[i].alg));
	}
	fprintf(f, "svn:%d:%llu report:%u:%u unverified:%d target:%d:%d\n", r->has_svn_min,
		(unsigned long long)r->svn_min, r->report_require, r->report_forbid,
		r->allow_unverified, r->has_target, (int)r->target);
}

/*
 * The policy as the library's printer writes it back: what was parsed,
 * not comments or layout. Rule by rule, so that a rule the printer
 * refuses does not hide the rules and the [default] after it.
 */
static int digest_rules(EVP_MD_CTX *ctx, const struct tsm_policy *pol)
{
	char *text = NULL, *one = NULL;
	size_t len = 0, onelen = 0;
	FILE *f = open_memstream(&text, &len);
	size_t i;
	int r = 0;

	if (!f)
		return -ENOMEM;
	for (i = 0; i < pol->nrules; i++) {
		FILE *rf = open_memstream(&one, &onelen);
		int pr;

		if (!rf) {
			fclose(f);
			free(text);
			return -ENOMEM;
		}
		pr = tsm_rule_print(rf, &pol->rules[i]);
		if (fclose(rf) != 0)
			pr = -ENOMEM;
		if (pr == 0)
			fwrite(one, 1, onelen, f);
		else
			put_rule_fields(f, &pol->rules[i]);
		fputc('\n', f);
		free(one);
		one = NULL;
	}
	/* [default] as the evaluator sees it, given or not */
	fprintf(f, "[default]\nunverified = %s\ntarget = %s\n",
		pol->default_unverified ? "allow" : "deny",
		tsm_target_name(pol->has_default ? pol->default_target : TSM_TARGET_DENY));
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	if (EVP_DigestUpdate(ctx, text, len) != 1)
		r = -EIO;
	free(text);
	return r;
}

/* Anchors by content: replacing the certificate in a named file changes the digest. */
static int digest_anchors(EVP_MD_CTX *ctx, const struct tsm_policy *pol)
{
	size_t i;
	int j;

	for (i = 0; i < pol->nrules; i++) {
		const struct tsm_rule *rule = &pol->rules[i];

		for (j = 0; rule->anchors && j < sk_X509_num(rule->anchors); j++) {
			unsigned char *der = NULL;
			int len = i2d_X509(sk_X509_value(rule->anchors, j), &der);

			if (len < 0)
				return -EIO;
			if (EVP_DigestUpdate(ctx, "anchor", 6) != 1 ||
			    EVP_DigestUpdate(ctx, der, len) != 1) {
				OPENSSL_free(der);
				return -EIO;
			}
			OPENSSL_free(der);
		}
	}
	return 0;
}

int vd_policy_digest(const struct tsm_config *cfg, const struct tsm_policy *pol,
		     char out[VD_DIGEST_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r;

	out[0] = '\0';
	if (!ctx)
		return -ENOMEM;
	r = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
	if (!r)
		r = digest_config(ctx, cfg);
	if (!r)
		r = digest_rules(ctx, pol);
	if (!r)
		r = digest_anchors(ctx, pol);
	if (!r && EVP_DigestFinal_ex(ctx, md, &len) != 1)
		r = -EIO;
	EVP_MD_CTX_free(ctx);
	if (r)
		return r;
	for (i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}
