// SPDX-License-Identifier: GPL-2.0-only
/*
 * fixture_gen: the fixture tree for the verifier tests (see fixture_gen.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "fixture_gen.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/rand.h>

#include "pki.h"

/* ---- the cases ------------------------------------------------------------ */

enum case_id {
	C_GOOD,
	C_BAD_SIGNATURE,
	C_VCA_TAMPERED,
	C_WRONG_ROOT,
	C_MISSING_INTERMEDIATE,
	C_TRUNCATED_CHAIN,
	C_CHAIN_LENGTH_LONG,
	C_CHAIN_LENGTH_SHORT,
	C_ROOT_HASH_MISMATCH,
	C_OVERSIZED_CHAIN,
	C_RECORD_LENGTH_LONG,
	C_RECORD_LENGTH_SHORT,
	C_TRAILING_DATA,
	C_TRUNCATED_MEASUREMENTS,
	C_STALE_NONCE,
	C_EXPIRED,
	C_MEASUREMENT_MISMATCH,
	C_SVN_TOO_LOW,
	C_MISSING_DIGITAL_SIGNATURE,
	C_CHAIN_OUT_OF_ORDER,
	C_LEAF_CA,
	C_REQUESTER_ONLY_EKU,
	C_INTERMEDIATE_NO_CERTSIGN,
	C_PATH_LENGTH_EXCEEDED,
	C_COUNT,
};

struct case_def {
	const char *name;
	const char *expect;	/* accept | deny */
	const char *code;	/* daemon-lib result name */
	const char *detail;	/* check id of spdm_check.c */
	const char *needs;	/* preconditions of the verdict, "-" for none */
};

static const struct case_def cases[C_COUNT] = {
	[C_GOOD] = { "good", "accept", "ok", "ok", "-" },
	[C_BAD_SIGNATURE] = { "bad-signature", "deny", "signature",
			      "measurements.signature", "-" },
	[C_VCA_TAMPERED] = { "vca-tampered", "deny", "signature",
			     "measurements.signature", "-" },
	[C_WRONG_ROOT] = { "wrong-root", "deny", "chain", "chain.untrusted", "-" },
	/* root then leaf: the leaf is not issued by certificate 0 (DSP0274 order) */
	[C_MISSING_INTERMEDIATE] = { "missing-intermediate", "deny", "chain",
				     "chain.order", "-" },
	[C_TRUNCATED_CHAIN] = { "truncated-chain", "deny", "parse", "chain.der", "-" },
	[C_CHAIN_LENGTH_LONG] = { "chain-length-long", "deny", "parse",
				  "chain.length", "-" },
	[C_CHAIN_LENGTH_SHORT] = { "chain-length-short", "deny", "parse",
				   "chain.length", "-" },
	[C_ROOT_HASH_MISMATCH] = { "root-hash-mismatch", "deny", "chain",
				   "chain.root-hash", "-" },
	[C_OVERSIZED_CHAIN] = { "oversized-chain", "deny", "parse", "chain.length",
				"big-object" },
	[C_RECORD_LENGTH_LONG] = { "record-length-long", "deny", "parse",
				   "measurements.record-length", "-" },
	[C_RECORD_LENGTH_SHORT] = { "record-length-short", "deny", "parse",
				    "measurements.block", "-" },
	[C_TRAILING_DATA] = { "trailing-data", "deny", "parse",
			      "measurements.length", "-" },
	[C_TRUNCATED_MEASUREMENTS] = { "truncated-measurements", "deny", "parse",
				       "measurements.length", "-" },
	[C_STALE_NONCE] = { "stale-nonce", "deny", "nonce", "measurements.nonce",
			    "nonce" },
	[C_EXPIRED] = { "expired", "deny", "chain", "chain.expired", "time-check" },
	[C_MEASUREMENT_MISMATCH] = { "measurement-mismatch", "deny", "measurement",
				     "measurement.value", "-" },
	[C_SVN_TOO_LOW] = { "svn-too-low", "deny", "measurement", "measurement.svn",
			    "-" },
	[C_MISSING_DIGITAL_SIGNATURE] = { "missing-digital-signature", "deny",
					  "chain", "chain.key-usage", "-" },
	[C_CHAIN_OUT_OF_ORDER] = { "chain-out-of-order", "deny", "chain", "chain.order",
				   "-" },
	[C_LEAF_CA] = { "leaf-ca", "deny", "chain", "chain.leaf-ca", "-" },
	[C_REQUESTER_ONLY_EKU] = { "requester-only-eku", "deny", "chain", "chain.leaf-eku",
				   "-" },
	[C_INTERMEDIATE_NO_CERTSIGN] = { "intermediate-no-certsign", "deny", "chain",
					 "chain.ca", "-" },
	[C_PATH_LENGTH_EXCEEDED] = { "path-length-exceeded", "deny", "chain",
				     "chain.path-length", "-" },
};

/* ---- PKI per key family ---------------------------------------------------- */

enum { FAM_P256, FAM_P384, FAM_RSA, FAM_COUNT };

struct pki_set {
	bool ready;
	EVP_PKEY *root_key, *int_key, *leaf_key;
	EVP_PKEY *o_root_key, *o_int_key, *o_leaf_key;
	X509 *root, *inter, *leaf, *leaf_expired, *leaf_noku;
	X509 *o_root, *o_inter, *o_leaf;
	/* bad chains: profile deviations */
	X509 *leaf_ca, *leaf_requester, *inter_nocs, *leaf_under_nocs, *inter2, *leaf_under2;
	bool good_leaf_expired;		/* --not-after in the past */
};

static int family(const struct spdm_alg *alg)
{
	return alg->id == SPDM_ALG_P256 ? FAM_P256 :
	       alg->id == SPDM_ALG_P384 ? FAM_P384 : FAM_RSA;
}

static void pki_set_free(struct pki_set *s)
{
	EVP_PKEY *keys[] = { s->root_key, s->int_key, s->leaf_key, s->o_root_key,
			     s->o_int_key, s->o_leaf_key };
	X509 *certs[] = { s->root, s->inter, s->leaf, s->leaf_expired,
			  s->leaf_noku, s->o_root, s->o_inter, s->o_leaf,
			  s->leaf_ca, s->leaf_requester, s->inter_nocs,
			  s->leaf_under_nocs, s->inter2, s->leaf_under2 };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		EVP_PKEY_free(keys[i]);
	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
		X509_free(certs[i]);
	memset(s, 0, sizeof(*s));
}

static X509 *issue(const struct spdm_alg *alg, enum pki_role role,
		   const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
		   long days, const char *nb, const char *na, const char *hwid,
		   bool noku)
{
	struct pki_cert_opts o = {
		.role = role, .cn = cn, .key = key, .issuer = issuer,
		.issuer_key = ikey, .days = days, .not_before = nb,
		.not_after = na, .hwid = hwid, .no_digital_signature = noku,
	};

	return pki_issue(alg, &o);
}

/*
 * Certificates that break the SPDM certificate profile in one way each:
 * a leaf that is a CA, a leaf for requester authentication only, an
 * intermediate without keyCertSign (same name and key as the good one,
 * with a leaf under it), and a second intermediate below the good one,
 * whose pathlen:0 it exceeds. Every leaf has the good leaf's key, so the
 * MEASUREMENTS signature is fine and only the chain is wrong.
 */
static int make_bad_chains(const struct spdm_alg *alg, const struct gen_opts *o,
			   struct pki_set *s, char cn[3][96])
{
	struct pki_cert_opts lo = {
		.role = PKI_LEAF, .cn = cn[2], .key = s->leaf_key, .issuer = s->inter,
		.issuer_key = s->int_key, .days = 3650, .hwid = o->hwid,
	};
	struct pki_cert_opts io = {
		.role = PKI_INTERMEDIATE, .cn = cn[1], .key = s->int_key, .issuer = s->root,
		.issuer_key = s->root_key, .days = 3650, .no_cert_sign = true,
	};

	lo.leaf_ca = true;
	s->leaf_ca = pki_issue(alg, &lo);
	lo.leaf_ca = false;
	lo.leaf_eku = OID_DMTF_EKU_REQUESTER_AUTH;
	s->leaf_requester = pki_issue(alg, &lo);
	lo.leaf_eku = NULL;
	s->inter_nocs = pki_issue(alg, &io);
	lo.issuer = s->inter_nocs;
	s->leaf_under_nocs = s->inter_nocs ? pki_issue(alg, &lo) : NULL;
	io.no_cert_sign = false;
	io.cn = "pci-tsm test second intermediate CA";
	io.issuer = s->inter;
	io.issuer_key = s->int_key;
	io.key = s->leaf_key;	/* any key will do; this CA signs one leaf */
	s->inter2 = pki_issue(alg, &io);
	lo.issuer = s->inter2;
	lo.issuer_key = s->leaf_key;
	s->leaf_under2 = s->inter2 ? pki_issue(alg, &lo) : NULL;
	return s->leaf_ca && s->leaf_requester && s->leaf_under_nocs && s->leaf_under2 ? 0 : -1;
}

static int pki_set_make(const struct spdm_alg *alg, const struct gen_opts *o,
			struct pki_set *s)
{
	const char *fam = alg->rsa ? "rsa3072" : alg->name;
	char cn[3][96], ocn[3][96];

	snprintf(cn[0], sizeof(cn[0]), "pci-tsm test root CA %s", fam);
	snprintf(cn[1], sizeof(cn[1]), "pci-tsm test intermediate CA %s", fam);
	snprintf(cn[2], sizeof(cn[2]), "pci-tsm test device %s", fam);
	snprintf(ocn[0], sizeof(ocn[0]), "pci-tsm OTHER root CA %s", fam);
	snprintf(ocn[1], sizeof(ocn[1]), "pci-tsm OTHER intermediate CA %s", fam);
	snprintf(ocn[2], sizeof(ocn[2]), "pci-tsm OTHER device %s", fam);

	s->root_key = pki_keygen(alg);
	s->int_key = pki_keygen(alg);
	s->leaf_key = pki_keygen(alg);
	s->o_root_key = pki_keygen(alg);
	s->o_int_key = pki_keygen(alg);
	s->o_leaf_key = pki_keygen(alg);
	if (!s->root_key || !s->int_key || !s->leaf_key || !s->o_root_key ||
	    !s->o_int_key || !s->o_leaf_key)
		return -1;
	s->root = issue(alg, PKI_ROOT, cn[0], s->root_key, NULL, NULL, 7300,
			NULL, NULL, NULL, false);
	s->inter = s->root ? issue(alg, PKI_INTERMEDIATE, cn[1], s->int_key,
				   s->root, s->root_key, 3650, NULL, NULL, NULL,
				   false) : NULL;
	if (!s->inter)
		return -1;
	s->leaf = issue(alg, PKI_LEAF, cn[2], s->leaf_key, s->inter, s->int_key,
			3650, NULL, o->not_after, o->hwid, false);
	s->leaf_expired = issue(alg, PKI_LEAF, cn[2], s->leaf_key, s->inter,
				s->int_key, 0, "20200101000000Z",
				"20210101000000Z", o->hwid, false);
	s->leaf_noku = issue(alg, PKI_LEAF, cn[2], s->leaf_key, s->inter,
			     s->int_key, 3650, NULL, NULL, o->hwid, true);
	s->o_root = issue(alg, PKI_ROOT, ocn[0], s->o_root_key, NULL, NULL, 7300,
			  NULL, NULL, NULL, false);
	s->o_inter = s->o_root ? issue(alg, PKI_INTERMEDIATE, ocn[1], s->o_int_key,
				       s->o_root, s->o_root_key, 3650, NULL, NULL,
				       NULL, false) : NULL;
	s->o_leaf = s->o_inter ? issue(alg, PKI_LEAF, ocn[2], s->o_leaf_key,
				       s->o_inter, s->o_int_key, 3650, NULL, NULL,
				       o->hwid, false) : NULL;
	if (!s->leaf || !s->leaf_expired || !s->leaf_noku || !s->o_leaf ||
	    make_bad_chains(alg, o, s, cn))
		return -1;
	s->good_leaf_expired =
		X509_cmp_current_time(X509_get0_notAfter(s->leaf)) < 0;
	s->ready = true;
	return 0;
}

/* ---- output helpers ------------------------------------------------------- */

static int mkdir_p(const char *path)
{
	char tmp[4096];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -1;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

static char *pathf(char *buf, size_t sz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static char *pathf(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
	return buf;
}

static int write_hex_file(const char *path, const uint8_t *d, size_t len)
{
	char hex[2 * 64 + 2];

	if (len > 64)
		return -1;
	hex_encode(d, len, hex);
	strcat(hex, "\n");
	return file_write(path, hex, strlen(hex));
}

static int write_policy(const char *path, const struct spdm_alg *alg,
			const struct gen_opts *o, const struct spdm_meas_set *ref,
			const char *case_name)
{
	FILE *f = fopen(path, "w");
	uint64_t svn;

	if (!f)
		return -1;
	fprintf(f, "# Policy for fixture %s/%s (docs/ABI.md 7.2).\n", alg->name,
		case_name);
	fprintf(f, "# Install anchor.pem as <trust-dir>/fixture-%s-root.pem.\n",
		alg->name);
	fprintf(f, "[rule \"fixture-%s\"]\n", alg->name);
	fprintf(f, "match.hwid = %s\n", o->hwid);
	fprintf(f, "trust-anchor = fixture-%s-root.pem\n", alg->name);
	for (size_t i = 0; i < ref->n; i++) {
		char hex[2 * SPDM_MEAS_VAL_MAX + 1];

		if (ref->b[i].type & SPDM_DMTF_TYPE_RAW)
			continue;
		hex_encode(ref->b[i].val, ref->b[i].len, hex);
		fprintf(f, "measurement.%u = %s:%s\n", ref->b[i].index,
			alg->hash_len == 32 ? "sha256" : "sha384", hex);
	}
	if (spdm_meas_get_svn(ref, &svn))
		fprintf(f, "measurement.svn-min = %" PRIu64 "\n", svn);
	fprintf(f, "target = accept\n\n[default]\ntarget = deny\n");
	return fclose(f) ? -1 : 0;
}

/* ---- one case ------------------------------------------------------------- */

struct gen_ctx {
	const struct gen_opts *o;
	const struct spdm_alg *alg;
	struct pki_set *pki;
	const uint8_t *vca;
	size_t vca_len;
	struct spdm_meas_set good;	/* reference values */
	FILE *manifest;
	char *msg;
	size_t msgsz;
};

struct case_out {
	X509 *chain[4];
	size_t nchain;
	X509 *leaf;
	EVP_PKEY *key;
	struct spdm_meas_set values;
	struct spdm_meas_opts mo;
	uint8_t other_nonce[SPDM_NONCE_LEN];
	struct buf cert0, vca, meas;
};

static void chain_set(struct case_out *c, X509 *a, X509 *b, X509 *leaf)
{
	c->nchain = 0;
	c->chain[c->nchain++] = a;
	if (b)
		c->chain[c->nchain++] = b;
	c->chain[c->nchain++] = leaf;
	c->leaf = leaf;
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Post-build edits of the chain object. */
static int edit_chain(enum case_id id, struct buf *c)
{
	size_t cut;
	unsigned int len = c->p[0] | c->p[1] << 8;

	switch (id) {
	case C_TRUNCATED_CHAIN:
		/* cut into the leaf, header consistent with the cut */
		cut = c->len - 100;
		c->len = cut;
		put16(c->p, (unsigned int)cut);
		break;
	case C_CHAIN_LENGTH_LONG:
		put16(c->p, len + 16);
		break;
	case C_CHAIN_LENGTH_SHORT:
		put16(c->p, len - 16);
		break;
	case C_ROOT_HASH_MISMATCH:
		c->p[4] ^= 0x80;
		break;
	case C_OVERSIZED_CHAIN: {
		/* a chain object over 64 KiB: junk after the certificates */
		size_t pad = 65536 + 4096 - c->len;
		uint8_t *junk = malloc(pad);

		if (!junk)
			return -1;
		fixture_pattern(junk, pad, 7);
		buf_put(c, junk, pad);
		free(junk);
		break;
	}
	default:
		break;
	}
	return c->oom ? -1 : 0;
}

static int build_case(struct gen_ctx *g, enum case_id id, struct case_out *c)
{
	struct pki_set *s = g->pki;

	chain_set(c, s->root, s->inter, s->leaf);
	c->key = s->leaf_key;
	c->values = g->good;
	c->mo.nonce = g->o->nonce;
	switch (id) {
	case C_WRONG_ROOT:
		chain_set(c, s->o_root, s->o_inter, s->o_leaf);
		c->key = s->o_leaf_key;
		break;
	case C_MISSING_INTERMEDIATE:
		chain_set(c, s->root, NULL, s->leaf);
		break;
	case C_EXPIRED:
		chain_set(c, s->root, s->inter, s->leaf_expired);
		break;
	case C_MISSING_DIGITAL_SIGNATURE:
		chain_set(c, s->root, s->inter, s->leaf_noku);
		break;
	case C_CHAIN_OUT_OF_ORDER:
		/* intermediate before root; the leaf stays last so the rule still matches */
		chain_set(c, s->inter, s->root, s->leaf);
		break;
	case C_LEAF_CA:
		chain_set(c, s->root, s->inter, s->leaf_ca);
		break;
	case C_REQUESTER_ONLY_EKU:
		chain_set(c, s->root, s->inter, s->leaf_requester);
		break;
	case C_INTERMEDIATE_NO_CERTSIGN:
		chain_set(c, s->root, s->inter_nocs, s->leaf_under_nocs);
		break;
	case C_PATH_LENGTH_EXCEEDED:
		chain_set(c, s->root, s->inter, s->inter2);
		c->chain[c->nchain++] = s->leaf_under2;
		c->leaf = s->leaf_under2;
		break;
	case C_BAD_SIGNATURE:
		c->mo.corrupt_sig = true;
		break;
	case C_RECORD_LENGTH_LONG:
		c->mo.record_len_delta = 16;
		break;
	case C_RECORD_LENGTH_SHORT:
		c->mo.record_len_delta = -4;
		break;
	case C_STALE_NONCE:
		if (RAND_bytes(c->other_nonce, sizeof(c->other_nonce)) != 1)
			return -1;
		c->mo.nonce = c->other_nonce;
		break;
	case C_MEASUREMENT_MISMATCH: {
		uint8_t d[EVP_MAX_MD_SIZE];
		size_t n;
		const char *t = "pci-tsm fixture measurement 2 (tampered)";

		if (digest(g->alg->md, t, strlen(t), d, &n) ||
		    spdm_meas_set_digest(&c->values, 2, d, n))
			return -1;
		break;
	}
	case C_SVN_TOO_LOW:
		spdm_meas_set_svn(&c->values, g->o->svn - 1);
		break;
	default:
		break;
	}
	if (spdm_build_chain(g->alg, c->chain, c->nchain, &c->cert0) ||
	    edit_chain(id, &c->cert0))
		return -1;
	buf_put(&c->vca, g->vca, g->vca_len);
	if (c->vca.oom ||
	    spdm_build_measurements(g->alg, c->key, g->vca, g->vca_len, &c->values,
				    &c->mo, &c->meas))
		return -1;
	if (id == C_VCA_TAMPERED)
		c->vca.p[4 + 8 + 20 + 5] ^= 0x01;	/* CAPABILITIES CTExponent */
	if (id == C_TRAILING_DATA)
		buf_put_zero(&c->meas, 16);
	if (id == C_TRUNCATED_MEASUREMENTS)
		c->meas.len -= 10;
	return c->meas.oom ? -1 : 0;
}

static int write_case(struct gen_ctx *g, enum case_id id)
{
	const struct case_def *d = &cases[id];
	struct case_out c = { 0 };
	char dir[4096], p[4200];
	int rc = -1;

	pathf(dir, sizeof(dir), "%s/%s/%s", g->o->out, g->alg->name, d->name);
	if (mkdir_p(dir) || build_case(g, id, &c))
		goto out;
	if (file_write(pathf(p, sizeof(p), "%s/cert0.bin", dir), c.cert0.p, c.cert0.len) ||
	    file_write(pathf(p, sizeof(p), "%s/vca.bin", dir), c.vca.p, c.vca.len) ||
	    file_write(pathf(p, sizeof(p), "%s/measurements.bin", dir), c.meas.p,
		       c.meas.len) ||
	    write_hex_file(pathf(p, sizeof(p), "%s/nonce.hex", dir), g->o->nonce,
			   SPDM_NONCE_LEN) ||
	    pki_write_cert(pathf(p, sizeof(p), "%s/anchor.pem", dir), g->pki->root) ||
	    pki_write_cert(pathf(p, sizeof(p), "%s/leaf.pem", dir), c.leaf) ||
	    pki_write_key(pathf(p, sizeof(p), "%s/leaf.key", dir), c.key) ||
	    spdm_meas_save(&g->good, pathf(p, sizeof(p), "%s/reference.txt", dir),
			   "svn-min") ||
	    spdm_meas_save(&c.values, pathf(p, sizeof(p), "%s/values.txt", dir), "svn") ||
	    write_policy(pathf(p, sizeof(p), "%s/policy.conf", dir), g->alg, g->o,
			 &g->good, d->name))
		goto out;
	if (id == C_GOOD && g->pki->good_leaf_expired) {
		fprintf(g->manifest, "case %s/%s deny chain chain.expired time-check\n",
			g->alg->name, d->name);
	} else if (g->pki->good_leaf_expired && c.leaf == g->pki->leaf) {
		/* --not-after in the past: the case's own defect shows only
		 * when the verifier ignores validity periods */
		fprintf(g->manifest, "case %s/%s %s %s %s %s%sno-time-check\n",
			g->alg->name, d->name, d->expect, d->code, d->detail,
			strcmp(d->needs, "-") ? d->needs : "",
			strcmp(d->needs, "-") ? "," : "");
	} else {
		fprintf(g->manifest, "case %s/%s %s %s %s %s\n", g->alg->name,
			d->name, d->expect, d->code, d->detail, d->needs);
	}
	rc = 0;
out:
	if (rc)
		snprintf(g->msg, g->msgsz, "%s/%s: cannot build or write: %s",
			 g->alg->name, d->name, errno ? strerror(errno) : "OpenSSL error");
	buf_free(&c.cert0);
	buf_free(&c.vca);
	buf_free(&c.meas);
	return rc;
}

/* ---- per algorithm ---------------------------------------------------------- */

static int gen_alg(struct gen_ctx *g)
{
	const struct gen_opts *o = g->o;
	struct buf vca = { 0 };
	char dir[4096], p[4200];
	int rc = -1;

	if (spdm_meas_default(g->alg, o->svn, &g->good))
		goto out;
	for (size_t i = 0; i < o->n_meas_args; i++)
		if (spdm_meas_parse_arg(g->alg, o->meas_args[i], &g->good, g->msg,
					g->msgsz))
			return -1;
	if (spdm_build_vca(g->alg, &vca))
		goto out;
	g->vca = vca.p;
	g->vca_len = vca.len;
	pathf(dir, sizeof(dir), "%s/%s", o->out, g->alg->name);
	if (mkdir_p(dir) ||
	    pki_write_cert(pathf(p, sizeof(p), "%s/root.pem", dir), g->pki->root) ||
	    pki_write_cert(pathf(p, sizeof(p), "%s/intermediate.pem", dir),
			   g->pki->inter) ||
	    pki_write_cert(pathf(p, sizeof(p), "%s/leaf.pem", dir), g->pki->leaf) ||
	    pki_write_key(pathf(p, sizeof(p), "%s/leaf.key", dir), g->pki->leaf_key) ||
	    pki_write_cert(pathf(p, sizeof(p), "%s/other-root.pem", dir),
			   g->pki->o_root) ||
	    file_write(pathf(p, sizeof(p), "%s/vca.bin", dir), vca.p, vca.len))
		goto out;
	for (int id = 0; id < C_COUNT; id++) {
		if (id == C_SVN_TOO_LOW && o->svn == 0)
			continue;
		if (write_case(g, (enum case_id)id)) {
			buf_free(&vca);
			return -1;
		}
		if (o->verbose)
			fprintf(stderr, "spdm-fixture: %s/%s\n", g->alg->name,
				cases[id].name);
	}
	rc = 0;
out:
	if (rc)
		snprintf(g->msg, g->msgsz, "%s: cannot build or write %s", g->alg->name,
			 dir);
	buf_free(&vca);
	return rc;
}

void fixture_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

static int write_blob(const char *out, FILE *manifest, const char *name,
		      size_t len, uint32_t seed)
{
	char p[4200], hex[65];
	uint8_t h[32];
	uint8_t *b = malloc(len);
	int rc = -1;

	if (!b)
		return -1;
	fixture_pattern(b, len, seed);
	if (!digest("SHA256", b, len, h, NULL) &&
	    !file_write(pathf(p, sizeof(p), "%s/big/%s", out, name), b, len)) {
		hex_encode(h, 32, hex);
		fprintf(manifest, "blob big/%s %zu %s\n", name, len, hex);
		rc = 0;
	}
	free(b);
	return rc;
}

int fixture_gen(const struct gen_opts *o, char *msg, size_t msgsz)
{
	struct pki_set pki[FAM_COUNT] = { 0 };
	char p[4200];
	FILE *mf = NULL;
	int rc = -1;

	msg[0] = '\0';
	if (!o->out || !o->hwid) {
		snprintf(msg, msgsz, "no output directory or hardware identity");
		return -1;
	}
	if (mkdir_p(o->out)) {
		snprintf(msg, msgsz, "%s: %s", o->out, strerror(errno));
		return -1;
	}
	if (write_hex_file(pathf(p, sizeof(p), "%s/nonce.hex", o->out), o->nonce,
			   SPDM_NONCE_LEN))
		goto io;
	mf = fopen(pathf(p, sizeof(p), "%s/manifest.txt.tmp", o->out), "w");
	if (!mf)
		goto io;
	fprintf(mf, "# pci-tsm fixture manifest, format 1 (tests/tools/README.md)\n"
		    "# case <dir> <expect> <code> <detail> <needs>\n"
		    "# blob <file> <bytes> <sha256>\n");
	for (int a = 0; a < SPDM_ALG_COUNT; a++) {
		const struct spdm_alg *alg = spdm_alg((enum spdm_alg_id)a);
		struct gen_ctx g = { .o = o, .alg = alg, .manifest = mf, .msg = msg,
				     .msgsz = msgsz };

		if (!(o->algs & (1u << a)))
			continue;
		g.pki = &pki[family(alg)];
		if (!g.pki->ready && pki_set_make(alg, o, g.pki)) {
			snprintf(msg, msgsz, "%s: cannot create the test PKI", alg->name);
			goto out;
		}
		if (gen_alg(&g))
			goto out;
	}
	if (!o->no_big) {
		if (mkdir_p(pathf(p, sizeof(p), "%s/big", o->out)) ||
		    write_blob(o->out, mf, "blob-64k.bin", 65536 + 4096, 1) ||
		    write_blob(o->out, mf, "blob-16m.bin", 16u << 20, 2))
			goto io;
	}
	if (fclose(mf)) {
		mf = NULL;
		goto io;
	}
	mf = NULL;
	{
		char to[4200];

		if (rename(pathf(p, sizeof(p), "%s/manifest.txt.tmp", o->out),
			   pathf(to, sizeof(to), "%s/manifest.txt", o->out)))
			goto io;
	}
	rc = 0;
	goto out;
io:
	snprintf(msg, msgsz, "%s: %s", o->out, strerror(errno));
out:
	if (mf)
		fclose(mf);
	for (int i = 0; i < FAM_COUNT; i++)
		pki_set_free(&pki[i]);
	return rc;
}
