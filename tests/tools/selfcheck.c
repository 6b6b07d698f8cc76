// SPDX-License-Identifier: GPL-2.0-only
/*
 * selfcheck: the fixture manifest against the independent checker.
 */
#define _POSIX_C_SOURCE 200809L
#include "selfcheck.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "spdm_build.h"

X509 *cert_load_pem(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	if (!f)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

static int read_nonce(const char *path, uint8_t nonce[SPDM_NONCE_LEN])
{
	uint8_t *d = NULL;
	size_t len, n;
	char hex[80];
	int rc = -1;

	if (file_read(path, &d, &len))
		return -1;
	if (len < sizeof(hex)) {
		memcpy(hex, d, len);
		hex[len] = '\0';
		if (!hex_decode(hex, nonce, SPDM_NONCE_LEN, &n) && n == SPDM_NONCE_LEN)
			rc = 0;
	}
	free(d);
	return rc;
}

int selfcheck_case(const char *dir, bool use_nonce, bool time_check,
		   struct check_result *res)
{
	struct check_input in = { .time_check = time_check };
	struct check_ref ref;
	uint8_t *chain = NULL, *vca = NULL, *meas = NULL, nonce[SPDM_NONCE_LEN];
	char p[4200];
	int rc = -1;

	snprintf(p, sizeof(p), "%s/anchor.pem", dir);
	in.anchor = cert_load_pem(p);
	snprintf(p, sizeof(p), "%s/cert0.bin", dir);
	if (!in.anchor || file_read(p, &chain, &in.chain_len))
		goto out;
	snprintf(p, sizeof(p), "%s/vca.bin", dir);
	if (file_read(p, &vca, &in.vca_len))
		goto out;
	snprintf(p, sizeof(p), "%s/measurements.bin", dir);
	if (file_read(p, &meas, &in.meas_len))
		goto out;
	snprintf(p, sizeof(p), "%s/reference.txt", dir);
	if (check_ref_load(p, &ref))
		goto out;
	snprintf(p, sizeof(p), "%s/nonce.hex", dir);
	if (use_nonce && read_nonce(p, nonce))
		goto out;
	in.chain = chain;
	in.vca = vca;
	in.meas = meas;
	in.ref = &ref;
	in.nonce = use_nonce ? nonce : NULL;
	spdm_check(&in, res);
	rc = 0;
out:
	X509_free(in.anchor);
	free(chain);
	free(vca);
	free(meas);
	return rc;
}

static int check_blob(const char *dir, const char *file, size_t want_len,
		      const char *want_hex, FILE *log)
{
	uint8_t *d = NULL, h[32];
	size_t len;
	char p[4200], hex[65];
	int bad = 1;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	if (!file_read(p, &d, &len) && len == want_len &&
	    !digest("SHA256", d, len, h, NULL)) {
		hex_encode(h, 32, hex);
		bad = strcmp(hex, want_hex) != 0;
	}
	free(d);
	if (log)
		fprintf(log, "%s blob %s %zu\n", bad ? "FAIL" : "ok  ", file, want_len);
	return bad;
}

int selfcheck_manifest(const char *dir, FILE *log, int *ncases)
{
	char p[4200], line[1024];
	int bad = 0;
	FILE *f;

	*ncases = 0;
	snprintf(p, sizeof(p), "%s/manifest.txt", dir);
	f = fopen(p, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char kind[16], path[512], expect[16], code[32], detail[64], needs[64];
		struct check_result res;
		char cdir[4200];
		bool use_nonce, time_check;
		const char *got;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%15s %511s", kind, path) != 2) {
			bad++;
			continue;
		}
		if (!strcmp(kind, "blob")) {
			size_t n;
			char hex[65];

			if (sscanf(line, "%*s %*s %zu %64s", &n, hex) != 2)
				bad++;
			else
				bad += check_blob(dir, path, n, hex, log);
			continue;
		}
		if (sscanf(line, "%*s %*s %15s %31s %63s %63s", expect, code, detail,
			   needs) != 4) {
			bad++;
			continue;
		}
		(*ncases)++;
		use_nonce = strstr(needs, "nonce") != NULL;
		time_check = !strstr(needs, "no-time-check");
		snprintf(cdir, sizeof(cdir), "%s/%s", dir, path);
		if (selfcheck_case(cdir, use_nonce, time_check, &res)) {
			if (log)
				fprintf(log, "FAIL %s: cannot read the case files\n", path);
			bad++;
			continue;
		}
		got = res.code == CHECK_OK ? "accept" : "deny";
		if (strcmp(got, expect) || strcmp(check_code_name(res.code), code) ||
		    strcmp(res.detail, detail)) {
			if (log)
				fprintf(log, "FAIL %s: want %s %s %s, got %s %s %s (%s)\n",
					path, expect, code, detail, got,
					check_code_name(res.code), res.detail, res.msg);
			bad++;
		} else if (log) {
			fprintf(log, "ok   %s: %s %s %s\n", path, got,
				check_code_name(res.code), res.detail);
		}
	}
	fclose(f);
	return bad;
}
