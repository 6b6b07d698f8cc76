// SPDX-License-Identifier: GPL-2.0-only
/*
 * spdm-fixture: test PKI and SPDM 1.2 evidence generator for pci-tsm tests.
 *
 *   spdm-fixture gen --out DIR [--alg LIST] [--nonce HEX64] [--measurement IDX=HEX]...
 *                    [--svn N] [--not-after TIME] [--hwid STRING] [--no-big] [-v]
 *   spdm-fixture measure --key PEM --vca FILE --nonce HEX64 --out FILE
 *                    [--values FILE] [--measurement IDX=HEX]... [--svn N] [--slot N]
 *   spdm-fixture verify --anchor PEM --chain FILE --vca FILE --measurements FILE
 *                    [--nonce HEX64] [--reference FILE] [--no-time-check]
 *   spdm-fixture selfcheck DIR
 *
 * Exit: 0 success / accept, 1 failure / deny, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "fixture_gen.h"
#include "selfcheck.h"
#include "spdm_build.h"
#include "spdm_check.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spdm-fixture gen --out DIR [--alg p256|p384|rsa3072|rsassa3072|rsapss3072|all[,...]]\n"
		"                        [--nonce HEX64] [--measurement IDX=HEX|IDX=@TEXT]... [--svn N]\n"
		"                        [--not-after YYYYMMDDHHMMSSZ] [--hwid STRING] [--no-big] [-v]\n"
		"       spdm-fixture measure --key PEM --vca FILE --nonce HEX64 --out FILE\n"
		"                        [--values FILE] [--measurement IDX=HEX]... [--svn N] [--slot N]\n"
		"       spdm-fixture verify --anchor PEM --chain FILE --vca FILE --measurements FILE\n"
		"                        [--nonce HEX64] [--reference FILE] [--no-time-check]\n"
		"       spdm-fixture selfcheck DIR\n");
}

static int parse_algs(const char *list, unsigned int *mask)
{
	char tmp[256], *save = NULL;

	if (snprintf(tmp, sizeof(tmp), "%s", list) >= (int)sizeof(tmp))
		return -1;
	*mask = 0;
	for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const struct spdm_alg *a = spdm_alg_by_name(t);

		if (!strcmp(t, "all"))
			*mask |= (1u << SPDM_ALG_COUNT) - 1;
		else if (!strcmp(t, "rsa3072"))
			*mask |= 1u << SPDM_ALG_RSASSA3072 | 1u << SPDM_ALG_RSAPSS3072;
		else if (a)
			*mask |= 1u << a->id;
		else
			return -1;
	}
	return *mask ? 0 : -1;
}

static int parse_nonce(const char *hex, uint8_t *nonce)
{
	size_t n;

	return hex_decode(hex, nonce, SPDM_NONCE_LEN, &n) || n != SPDM_NONCE_LEN ? -1 : 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

enum {
	OPT_OUT = 256, OPT_ALG, OPT_NONCE, OPT_MEAS, OPT_SVN, OPT_NOT_AFTER,
	OPT_HWID, OPT_NO_BIG, OPT_KEY, OPT_VCA, OPT_VALUES, OPT_SLOT, OPT_ANCHOR,
	OPT_CHAIN, OPT_MEASUREMENTS, OPT_REFERENCE, OPT_NO_TIME,
};

static const struct option long_opts[] = {
	{ "out", required_argument, NULL, OPT_OUT },
	{ "alg", required_argument, NULL, OPT_ALG },
	{ "nonce", required_argument, NULL, OPT_NONCE },
	{ "measurement", required_argument, NULL, OPT_MEAS },
	{ "svn", required_argument, NULL, OPT_SVN },
	{ "not-after", required_argument, NULL, OPT_NOT_AFTER },
	{ "hwid", required_argument, NULL, OPT_HWID },
	{ "no-big", no_argument, NULL, OPT_NO_BIG },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "vca", required_argument, NULL, OPT_VCA },
	{ "values", required_argument, NULL, OPT_VALUES },
	{ "slot", required_argument, NULL, OPT_SLOT },
	{ "anchor", required_argument, NULL, OPT_ANCHOR },
	{ "chain", required_argument, NULL, OPT_CHAIN },
	{ "measurements", required_argument, NULL, OPT_MEASUREMENTS },
	{ "reference", required_argument, NULL, OPT_REFERENCE },
	{ "no-time-check", no_argument, NULL, OPT_NO_TIME },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct args {
	struct gen_opts gen;
	bool have_svn;
	const char *key, *vca, *values, *anchor, *chain, *meas, *reference;
	uint64_t slot;
	bool no_time;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	int c;

	a->gen.algs = 1u << SPDM_ALG_P384;
	a->gen.svn = GEN_DEFAULT_SVN;
	a->gen.hwid = GEN_DEFAULT_HWID;
	optind = 2;
	while ((c = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_OUT: a->gen.out = optarg; break;
		case OPT_ALG:
			if (parse_algs(optarg, &a->gen.algs)) {
				fprintf(stderr, "spdm-fixture: bad --alg '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_NONCE:
			if (parse_nonce(optarg, a->gen.nonce)) {
				fprintf(stderr, "spdm-fixture: --nonce wants 64 hex digits\n");
				return -1;
			}
			a->gen.have_nonce = true;
			break;
		case OPT_MEAS:
			if (a->gen.n_meas_args == GEN_MEAS_ARGS_MAX)
				return -1;
			a->gen.meas_args[a->gen.n_meas_args++] = optarg;
			break;
		case OPT_SVN:
			if (parse_u64(optarg, &a->gen.svn)) {
				fprintf(stderr, "spdm-fixture: bad --svn\n");
				return -1;
			}
			a->have_svn = true;
			break;
		case OPT_NOT_AFTER: a->gen.not_after = optarg; break;
		case OPT_HWID: a->gen.hwid = optarg; break;
		case OPT_NO_BIG: a->gen.no_big = true; break;
		case OPT_KEY: a->key = optarg; break;
		case OPT_VCA: a->vca = optarg; break;
		case OPT_VALUES: a->values = optarg; break;
		case OPT_SLOT:
			if (parse_u64(optarg, &a->slot) || a->slot > 7)
				return -1;
			break;
		case OPT_ANCHOR: a->anchor = optarg; break;
		case OPT_CHAIN: a->chain = optarg; break;
		case OPT_MEASUREMENTS: a->meas = optarg; break;
		case OPT_REFERENCE: a->reference = optarg; break;
		case OPT_NO_TIME: a->no_time = true; break;
		case 'v': a->gen.verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static int cmd_gen(struct args *a)
{
	char msg[512];

	if (!a->gen.out)
		return 2;
	if (!a->gen.have_nonce && RAND_bytes(a->gen.nonce, SPDM_NONCE_LEN) != 1)
		return 1;
	if (fixture_gen(&a->gen, msg, sizeof(msg))) {
		fprintf(stderr, "spdm-fixture: %s\n", msg);
		return 1;
	}
	return 0;
}

static int cmd_measure(struct args *a)
{
	struct spdm_meas_set set;
	struct spdm_meas_opts mo = { 0 };
	const struct spdm_alg *alg;
	struct buf out = { 0 };
	uint8_t *vca = NULL;
	size_t vca_len;
	EVP_PKEY *key = NULL;
	char msg[512] = "";
	int rc = 1;

	if (!a->key || !a->vca || !a->gen.out || !a->gen.have_nonce)
		return 2;
	if (file_read(a->vca, &vca, &vca_len)) {
		fprintf(stderr, "spdm-fixture: %s: %s\n", a->vca, strerror(errno));
		return 1;
	}
	alg = spdm_alg_from_vca(vca, vca_len);
	key = key_load_pem(a->key);
	if (!alg || !key) {
		fprintf(stderr, "spdm-fixture: %s\n",
			!alg ? "VCA selects no supported algorithm" : "cannot load key");
		goto out;
	}
	if (spdm_meas_default(alg, a->gen.svn, &set) ||
	    (a->values && spdm_meas_load(alg, a->values, &set, msg, sizeof(msg))))
		goto fail_msg;
	for (size_t i = 0; i < a->gen.n_meas_args; i++)
		if (spdm_meas_parse_arg(alg, a->gen.meas_args[i], &set, msg, sizeof(msg)))
			goto fail_msg;
	if (a->have_svn)
		spdm_meas_set_svn(&set, a->gen.svn);
	mo.nonce = a->gen.nonce;
	mo.slot = (uint8_t)a->slot;
	if (spdm_build_measurements(alg, key, vca, vca_len, &set, &mo, &out) ||
	    file_write(a->gen.out, out.p, out.len)) {
		snprintf(msg, sizeof(msg), "cannot build or write %s", a->gen.out);
		goto fail_msg;
	}
	rc = 0;
	goto out;
fail_msg:
	fprintf(stderr, "spdm-fixture: %s\n", msg[0] ? msg : "failed");
out:
	buf_free(&out);
	EVP_PKEY_free(key);
	free(vca);
	return rc;
}

static int cmd_verify(struct args *a)
{
	struct check_input in = { .time_check = !a->no_time };
	struct check_result res;
	struct check_ref ref;
	uint8_t *chain = NULL, *vca = NULL, *meas = NULL;
	int rc = 1;

	if (!a->anchor || !a->chain || !a->vca || !a->meas)
		return 2;
	in.anchor = cert_load_pem(a->anchor);
	if (!in.anchor || file_read(a->chain, &chain, &in.chain_len) ||
	    file_read(a->vca, &vca, &in.vca_len) ||
	    file_read(a->meas, &meas, &in.meas_len) ||
	    (a->reference && check_ref_load(a->reference, &ref))) {
		fprintf(stderr, "spdm-fixture: cannot read the inputs\n");
		goto out;
	}
	in.chain = chain;
	in.vca = vca;
	in.meas = meas;
	in.nonce = a->gen.have_nonce ? a->gen.nonce : NULL;
	in.ref = a->reference ? &ref : NULL;
	if (spdm_check(&in, &res) == CHECK_OK) {
		printf("accept ok ok\n");
		rc = 0;
	} else {
		printf("deny %s %s: %s\n", check_code_name(res.code), res.detail, res.msg);
	}
out:
	X509_free(in.anchor);
	free(chain);
	free(vca);
	free(meas);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "selfcheck") && argc == 3) {
		int n, bad = selfcheck_manifest(argv[2], stdout, &n);

		if (bad < 0) {
			fprintf(stderr, "spdm-fixture: %s/manifest.txt: %s\n", argv[2],
				strerror(errno));
			return 1;
		}
		printf("%d cases, %d mismatches\n", n, bad);
		return bad ? 1 : 0;
	}
	if (parse_args(argc, argv, &a)) {
		usage(stderr);
		return 2;
	}
	int rc = !strcmp(cmd, "gen") ? cmd_gen(&a) :
		 !strcmp(cmd, "measure") ? cmd_measure(&a) :
		 !strcmp(cmd, "verify") ? cmd_verify(&a) : 2;
	if (rc == 2)
		usage(stderr);
	return rc;
}
