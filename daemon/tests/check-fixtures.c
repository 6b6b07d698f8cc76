// SPDX-License-Identifier: GPL-2.0-only
/*
 * Run a fixture tree made by tests/tools (spdm-fixture gen) through libtsm:
 * for every "case" line of DIR/manifest.txt, parse the case's evidence,
 * load its policy.conf (its anchor.pem installed as the trust anchor the
 * rule names), evaluate with the case's nonce and compare the verdict
 * (accept/deny), the code class and the check id with the manifest.
 * Exit 0 when every verdict and code agree (differently named check ids are
 * listed but tolerated), 1 otherwise, 77 when DIR has no manifest (NOT RUN).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tsm.h"

static int copy_file(const char *from, const char *to)
{
	struct tsm_error err;
	uint8_t *data;
	size_t len;
	FILE *f;

	if (tsm_read_file(from, 1 << 20, &data, &len, &err))
		return -1;
	f = fopen(to, "w");
	if (!f) {
		free(data);
		return -1;
	}
	fwrite(data, 1, len, f);
	fclose(f);
	free(data);
	return 0;
}

static int load(const char *dir, const char *name, uint8_t **p, size_t *len)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return tsm_read_file(path, 32 << 20, p, len, NULL);
}

struct verdict {
	const char *target;
	const char *code;
	char check[TSM_CHECK_MAX];
	char reason[TSM_REASON_MAX + 160];
};

static void judge(const char *base, const char *cdir, const char *needs,
		  const char *trust, struct verdict *v)
{
	char dir[4096], path[8300], alg[64], anchor[8300];
	uint8_t *cert = NULL, *vca = NULL, *meas = NULL, *hex = NULL;
	size_t cl = 0, vl = 0, ml = 0, hl = 0;
	struct tsm_device_id dev = { 0x8086, 0x1234, 0x120000, "0000:01:00.0" };
	struct tsm_eval_opts opts = { .nonce_required = true };
	struct tsm_policy *pol = tsm_policy_new(trust);
	struct tsm_evidence ev;
	struct tsm_decision d;
	struct tsm_parsed p;
	struct tsm_error err;
	uint8_t nonce[32];
	char nhex[65];

	snprintf(dir, sizeof(dir), "%s/%s", base, cdir);
	snprintf(alg, sizeof(alg), "%.*s", (int)strcspn(cdir, "/"), cdir);
	snprintf(path, sizeof(path), "%s/anchor.pem", dir);
	snprintf(anchor, sizeof(anchor), "%s/fixture-%s-root.pem", trust, alg);
	copy_file(path, anchor);
	load(dir, "cert0.bin", &cert, &cl);
	load(dir, "vca.bin", &vca, &vl);
	load(dir, "measurements.bin", &meas, &ml);
	load(dir, "nonce.hex", &hex, &hl);
	snprintf(nhex, sizeof(nhex), "%.64s", hex ? (char *)hex : "");
	if (tsm_unhex(nhex, nonce, sizeof(nonce)) == 32) {
		opts.nonce = nonce;
		opts.nonce_len = 32;
	}
	opts.verify.check_time = !strstr(needs, "no-time-check");
	snprintf(path, sizeof(path), "%s/policy.conf", dir);
	v->check[0] = v->reason[0] = '\0';
	if (!pol || tsm_policy_load_file(pol, path, &err)) {
		v->target = "error";
		v->code = "config";
		snprintf(v->reason, sizeof(v->reason), "%s", pol ? err.reason : "nomem");
		goto out;
	}
	ev = (struct tsm_evidence){ cert, cl, vca, vl, meas, ml, NULL, 0 };
	if (tsm_evidence_parse(&ev, &p, &err)) {
		/* what the daemon does with unparsable evidence: deny, with the reason */
		v->target = "deny";
		v->code = tsm_rc_name(err.code);
		snprintf(v->check, sizeof(v->check), "%s", err.check);
		snprintf(v->reason, sizeof(v->reason), "%s", err.reason);
		goto out;
	}
	tsm_policy_evaluate(pol, &dev, &p, &opts, &d);
	tsm_parsed_free(&p);
	v->target = d.target == TSM_TARGET_ACCEPT ? "accept" : "deny";
	v->code = d.target == TSM_TARGET_ACCEPT ? "ok" : tsm_rc_name(d.code);
	snprintf(v->check, sizeof(v->check), "%s", d.target == TSM_TARGET_ACCEPT ? "ok" : d.check);
	snprintf(v->reason, sizeof(v->reason), "%s: %s", d.rule, d.reason);
out:
	unlink(anchor);
	tsm_policy_free(pol);
	free(cert);
	free(vca);
	free(meas);
	free(hex);
}

int main(int argc, char **argv)
{
	char path[4096], line[1024], trust[] = "/tmp/tsm-fixtures-XXXXXX";
	unsigned int n = 0, bad = 0, renamed = 0;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/manifest.txt", argv[1]);
	f = fopen(path, "r");
	if (!f) {
		printf("check-fixtures: NOT RUN (%s: %s)\n", path, strerror(errno));
		return 77;
	}
	if (!mkdtemp(trust)) {
		perror("mkdtemp");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		char cdir[512], expect[32], code[32], detail[64], needs[128];
		struct verdict v;

		if (sscanf(line, "case %511s %31s %31s %63s %127s", cdir, expect, code, detail,
			   needs) != 5)
			continue;
		n++;
		judge(argv[1], cdir, needs, trust, &v);
		if (strcmp(v.target, expect) || strcmp(v.code, code)) {
			bad++;
			printf("FAIL %-36s want %s/%s/%s, got %s/%s/%s: %s\n", cdir, expect, code,
			       detail, v.target, v.code, v.check, v.reason);
		} else if (strcmp(v.check, detail)) {
			renamed++;
			printf("ok   %-36s %s (manifest names it %s)\n", cdir, v.check, detail);
		} else {
			printf("ok   %-36s %s %s\n", cdir, v.target, v.check);
		}
	}
	fclose(f);
	rmdir(trust);
	printf("check-fixtures: %s (%u cases, %u wrong, %u differently named check ids)\n",
	       bad ? "FAIL" : "PASS", n, bad, renamed);
	return bad || !n ? 1 : 0;
}
