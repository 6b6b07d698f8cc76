// SPDX-License-Identifier: GPL-2.0-only
/*
 * Acceptance test on real SPDM 1.2 evidence captured from DMTF libspdm
 * (spdm-emu). For each capture directory under the path given on the
 * command line: anchor.pem as trust anchor and requester_nonce.hex as the
 * nonce must verify (directly and through the policy engine); then every
 * single-byte change to the signature, VCA, request, response and nonce
 * must be rejected. Exit 0 on success, 1 on failure, 77 when the captures
 * are missing (NOT RUN).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tsm.h"

static const char *const dirs[] = {
	"p256-sha256", "p384-sha384", "rsapss3072-sha384", "rsassa3072-sha384",
};

struct capture {
	uint8_t *cert, *vca, *meas, *nonce_hex;
	size_t cert_len, vca_len, meas_len, nonce_hex_len;
	uint8_t nonce[32];
	STACK_OF(X509) *anchors;
	char dir[4096];
};

static int load(const char *base, const char *name, struct capture *c)
{
	struct tsm_error err;
	char path[4200];
	char hex[65];

	snprintf(c->dir, sizeof(c->dir), "%s/%s", base, name);
#define LOAD(file, buf, len)							\
	do {									\
		snprintf(path, sizeof(path), "%s/%s", c->dir, file);		\
		if (tsm_read_file(path, 1 << 20, &c->buf, &c->len, &err)) {	\
			fprintf(stderr, "FAIL %s: %s\n", name, err.reason);	\
			return -1;						\
		}								\
	} while (0)
	LOAD("cert_chain_slot0.bin", cert, cert_len);
	LOAD("vca.bin", vca, vca_len);
	LOAD("measurements_object.bin", meas, meas_len);
	LOAD("requester_nonce.hex", nonce_hex, nonce_hex_len);
#undef LOAD
	snprintf(hex, sizeof(hex), "%.64s", (char *)c->nonce_hex);
	if (tsm_unhex(hex, c->nonce, sizeof(c->nonce)) != 32) {
		fprintf(stderr, "FAIL %s: requester_nonce.hex is not 32 bytes of hex\n", name);
		return -1;
	}
	c->anchors = sk_X509_new_null();
	snprintf(path, sizeof(path), "%s/anchor.pem", c->dir);
	if (!c->anchors || tsm_load_pem_certs(path, c->anchors, &err)) {
		fprintf(stderr, "FAIL %s: %s\n", name, err.reason);
		return -1;
	}
	return 0;
}

static void unload(struct capture *c)
{
	free(c->cert);
	free(c->vca);
	free(c->meas);
	free(c->nonce_hex);
	sk_X509_pop_free(c->anchors, X509_free);
}

/* Full verification; 0 = accepted, else rejected with @err. */
static int verify(const struct capture *c, const uint8_t *vca, const uint8_t *meas,
		  const uint8_t *nonce, struct tsm_error *err)
{
	struct tsm_evidence ev = {
		.cert = c->cert, .cert_len = c->cert_len,
		.vca = vca, .vca_len = c->vca_len,
		.meas = meas, .meas_len = c->meas_len,
	};
	struct tsm_verify_opts opts = { .check_time = true };
	struct tsm_parsed p;
	int rc;

	rc = tsm_evidence_parse(&ev, &p, err);
	if (rc)
		return rc;
	rc = tsm_verify_chain(&p.chain, c->anchors, &opts, err);
	if (!rc)
		rc = tsm_verify_nonce(&p, nonce, 32, err);
	if (!rc)
		rc = tsm_verify_measurements(&p, err);
	tsm_parsed_free(&p);
	return rc;
}

/* The same through the policy engine with a rule naming anchor.pem. */
static int via_policy(const struct capture *c, struct tsm_decision *d)
{
	static const char rule[] =
		"[rule \"capture\"]\n"
		"trust-anchor = anchor.pem   # from the capture directory\n"
		"target = accept\n";
	struct tsm_evidence ev = {
		.cert = c->cert, .cert_len = c->cert_len,
		.vca = c->vca, .vca_len = c->vca_len,
		.meas = c->meas, .meas_len = c->meas_len,
	};
	struct tsm_device_id dev = { 0x8086, 0x1234, 0x120000, "0000:01:00.0" };
	struct tsm_eval_opts opts = {
		.nonce = c->nonce, .nonce_len = 32, .nonce_required = true,
		.verify = { .check_time = true },
	};
	struct tsm_policy *pol = tsm_policy_new(c->dir);
	struct tsm_error err;
	struct tsm_parsed p;
	int rc;

	memset(d, 0, sizeof(*d));
	if (!pol)
		return -1;
	rc = tsm_policy_parse_buffer(pol, "capture.conf", rule, sizeof(rule) - 1, &err);
	if (rc) {
		fprintf(stderr, "policy: %s\n", err.reason);
		tsm_policy_free(pol);
		return rc;
	}
	rc = tsm_evidence_parse(&ev, &p, &err);
	if (!rc) {
		tsm_policy_evaluate(pol, &dev, &p, &opts, d);
		tsm_parsed_free(&p);
	}
	tsm_policy_free(pol);
	return rc;
}

struct region {
	const char *name;
	int which;		/* 0 vca, 1 meas, 2 nonce */
	size_t start, end;
};

static int run_one(const char *base, const char *name)
{
	struct capture c = { 0 };
	struct tsm_decision d;
	struct tsm_parsed p;
	struct tsm_error err;
	struct tsm_evidence ev;
	struct region regions[5];
	uint8_t *vca = NULL, *meas = NULL, nonce[32];
	unsigned int failures = 0, flips = 0;
	int rc;

	if (load(base, name, &c)) {
		unload(&c);
		return -1;
	}
	rc = verify(&c, c.vca, c.meas, c.nonce, &err);
	if (rc) {
		fprintf(stderr, "FAIL %s: good evidence rejected: [%s] %s\n",
			name, err.check, err.reason);
		unload(&c);
		return -1;
	}
	if (via_policy(&c, &d) || d.target != TSM_TARGET_ACCEPT) {
		fprintf(stderr, "FAIL %s: policy engine did not accept: rule %s: %s\n",
			name, d.rule, d.reason);
		unload(&c);
		return -1;
	}

	ev = (struct tsm_evidence){ .cert = c.cert, .cert_len = c.cert_len,
				    .vca = c.vca, .vca_len = c.vca_len,
				    .meas = c.meas, .meas_len = c.meas_len };
	if (tsm_evidence_parse(&ev, &p, &err)) {
		unload(&c);
		return -1;
	}
	regions[0] = (struct region){ "VCA", 0, 0, c.vca_len };
	regions[1] = (struct region){ "request", 1, 0, p.meas.request_len };
	regions[2] = (struct region){ "response", 1, p.meas.request_len,
				      p.meas.request_len + p.meas.signed_len };
	regions[3] = (struct region){ "signature", 1,
				      p.meas.request_len + p.meas.signed_len, c.meas_len };
	regions[4] = (struct region){ "nonce", 2, 0, 32 };
	tsm_parsed_free(&p);

	vca = malloc(c.vca_len);
	meas = malloc(c.meas_len);
	if (!vca || !meas)
		abort();
	for (size_t r = 0; r < 5; r++) {
		unsigned int rejected = 0, n = 0;

		for (size_t i = regions[r].start; i < regions[r].end; i++) {
			memcpy(vca, c.vca, c.vca_len);
			memcpy(meas, c.meas, c.meas_len);
			memcpy(nonce, c.nonce, 32);
			if (regions[r].which == 0)
				vca[i] ^= 0x01;
			else if (regions[r].which == 1)
				meas[i] ^= 0x01;
			else
				nonce[i] ^= 0x01;
			n++;
			if (verify(&c, vca, meas, nonce, &err))
				rejected++;
			else
				fprintf(stderr, "FAIL %s: %s byte %zu flipped, still accepted\n",
					name, regions[r].name, i - regions[r].start);
		}
		flips += n;
		failures += n - rejected;
		printf("  %-18s %-9s %4u/%-4u single-byte changes rejected\n",
		       name, regions[r].name, rejected, n);
	}
	free(vca);
	free(meas);
	unload(&c);
	if (failures) {
		fprintf(stderr, "FAIL %s: %u of %u changes accepted\n", name, failures, flips);
		return -1;
	}
	printf("PASS %s: accepted; %u corruptions rejected\n", name, flips);
	return 0;
}

int main(int argc, char **argv)
{
	struct stat st;
	int failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CAPTURES_DIR\n", argv[0]);
		return 2;
	}
	if (stat(argv[1], &st) || !S_ISDIR(st.st_mode)) {
		printf("check-captures: NOT RUN (%s: %s)\n", argv[1],
		       errno ? strerror(errno) : "not a directory");
		return 77;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (run_one(argv[1], dirs[i]))
			failed++;
	if (failed) {
		printf("check-captures: FAIL (%d of %zu capture sets)\n", failed,
		       sizeof(dirs) / sizeof(dirs[0]));
		return 1;
	}
	printf("check-captures: PASS (%zu capture sets)\n", sizeof(dirs) / sizeof(dirs[0]));
	return 0;
}
