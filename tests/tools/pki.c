// SPDX-License-Identifier: GPL-2.0-only
/*
 * pki: test certificate authority for the SPDM fixtures (see pki.h).
 */
#include "pki.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

EVP_PKEY *pki_keygen(const struct spdm_alg *alg)
{
	if (alg->rsa)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", alg->curve);
}

static int add_conf_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok = e && X509_add_ext(x, e, -1);

	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

/* subjectAltName with one otherName: DMTF device info as a UTF8String. */
static int add_hwid_san(X509 *x, const char *hwid)
{
	GENERAL_NAMES *names = GENERAL_NAMES_new();
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_OBJECT *oid = OBJ_txt2obj(OID_DMTF_DEVICE_INFO, 1);
	ASN1_TYPE *val = ASN1_TYPE_new();
	ASN1_UTF8STRING *s = ASN1_UTF8STRING_new();
	int rc = -1;

	if (!names || !gn || !oid || !val || !s ||
	    !ASN1_STRING_set(s, hwid, (int)strlen(hwid)))
		goto out;
	ASN1_TYPE_set(val, V_ASN1_UTF8STRING, s);
	s = NULL;
	if (!GENERAL_NAME_set0_othername(gn, oid, val))
		goto out;
	oid = NULL;
	val = NULL;
	if (!sk_GENERAL_NAME_push(names, gn))
		goto out;
	gn = NULL;
	if (X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0,
			      X509V3_ADD_DEFAULT) == 1)
		rc = 0;
out:
	ASN1_UTF8STRING_free(s);
	ASN1_TYPE_free(val);
	ASN1_OBJECT_free(oid);
	GENERAL_NAME_free(gn);
	GENERAL_NAMES_free(names);
	return rc;
}

/*
 * The SPDM extension (id-DMTF-SPDM-extension): SEQUENCE OF SEQUENCE { OID },
 * here naming id-DMTF-hardware-identity, i.e. the certificate's serial
 * number identifies the hardware.
 */
static int add_spdm_extension(X509 *x)
{
	ASN1_OBJECT *ext_oid = OBJ_txt2obj(OID_DMTF_SPDM_EXTENSION, 1);
	ASN1_OBJECT *hw_oid = OBJ_txt2obj(OID_DMTF_HARDWARE_IDENTITY, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e = NULL;
	unsigned char der[64], *p;
	int oid_len, rc = -1;

	if (!ext_oid || !hw_oid || !os)
		goto out;
	oid_len = i2d_ASN1_OBJECT(hw_oid, NULL);
	if (oid_len <= 0 || oid_len > 60)
		goto out;
	der[0] = 0x30;			/* SEQUENCE OF */
	der[1] = (unsigned char)(oid_len + 2);
	der[2] = 0x30;			/* SPDMExtension */
	der[3] = (unsigned char)oid_len;
	p = der + 4;
	i2d_ASN1_OBJECT(hw_oid, &p);
	if (!ASN1_OCTET_STRING_set(os, der, oid_len + 4))
		goto out;
	e = X509_EXTENSION_create_by_OBJ(NULL, ext_oid, 0, os);
	if (e && X509_add_ext(x, e, -1))
		rc = 0;
out:
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(hw_oid);
	ASN1_OBJECT_free(ext_oid);
	return rc;
}

static int set_validity(X509 *x, const struct pki_cert_opts *o)
{
	if (o->not_before) {
		if (!ASN1_TIME_set_string_X509(X509_getm_notBefore(x),
					       o->not_before))
			return -1;
	} else if (!X509_gmtime_adj(X509_getm_notBefore(x), -86400)) {
		return -1;
	}
	if (o->not_after)
		return ASN1_TIME_set_string_X509(X509_getm_notAfter(x),
						 o->not_after) ? 0 : -1;
	return X509_time_adj_ex(X509_getm_notAfter(x), (int)o->days, 0,
				NULL) ? 0 : -1;
}

static int set_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	int ok = bn && BN_rand(bn, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) &&
		 BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));

	BN_free(bn);
	return ok ? 0 : -1;
}

static int add_role_exts(X509 *x, X509V3_CTX *ctx, const struct pki_cert_opts *o)
{
	switch (o->role) {
	case PKI_ROOT:
		return add_conf_ext(x, ctx, NID_basic_constraints, "critical,CA:TRUE") ||
		       add_conf_ext(x, ctx, NID_key_usage, "critical,keyCertSign,cRLSign") ||
		       add_conf_ext(x, ctx, NID_subject_key_identifier, "hash");
	case PKI_INTERMEDIATE:
		return add_conf_ext(x, ctx, NID_basic_constraints,
				    "critical,CA:TRUE,pathlen:0") ||
		       add_conf_ext(x, ctx, NID_key_usage,
				    o->no_cert_sign ? "critical,cRLSign,digitalSignature" :
						      "critical,keyCertSign,cRLSign") ||
		       add_conf_ext(x, ctx, NID_subject_key_identifier, "hash") ||
		       add_conf_ext(x, ctx, NID_authority_key_identifier, "keyid:always");
	case PKI_LEAF:
		return add_conf_ext(x, ctx, NID_basic_constraints,
				    o->leaf_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") ||
		       add_conf_ext(x, ctx, NID_key_usage,
				    o->no_digital_signature ? "critical,nonRepudiation" :
							      "critical,digitalSignature") ||
		       add_conf_ext(x, ctx, NID_subject_key_identifier, "hash") ||
		       add_conf_ext(x, ctx, NID_authority_key_identifier, "keyid:always") ||
		       (o->hwid && add_hwid_san(x, o->hwid)) ||
		       add_conf_ext(x, ctx, NID_ext_key_usage,
				    o->leaf_eku ? o->leaf_eku : OID_DMTF_EKU_RESPONDER_AUTH) ||
		       add_spdm_extension(x);
	}
	return -1;
}

X509 *pki_issue(const struct spdm_alg *alg, const struct pki_cert_opts *o)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;
	X509 *issuer = o->issuer;
	EVP_PKEY *ikey = o->issuer ? o->issuer_key : o->key;

	if (!x || !name || !X509_set_version(x, X509_VERSION_3) || set_serial(x) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					(const unsigned char *)"pci-tsm test PKI",
					-1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)o->cn, -1, -1, 0) ||
	    !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) ||
	    set_validity(x, o) || !X509_set_pubkey(x, o->key))
		goto fail;
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	if (add_role_exts(x, &ctx, o) || !X509_sign(x, ikey, EVP_get_digestbyname(alg->md)))
		goto fail;
	X509_NAME_free(name);
	return x;
fail:
	X509_NAME_free(name);
	X509_free(x);
	return NULL;
}

int pki_write_cert(const char *path, X509 *cert)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = PEM_write_X509(f, cert);
	return fclose(f) || !ok ? -1 : 0;
}

int pki_write_key(const char *path, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	return fclose(f) || !ok ? -1 : 0;
}
