/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fixture_gen: writes the fixture tree (test PKI, good evidence, adversarial
 * variants, big blobs, manifest.txt). Layout and manifest format:
 * tests/tools/README.md.
 */
#ifndef FIXTURE_GEN_H
#define FIXTURE_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spdm_build.h"

#define GEN_MEAS_ARGS_MAX	SPDM_MEAS_MAX

struct gen_opts {
	const char *out;
	unsigned int algs;		/* bit (1 << enum spdm_alg_id) per variant */
	bool have_nonce;
	uint8_t nonce[SPDM_NONCE_LEN];
	const char *meas_args[GEN_MEAS_ARGS_MAX];	/* "IDX=HEX" / "IDX=@TEXT" */
	size_t n_meas_args;
	uint64_t svn;
	const char *not_after;		/* good leaf notAfter (ASN.1 time) or NULL */
	const char *hwid;
	bool no_big;			/* skip big/ blobs */
	bool verbose;
};

#define GEN_DEFAULT_SVN		5
#define GEN_DEFAULT_HWID	"ACME:WIDGET:0001"

/* Returns 0, or -1 with a message in @msg. */
int fixture_gen(const struct gen_opts *o, char *msg, size_t msgsz);

/* Fill @buf with the deterministic big-blob pattern (same bytes every run). */
void fixture_pattern(uint8_t *buf, size_t len, uint32_t seed);

#endif /* FIXTURE_GEN_H */
