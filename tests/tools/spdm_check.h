/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spdm_check: a minimal, independent SPDM 1.2 evidence verifier used by the
 * fixture tests (and `spdm-fixture verify`). It shares no code with the
 * builders in spdm_build.c, so a round trip through it checks the format and
 * not just self-consistency. It is not the project's verifier (daemon/lib).
 *
 * Order of checks: VCA, chain object format, certificate path to the anchor
 * (time check optional), leaf keyUsage, MEASUREMENTS format, signature, nonce,
 * reference measurements, minimum SVN. The first failure decides.
 */
#ifndef SPDM_CHECK_H
#define SPDM_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

/* Verdict codes; names match the daemon-lib result names (tsm_rc_name). */
enum check_code {
	CHECK_OK = 0,
	CHECK_PARSE,		/* "parse": malformed object */
	CHECK_CHAIN,		/* "chain": path, validity, key usage, root hash */
	CHECK_SIGNATURE,	/* "signature" */
	CHECK_NONCE,		/* "nonce" */
	CHECK_MEASUREMENT,	/* "measurement": reference digest or SVN */
	CHECK_INTERNAL,		/* "internal": the checker itself failed */
};

#define CHECK_REF_MAX	32

struct check_ref {
	size_t n;
	struct {
		uint8_t index;
		size_t len;
		uint8_t val[64];
	} m[CHECK_REF_MAX];
	bool have_svn_min;
	uint64_t svn_min;
};

struct check_input {
	const uint8_t *chain;
	size_t chain_len;
	const uint8_t *vca;
	size_t vca_len;
	const uint8_t *meas;
	size_t meas_len;
	X509 *anchor;			/* trust anchor */
	const uint8_t *nonce;		/* expected requester nonce (32) or NULL */
	const struct check_ref *ref;	/* reference values or NULL */
	bool time_check;
};

struct check_result {
	enum check_code code;
	char detail[64];		/* e.g. "chain.expired" */
	char msg[256];
};

enum check_code spdm_check(const struct check_input *in,
			   struct check_result *res);
const char *check_code_name(enum check_code c);
/* Parse a reference file ("IDX=HEX", "svn-min=N"). 0 or -1. */
int check_ref_load(const char *path, struct check_ref *ref);

#endif /* SPDM_CHECK_H */
