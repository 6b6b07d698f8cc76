// SPDX-License-Identifier: GPL-2.0-only
/* libtsm: SPDM certificate chain parser and certificate helpers. */
#include <limits.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "spdm_chain.h"


void tsm_chain_free(struct tsm_chain *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ncerts && i < TSM_CHAIN_MAX_CERTS; i++)
		X509_free(c->certs[i]);
	memset(c, 0, sizeof(*c));
}

/*
 * Length of the DER element at p (tag + length + contents), 0 when it is
 * not a SEQUENCE with a definite length that fits in @left bytes.
 * ASN1_get_object() reads the header; what is SPDM-specific is only that
 * certificates follow each other with nothing around them.
 */
static size_t der_element_len(const uint8_t *p, size_t left)
{
	const unsigned char *q = p;
	long body;
	int tag, xclass, ret;

	if (left < 2 || left > LONG_MAX)
		return 0;
	ERR_set_mark();
	ret = ASN1_get_object(&q, &body, &tag, &xclass, (long)left);
	ERR_pop_to_mark();
	/* 0x80: error or too long; 0x21: indefinite length */
	if ((ret & 0x80) || ret != V_ASN1_CONSTRUCTED || tag != V_ASN1_SEQUENCE ||
	    xclass != V_ASN1_UNIVERSAL || body < 0 || (size_t)body > left - (size_t)(q - p))
		return 0;
	return (size_t)(q - p) + (size_t)body;
}

/* Split data[off..len) into certificates; fill c->certs. */
static int split_certs(struct tsm_chain *c, const uint8_t *data, size_t len,
		       size_t off, struct tsm_error *err)
{
	while (off < len) {
		size_t n = der_element_len(data + off, len - off);
		const unsigned char *p = data + off;
		X509 *x;

		if (!n)
			return tsm_fail(err, TSM_E_PARSE, "chain.der",
					"certificate %zu at offset %zu: bad DER header or length past the end (%zu bytes left)",
					c->ncerts, off, len - off);
		if (c->ncerts == TSM_CHAIN_MAX_CERTS)
			return tsm_fail(err, TSM_E_PARSE, "chain.length",
					"more than %d certificates", TSM_CHAIN_MAX_CERTS);
		x = d2i_X509(NULL, &p, (long)n);
		if (!x)
			return tsm_fail(err, TSM_E_PARSE, "chain.der",
					"certificate %zu at offset %zu: not a valid X.509 certificate",
					c->ncerts, off);
		if ((size_t)(p - (data + off)) != n) {
			X509_free(x);
			return tsm_fail(err, TSM_E_PARSE, "chain.der",
					"certificate %zu at offset %zu: DER length disagrees with content",
					c->ncerts, off);
		}
		c->der[c->ncerts] = data + off;
		c->der_len[c->ncerts] = n;
		c->certs[c->ncerts++] = x;
		off += n;
	}
	if (!c->ncerts)
		return tsm_fail(err, TSM_E_PARSE, "chain.der", "no certificates after the root hash");
	return 0;
}

static int try_hash(struct tsm_chain *c, const uint8_t *data, size_t len,
		    enum tsm_hash h, struct tsm_error *err)
{
	size_t hl = tsm_hash_len(h);
	uint8_t digest[TSM_HASH_MAX_LEN];
	int rc;

	tsm_chain_free(c);
	c->data = data;
	c->len = len;
	c->hash = h;
	c->hash_len = hl;
	if (len < TSM_CHAIN_HDR_LEN + hl)
		return tsm_fail(err, TSM_E_PARSE, "chain.length",
				"%zu bytes: too short for the header and a %s root hash",
				len, tsm_hash_name(h));
	c->root_hash = data + TSM_CHAIN_HDR_LEN;
	rc = split_certs(c, data, len, TSM_CHAIN_HDR_LEN + hl, err);
	if (rc)
		return rc;
	c->first_is_root = !X509_NAME_cmp(X509_get_subject_name(c->certs[0]),
					  X509_get_issuer_name(c->certs[0]));
	if (!c->first_is_root)
		return 0;
	if (tsm_digest(h, c->der[0], c->der_len[0], digest))
		return tsm_fail(err, TSM_E_NOMEM, "chain", "digest failed");
	if (memcmp(digest, c->root_hash, hl)) {
		char want[2 * TSM_HASH_MAX_LEN + 1], got[2 * TSM_HASH_MAX_LEN + 1];

		return tsm_fail(err, TSM_E_CHAIN, "chain.root-hash",
				"root hash mismatch: header has %s:%s, root certificate hashes to %s",
				tsm_hash_name(h), tsm_hex(c->root_hash, hl, want, sizeof(want)),
				tsm_hex(digest, hl, got, sizeof(got)));
	}
	c->root_hash_ok = true;
	return 0;
}

int tsm_chain_parse(const uint8_t *data, size_t len, enum tsm_hash hash,
		    struct tsm_chain *out, struct tsm_error *err)
{
	static const enum tsm_hash order[] = {
		TSM_HASH_SHA256, TSM_HASH_SHA384, TSM_HASH_SHA512,
	};
	uint16_t total;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!data || len < TSM_CHAIN_HDR_LEN)
		return tsm_fail(err, TSM_E_PARSE, "chain.length",
				"%zu bytes: shorter than the 4-byte header", data ? len : 0);
	total = (uint16_t)(data[0] | data[1] << 8);
	if (total != len)
		return tsm_fail(err, TSM_E_PARSE, "chain.length",
				"length field says %u bytes, object has %zu", total, len);
	if (hash != TSM_HASH_NONE) {
		rc = try_hash(out, data, len, hash, err);
	} else {
		struct tsm_error first, e;
		int first_rc = 0;

		/* Report a root-hash mismatch if any length got that far, else
		 * the SHA-256 attempt's reason. */
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			rc = try_hash(out, data, len, order[i], &e);
			if (!rc)
				break;
			if (!first_rc || (rc == -TSM_E_CHAIN && first_rc != -TSM_E_CHAIN)) {
				first = e;
				first_rc = rc;
			}
		}
		if (rc) {
			rc = first_rc;
			if (err)
				*err = first;
		}
	}
	if (!rc && tsm_digest(TSM_HASH_SHA256, data, len, out->sha256))
		rc = tsm_fail(err, TSM_E_NOMEM, "chain", "digest failed");
	if (rc)
		tsm_chain_free(out);
	return rc;
}

static int name_string(X509_NAME *name, char *buf, size_t bufsz)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (!bufsz)
		return -TSM_E_INVAL;
	buf[0] = '\0';
	if (!bio)
		return -TSM_E_NOMEM;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0) {
		BIO_free(bio);
		return -TSM_E_PARSE;
	}
	n = BIO_get_mem_data(bio, &p);
	if (n < 0)
		n = 0;
	if ((size_t)n >= bufsz)
		n = (long)bufsz - 1;
	memcpy(buf, p, (size_t)n);
	buf[n] = '\0';
	BIO_free(bio);
	return 0;
}

int tsm_chain_subject(const struct tsm_chain *c, size_t i, char *buf,
		      size_t bufsz)
{
	if (i >= c->ncerts)
		return -TSM_E_INVAL;
	return name_string(X509_get_subject_name(c->certs[i]), buf, bufsz);
}

int tsm_chain_issuer(const struct tsm_chain *c, size_t i, char *buf,
		     size_t bufsz)
{
	if (i >= c->ncerts)
		return -TSM_E_INVAL;
	return name_string(X509_get_issuer_name(c->certs[i]), buf, bufsz);
}

int tsm_chain_leaf_hwid(const struct tsm_chain *c, char *buf, size_t bufsz)
{
	X509 *leaf = tsm_chain_leaf(c);
	GENERAL_NAMES *names;
	ASN1_OBJECT *oid;
	int rc = -TSM_E_PARSE;

	if (!bufsz)
		return -TSM_E_INVAL;
	buf[0] = '\0';
	if (!leaf)
		return -TSM_E_PARSE;
	oid = OBJ_txt2obj(TSM_DMTF_HWID_OID, 1);
	if (!oid)
		return -TSM_E_NOMEM;
	names = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		ASN1_TYPE *v;
		const unsigned char *s;
		int n;

		if (gn->type != GEN_OTHERNAME || OBJ_cmp(gn->d.otherName->type_id, oid))
			continue;
		v = gn->d.otherName->value;
		if (!v || (v->type != V_ASN1_UTF8STRING && v->type != V_ASN1_PRINTABLESTRING &&
			   v->type != V_ASN1_IA5STRING && v->type != V_ASN1_OCTET_STRING))
			continue;
		s = ASN1_STRING_get0_data(v->value.asn1_string);
		n = ASN1_STRING_length(v->value.asn1_string);
		if (n < 0 || memchr(s, '\0', (size_t)n))
			continue;
		if ((size_t)n >= bufsz)
			n = (int)bufsz - 1;
		memcpy(buf, s, (size_t)n);
		buf[n] = '\0';
		rc = 0;
		break;
	}
	GENERAL_NAMES_free(names);
	ASN1_OBJECT_free(oid);
	return rc;
}

int tsm_chain_fingerprint(const struct tsm_chain *c, size_t i, uint8_t out[32])
{
	if (i >= c->ncerts)
		return -TSM_E_INVAL;
	return tsm_digest(TSM_HASH_SHA256, c->der[i], c->der_len[i], out);
}
