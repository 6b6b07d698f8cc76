/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * selfcheck: run every `case` of a fixture manifest through the independent
 * checker (spdm_check.c) and compare verdict, code and detail with the
 * manifest; verify every `blob` line's size and SHA-256.
 */
#ifndef SELFCHECK_H
#define SELFCHECK_H

#include <stdbool.h>
#include <stdio.h>

#include <openssl/x509.h>

#include "spdm_check.h"

/* Load a PEM certificate. NULL on error. */
X509 *cert_load_pem(const char *path);

/*
 * Check one case directory (anchor.pem, cert0.bin, vca.bin, measurements.bin,
 * nonce.hex, reference.txt). 0 when the checker ran (verdict in @res).
 */
int selfcheck_case(const char *dir, bool use_nonce, bool time_check,
		   struct check_result *res);

/* Returns the number of mismatches (0 = all as the manifest says), -1 on I/O. */
int selfcheck_manifest(const char *dir, FILE *log, int *ncases);

#endif /* SELFCHECK_H */
