/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pki: a throw-away test PKI (root CA -> intermediate CA -> device leaf) with
 * the SPDM certificate profile of DSP0274: the leaf carries keyUsage
 * digitalSignature, the DMTF device-information OtherName in
 * subjectAltName, the SPDM responder-auth extended key usage and the SPDM
 * extension naming it a hardware-identity certificate.
 */
#ifndef PKI_H
#define PKI_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "spdm_build.h"

/* DSP0274 object identifiers (id-DMTF-spdm = 1.3.6.1.4.1.412.274). */
#define OID_DMTF_DEVICE_INFO		"1.3.6.1.4.1.412.274.1"	/* SAN otherName */
#define OID_DMTF_HARDWARE_IDENTITY	"1.3.6.1.4.1.412.274.2"
#define OID_DMTF_EKU_RESPONDER_AUTH	"1.3.6.1.4.1.412.274.3"
#define OID_DMTF_EKU_REQUESTER_AUTH	"1.3.6.1.4.1.412.274.4"
#define OID_DMTF_SPDM_EXTENSION		"1.3.6.1.4.1.412.274.6"

enum pki_role { PKI_ROOT, PKI_INTERMEDIATE, PKI_LEAF };

struct pki_cert_opts {
	enum pki_role role;
	const char *cn;
	EVP_PKEY *key;			/* subject key */
	X509 *issuer;			/* NULL for the root */
	EVP_PKEY *issuer_key;
	const char *not_before;		/* ASN.1 time string or NULL (now - 1 day) */
	const char *not_after;		/* ASN.1 time string or NULL (+days) */
	long days;			/* validity when not_after is NULL */
	const char *hwid;		/* leaf: DMTF device info string, or NULL */
	bool no_digital_signature;	/* leaf: keyUsage without digitalSignature */
	/* deviations from the SPDM profile, for the bad-chain fixtures */
	bool leaf_ca;			/* leaf: basicConstraints CA:TRUE */
	const char *leaf_eku;		/* leaf: this extendedKeyUsage instead of responder auth */
	bool no_cert_sign;		/* intermediate: keyUsage without keyCertSign */
};

/* A fresh key of the variant's type (EC curve, or RSA 3072). */
EVP_PKEY *pki_keygen(const struct spdm_alg *alg);

/* Issue a certificate; signed with the variant's hash. NULL on error. */
X509 *pki_issue(const struct spdm_alg *alg, const struct pki_cert_opts *o);

int pki_write_cert(const char *path, X509 *cert);
int pki_write_key(const char *path, EVP_PKEY *key);

#endif /* PKI_H */
