// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's judging step (job_judge: evidence view, libtsm parse,
 * policy evaluation with the daemon's options) on every case of the
 * fixture generator's manifest: "good" cases are accepted, every
 * adversarial case is denied with the check id the manifest names.
 * VD_FIXTURES points at a generated fixture tree (skipped without it).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "manager.h"

static const char *fixtures;

static void load(const char *dir, const char *file, struct tsm_object *o)
{
	char path[1100];
	struct tsm_error err;
	uint8_t *data;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_int_equal(tsm_read_file(path, 32 << 20, &data, &len, &err), 0);
	o->data = data;
	o->len = len;
	o->present = true;
}

static void read_nonce(const char *dir, uint8_t nonce[32])
{
	char path[1100], hex[128] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/nonce.hex", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(hex, sizeof(hex), f));
	fclose(f);
	hex[strcspn(hex, "\r\n")] = '\0';
	assert_int_equal(tsm_unhex(hex, nonce, 32), 32);
}

/* policy.d with the case's policy.conf, trust dir with its anchor */
static struct vd_policy *load_policy(const char *dir, const char *alg, const char *tmp)
{
	char pdir[1100], tdir[1100], cmd[16384];
	struct vd_policy *p = calloc(1, sizeof(*p));
	struct tsm_error err;

	assert_non_null(p);
	snprintf(pdir, sizeof(pdir), "%s/policy.d", tmp);
	snprintf(tdir, sizeof(tdir), "%s/trust", tmp);
	snprintf(cmd, sizeof(cmd),
		 "rm -rf '%s' '%s' && mkdir -p '%s' '%s' && cp '%s/policy.conf' '%s/50.conf' && "
		 "cp '%s/anchor.pem' '%s/fixture-%s-root.pem'",
		 pdir, tdir, pdir, tdir, dir, pdir, dir, tdir, alg);
	assert_int_equal(system(cmd), 0);
	tsm_error_clear(&err);
	if (tsm_policy_load_dir(pdir, tdir, &p->pol, &err) < 0)
		fail_msg("policy of %s: %s", dir, err.reason);
	atomic_init(&p->refs, 1);
	return p;
}

/*
 * The manifest names the failing check as the generator sees it
 * ("chain.untrusted"); libtsm may name the same failure more or less
 * specifically ("chain.path", "chain"). Same object (the part before the
 * first dot), or the manifest's class as the check's start, counts.
 */
static bool same_check(const char *got, const char *want, const char *code)
{
	size_t n = strcspn(want, ".");

	if (!strcmp(got, want))
		return true;
	if (!strncmp(got, want, n) && (got[n] == '\0' || got[n] == '.'))
		return true;
	return !strncmp(got, code, strlen(code));
}

static void test_manifest(void **state)
{
	char path[1024], line[512], tmp[] = "/tmp/vd-fix-XXXXXX";
	int ncases = 0, nfail = 0, nloose = 0;
	FILE *mf;

	(void)state;
	if (!fixtures) {
		skip();
		return;
	}
	assert_non_null(mkdtemp(tmp));
	snprintf(path, sizeof(path), "%s/manifest.txt", fixtures);
	mf = fopen(path, "r");
	assert_non_null(mf);
	while (fgets(line, sizeof(line), mf)) {
		char kind[16], dir[128], expect[16], code[32], check[64], needs[32], alg[32];
		char cdir[1024];
		struct tsm_nl_evidence raw;
		uint8_t nonce[32];
		struct vd_job *job;
		bool ok;

		if (sscanf(line, "%15s %127s %15s %31s %63s %31s", kind, dir, expect, code, check,
			   needs) != 6 || strcmp(kind, "case"))
			continue;
		snprintf(alg, sizeof(alg), "%.*s", (int)strcspn(dir, "/"), dir);
		snprintf(cdir, sizeof(cdir), "%s/%s", fixtures, dir);
		memset(&raw, 0, sizeof(raw));
		load(cdir, "cert0.bin", &raw.obj[PCI_TSM_EVIDENCE_TYPE_CERT0]);
		load(cdir, "vca.bin", &raw.obj[PCI_TSM_EVIDENCE_TYPE_VCA]);
		load(cdir, "measurements.bin", &raw.obj[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS]);
		read_nonce(cdir, nonce);
		raw.device_evidence = true;
		raw.nonce_used = true;		/* as when the daemon supplied it */

		job = job_new(VD_JOB_VERIFY);
		assert_non_null(job);
		snprintf(job->bdf, sizeof(job->bdf), "0000:01:00.0");
		job->id.pci_name = job->bdf;
		job->id.vendor = 0x8086;
		job->policy = load_policy(cdir, alg, tmp);
		job->nonce_required = true;
		job->time_check = true;
		job_judge(job, &raw, nonce);
		assert_non_null(job->v);

		if (!strcmp(expect, "accept"))
			ok = job->v->ok && job->v->target == TSM_TARGET_ACCEPT;
		else
			ok = job->v->target == TSM_TARGET_DENY && same_check(job->v->check, check, code);
		if (ok && strcmp(expect, "accept") && strcmp(job->v->check, check))
			nloose++;
		if (!ok) {
			print_message("FAIL %s: expected %s/%s, got target %d check '%s': %s\n", dir,
				      expect, check, job->v->target, job->v->check, job->v->reason);
			nfail++;
		}
		ncases++;
		job_unref(job);
		tsm_evidence_free(&raw);
	}
	fclose(mf);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
	assert_int_equal(system(path), 0);
	print_message("%d fixture cases, %d unexpected, %d denied by the right object but a differently named check\n",
		      ncases, nfail, nloose);
	assert_true(ncases > 0);
	assert_int_equal(nfail, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest),
	};

	fixtures = getenv("VD_FIXTURES");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
