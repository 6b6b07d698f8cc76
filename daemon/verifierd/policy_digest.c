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

static int digest_rules(EVP_MD_CTX *ctx, const struct tsm_policy *pol)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r = 0;

	if (!f)
		return -ENOMEM;
	/* a rule the printer cannot render still counts, by its position */
	if (tsm_policy_print(f, pol) < 0)
		fprintf(f, "\n!unprintable\n");
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
