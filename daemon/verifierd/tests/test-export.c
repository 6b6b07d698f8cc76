// SPDX-License-Identifier: GPL-2.0-only
/*
 * export-dir (exporter.c). The manager runs in this process with --once
 * on a mock sysfs of N held TEE devices; without an evidence netlink
 * family each is denied, and each denial must appear in export-dir as an
 * EAR named STAMP-BDF-gGEN.ear.json, contraindicated, with the policy
 * digest the journal and state.json carry; export-keep bounds the count;
 * an export-dir that cannot be written changes no decision. A decision
 * made on evidence (a device with a bundle) gets its bundle, bound to the
 * EAR by its SHA-256, and a JWT with export-key.
 *
 * `test-export --write DIR` writes daemon-exported EARs (ear-*.json), a
 * bundle (bundle.json), a JWT of ear-contraindicated.json (ear.jwt) and
 * the signer's public key (pub.pem) for tests/check-ear.sh: the same
 * schema and openssl checks as `tsmctl export`'s output.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "evbundle.h"
#include "manager.h"
#include "mocktree.h"

#define N 6

static char root[64], conf[128], sock[128], outdir[128];

static void bdf_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "0000:%02x:00.0", i + 1);
}

static void write_conf(const char *extra)
{
	char p[2048];

	snprintf(p, sizeof(p),
		 "[daemon]\ntimeout = 20s\npolicy-dir = %s/etc/policy.d\n"
		 "trust-dir = %s/etc/trust\nstate-dir = %s/state\n%s", root, root, root, extra);
	mock_puts(root, "etc/tsm-verifierd.conf", p);
}

static void reset_devices(void)
{
	char p[256], bdf[32];
	int i;

	for (i = 0; i < N; i++) {
		bdf_of(i, bdf, sizeof(bdf));
		snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/tsm/lock", bdf);
		mock_puts(root, p, "\n");
		snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/tsm/unlock", bdf);
		mock_puts(root, p, "");
	}
}

static int setup_tree(void **state)
{
	char bdf[32];
	int i;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/vd-export-XXXXXX");
	assert_non_null(mkdtemp(root));
	mock_puts(root, "sys/class/tsm/tsm1/pci_mode", "devsec\n");
	mock_puts(root, "sys/bus/pci/drivers_probe", "");
	mock_puts(root, "sys/bus/pci/drivers/pci_tsm_hold/.keep", "");
	for (i = 0; i < N; i++) {
		bdf_of(i, bdf, sizeof(bdf));
		mock_tee_device(root, bdf, "0x1111\n", "1\n");
	}
	mock_puts(root, "etc/policy.d/.keep", "");
	snprintf(conf, sizeof(conf), "%s/etc/tsm-verifierd.conf", root);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", root);
	snprintf(outdir, sizeof(outdir), "%s/export", root);
	mock_daemon_env(root);
	return 0;
}

static int teardown_tree(void **state)
{
	(void)state;
	return mock_tree_remove(root);
}

static void clear_outdir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", outdir);
	assert_int_equal(system(cmd), 0);
}

/* names in outdir ending in |suffix|, sorted; returns how many */
static int list_out(const char *suffix, char names[][128], int max)
{
	struct dirent *e;
	DIR *d = opendir(outdir);
	int n = 0, i, j;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), k = strlen(suffix);

		if (l > k && !strcmp(e->d_name + l - k, suffix) && e->d_name[0] != '.') {
			if (n < max)
				snprintf(names[n], 128, "%.127s", e->d_name);
			n++;
		}
	}
	closedir(d);
	for (i = 0; i < n && i < max; i++)
		for (j = i + 1; j < n && j < max; j++)
			if (strcmp(names[i], names[j]) > 0) {
				char t[128];

				memcpy(t, names[i], 128);
				memcpy(names[i], names[j], 128);
				memcpy(names[j], t, 128);
			}
	return n;
}

static int count_all(void)
{
	struct dirent *e;
	DIR *d = opendir(outdir);
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void put_path(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static struct json_object *load_out(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	return json_object_from_file(path);
}

static const char *sub_str(struct json_object *ear, const char *bdf, const char *key)
{
	struct json_object *subs, *app, *v;

	if (!json_object_object_get_ex(ear, "submods", &subs) ||
	    !json_object_object_get_ex(subs, bdf, &app) ||
	    !json_object_object_get_ex(app, key, &v))
		return "";
	return json_object_get_string(v);
}

static struct manager *run_once(void)
{
	struct vd_options o = { .config_path = conf, .socket_path = sock, .foreground = true,
				.once = true };
	struct manager *m = NULL;

	reset_devices();
	assert_int_equal(manager_new(&m, &o), 0);
	assert_int_equal(manager_run(m), 0);
	return m;
}

/* N denials: N EARs, named by time, device and generation (0: none judged); no bundle */
static void test_every_denial(void **state)
{
	char opt[256], names[N + 4][128], bdf[32], digest[65];
	struct manager *m;
	int i, n;

	(void)state;
	clear_outdir();
	snprintf(opt, sizeof(opt), "export-dir = %s\n", outdir);
	write_conf(opt);
	m = run_once();
	snprintf(digest, sizeof(digest), "%s", m->policy->digest);
	manager_free(m);	/* drains the export queue */
	n = list_out(".ear.json", names, N + 4);
	assert_int_equal(n, N);
	assert_int_equal(list_out(".bundle.json", names, N + 4), 0);
	assert_int_equal(list_out(".ear.jwt", names, N + 4), 0);
	n = list_out(".ear.json", names, N + 4);
	for (i = 0; i < N; i++) {
		struct json_object *ear = load_out(names[i]);
		char *dash;

		assert_non_null(ear);
		/* 20261206T205603.123456Z-0000:01:00.0-g1.ear.json */
		assert_int_equal(strlen(names[i]) > 24, 1);
		assert_int_equal(names[i][8], 'T');
		assert_int_equal(names[i][22], 'Z');
		snprintf(bdf, sizeof(bdf), "%s", names[i] + 24);
		dash = strrchr(bdf, '-');
		assert_non_null(dash);
		/* nothing was read (no netlink family): no generation was judged */
		assert_string_equal(dash, "-g0.ear.json");
		*dash = '\0';
		assert_string_equal(sub_str(ear, bdf, "ear.status"), "contraindicated");
		{
			char id[80];

			snprintf(id, sizeof(id), "sha256:%s", digest);
			assert_string_equal(sub_str(ear, bdf, "ear.appraisal-policy-id"), id);
		}
		json_object_put(ear);
	}
	/* no temporary file left behind */
	assert_int_equal(count_all(), N);
}

/* export-keep = 4: the newest 4 of N + N decisions stay, nothing else is touched */
static void test_keep_bounded(void **state)
{
	char opt[256], first[N + 4][128], names[2 * N + 4][128], path[512];
	struct manager *m;
	int n, i;

	(void)state;
	clear_outdir();
	snprintf(opt, sizeof(opt), "export-dir = %s\nexport-keep = 4\n", outdir);
	write_conf(opt);
	m = run_once();
	manager_free(m);
	assert_int_equal(list_out(".ear.json", first, N + 4), 4);
	/* someone else's file in the directory, and a stale temporary file of ours */
	snprintf(path, sizeof(path), "%s/README", outdir);
	put_path(path, "not ours\n");
	snprintf(path, sizeof(path), "%s/.%s.tmp", outdir, first[0]);
	put_path(path, "half\n");
	m = run_once();
	manager_free(m);
	n = list_out(".ear.json", names, 2 * N + 4);
	assert_int_equal(n, 4);
	/* the newest: none of the first run's survives a second run of N > 4 */
	for (i = 0; i < 4; i++)
		assert_true(strcmp(names[i], first[3]) > 0);
	assert_int_equal(count_all(), 5);	/* 4 EARs and README */
}

/* an export-dir that cannot be made: every decision stands, every failure counted */
static void test_failure_changes_nothing(void **state)
{
	char opt[256], bdf[32];
	struct manager *m;
	int i;

	(void)state;
	clear_outdir();
	mock_puts(root, "export", "a file, not a directory\n");
	snprintf(opt, sizeof(opt), "export-dir = %s/sub\n", outdir);
	write_conf(opt);
	m = run_once();
	for (i = 0; i < N; i++) {
		struct vd_device *d;

		bdf_of(i, bdf, sizeof(bdf));
		d = device_find(m, bdf);
		assert_non_null(d);
		assert_int_equal(d->decision, VD_DENIED);
	}
	manager_free(m);
	unlink(outdir);
}

/* The failure counter, read before the manager is freed. */
static void test_failure_counted(void **state)
{
	char opt[256];
	struct manager *m;

	(void)state;
	clear_outdir();
	mock_puts(root, "export", "a file, not a directory\n");
	snprintf(opt, sizeof(opt), "export-dir = %s/sub\n", outdir);
	write_conf(opt);
	m = run_once();
	/* the queue drains on its thread; every one of the N fails */
	{
		unsigned long failed, written;
		int tries;

		for (tries = 0; tries < 500; tries++) {
			if (exporter_failures(m) + exporter_written(m) >= N)
				break;
			usleep(10000);
		}
		failed = exporter_failures(m);
		written = exporter_written(m);
		assert_int_equal(written, 0);
		assert_int_equal(failed, N);
	}
	manager_free(m);
	unlink(outdir);
}

/* fake evidence: what a worker read, for evbundle_build */
static char *fake_bundle(const char *bdf)
{
	static const uint8_t cert[] = "not a certificate chain";
	static const uint8_t meas[] = "not measurements";
	struct tsm_nl_evidence raw;
	struct evbundle_ids ids = { .bdf = bdf, .vendor = 0x8086, .device = 0x1111,
				    .class_code = 0x120000, .tsm_name = "tsm1",
				    .tsm_mode = "devsec" };
	struct json_object *b;
	char why[256], *text;

	memset(&raw, 0, sizeof(raw));
	raw.device_evidence = true;
	raw.has_generation = true;
	raw.generation = 7;
	raw.obj[PCI_TSM_EVIDENCE_TYPE_CERT0].present = true;
	raw.obj[PCI_TSM_EVIDENCE_TYPE_CERT0].data = (uint8_t *)cert;
	raw.obj[PCI_TSM_EVIDENCE_TYPE_CERT0].len = sizeof(cert) - 1;
	raw.obj[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS].present = true;
	raw.obj[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS].data = (uint8_t *)meas;
	raw.obj[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS].len = sizeof(meas) - 1;
	b = evbundle_build(&ids, &raw, why, sizeof(why));
	assert_non_null(b);
	assert_true(why[0] != '\0');	/* it does not parse, and says so */
	text = evbundle_text(b);
	json_object_put(b);
	assert_non_null(text);
	return text;
}

static EVP_PKEY *p256_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

/* a hand-made device and its decision, as device.c leaves it */
static void fake_device(struct vd_device *d, const char *bdf, enum vd_decision dec,
			const char *rule, const char *check, const char *reason)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	d->vendor = 0x8086;
	d->device = 0x1111;
	d->decision = dec;
	d->rule = rule;		/* |words| stays NULL: nothing to free */
	d->check = check;
	d->reason = reason;
	d->generation = 7;
	d->decided_usec = 1765000000123456ULL;
	memset(d->policy_digest, 'a', 64);
	d->has_sha[PCI_TSM_EVIDENCE_TYPE_CERT0] = true;
	memset(d->sha256[PCI_TSM_EVIDENCE_TYPE_CERT0], 0x11, 32);
}

static struct manager *bare_manager(const char *dir, EVP_PKEY *key)
{
	struct manager *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	tsm_config_defaults(&m->cfg);
	snprintf(m->cfg.export_dir, sizeof(m->cfg.export_dir), "%s", dir);
	m->export_key = key;
	assert_int_equal(exporter_setup(m), 0);
	return m;
}

static void bare_free(struct manager *m)
{
	exporter_teardown(m);
	EVP_PKEY_free(m->export_key);
	free(m);
}

/* a denial with its evidence: bundle, EAR bound to it, JWT */
static void test_denial_with_evidence(void **state)
{
	char names[8][128], path[512], hex[65], *file;
	struct vd_device d;
	struct manager *m;
	struct json_object *ear, *bundle;
	uint8_t md[32];
	size_t len;
	FILE *f;

	(void)state;
	clear_outdir();
	m = bare_manager(outdir, p256_key());
	fake_device(&d, "0000:05:00.0", VD_DENIED, "vendor-x", "measurement.value",
		    "measurement 1 differs");
	d.bundle = fake_bundle(d.bdf);
	export_on_event(m, &d, VD_EVENT_DECISION);
	/* a pending decision and a restored one are not exported */
	d.decision = VD_PENDING;
	export_on_event(m, &d, VD_EVENT_DECISION);
	d.decision = VD_DENIED;
	export_on_event(m, &d, VD_EVENT_RESTORED);
	bare_free(m);
	assert_int_equal(list_out(".ear.json", names, 8), 1);
	assert_string_equal(names[0], "20251206T054640.123456Z-0000:05:00.0-g7.ear.json");
	assert_int_equal(list_out(".ear.jwt", names, 8), 1);
	assert_int_equal(list_out(".bundle.json", names, 8), 1);
	assert_string_equal(names[0], "20251206T054640.123456Z-0000:05:00.0-g7.bundle.json");
	bundle = load_out(names[0]);
	assert_non_null(bundle);
	json_object_put(bundle);
	/* the bundle file is the device's, byte for byte, and the EAR names its digest */
	snprintf(path, sizeof(path), "%s/%s", outdir, names[0]);
	f = fopen(path, "r");
	assert_non_null(f);
	file = calloc(1, 1 << 16);
	len = fread(file, 1, (1 << 16) - 1, f);
	fclose(f);
	assert_int_equal(len, strlen(d.bundle));
	assert_memory_equal(file, d.bundle, len);
	assert_int_equal(tsm_digest(TSM_HASH_SHA256, file, len, md), 0);
	free(file);
	ear = load_out("20251206T054640.123456Z-0000:05:00.0-g7.ear.json");
	assert_non_null(ear);
	{
		struct json_object *subs, *app, *ext, *v;

		assert_true(json_object_object_get_ex(ear, "submods", &subs));
		assert_true(json_object_object_get_ex(subs, d.bdf, &app));
		assert_true(json_object_object_get_ex(app, "pci-tsm.decision", &ext));
		assert_true(json_object_object_get_ex(ext, "bundle-sha256", &v));
		assert_string_equal(json_object_get_string(v), tsm_hex(md, 32, hex, sizeof(hex)));
		assert_string_equal(sub_str(ear, d.bdf, "ear.status"), "contraindicated");
	}
	json_object_put(ear);
	free(d.bundle);
}

/* two decisions in the same microsecond get distinct names, in order */
static void test_unique_names(void **state)
{
	char names[8][128];
	struct vd_device d;
	struct manager *m;

	(void)state;
	clear_outdir();
	m = bare_manager(outdir, NULL);
	fake_device(&d, "0000:05:00.0", VD_DENIED, "admin", "admin", "denied by the administrator");
	d.admin = true;
	export_on_event(m, &d, VD_EVENT_DECISION);
	fake_device(&d, "0000:05:00.0", VD_ACCEPTED, "admin", "", "accepted by the administrator");
	d.admin = true;
	export_on_event(m, &d, VD_EVENT_DECISION);
	bare_free(m);
	assert_int_equal(list_out(".ear.json", names, 8), 2);
	assert_string_equal(names[0], "20251206T054640.123456Z-0000:05:00.0-g7.ear.json");
	assert_string_equal(names[1], "20251206T054640.123457Z-0000:05:00.0-g7.ear.json");
	assert_int_equal(list_out(".ear.jwt", names, 8), 0);
}

/* --write DIR: the daemon's own output for tests/check-ear.sh */
static int copy_out(const char *from_suffix_match, const char *dir, const char *to)
{
	char names[8][128], cmd[1024];

	if (list_out(from_suffix_match, names, 8) != 1)
		return -1;
	snprintf(cmd, sizeof(cmd), "cp '%s/%s' '%s/%s'", outdir, names[0], dir, to);
	return system(cmd) == 0 ? 0 : -1;
}

static int write_samples(const char *dir)
{
	static const struct {
		const char *file;
		enum vd_decision dec;
		const char *rule, *check, *reason;
		bool bundle, key;
	} s[] = {
		{ "ear-contraindicated.json", VD_DENIED, "vendor-x", "measurement.value",
		  "measurement 1 differs", true, true },
		{ "ear-warning.json", VD_ACCEPTED, "admin", "", "accepted by the administrator", false, false },
		{ "ear-kept.json", VD_KEPT, "", "present", "bound to a driver; no TSM to judge it", false, false },
		{ "ear-none.json", VD_HELD, "", "tsm", "held: no devsec TSM registered yet", false, false },
	};
	EVP_PKEY *key = p256_key();
	char path[512];
	size_t i;
	FILE *f;

	snprintf(root, sizeof(root), "/tmp/vd-export-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	snprintf(outdir, sizeof(outdir), "%s/export", root);
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct manager *m;
		struct vd_device d;

		clear_outdir();
		if (s[i].key)
			EVP_PKEY_up_ref(key);
		m = bare_manager(outdir, s[i].key ? key : NULL);
		fake_device(&d, "0000:05:00.0", s[i].dec, s[i].rule, s[i].check, s[i].reason);
		d.admin = !strcmp(s[i].rule, "admin");
		if (s[i].bundle)
			d.bundle = fake_bundle(d.bdf);
		export_on_event(m, &d, VD_EVENT_DECISION);
		bare_free(m);
		free(d.bundle);
		if (copy_out(".ear.json", dir, s[i].file) ||
		    (s[i].bundle && copy_out(".bundle.json", dir, "bundle.json")) ||
		    (s[i].key && copy_out(".ear.jwt", dir, "ear.jwt"))) {
			fprintf(stderr, "test-export: %s was not exported\n", s[i].file);
			return 1;
		}
	}
	snprintf(path, sizeof(path), "%s/pub.pem", dir);
	f = fopen(path, "w");
	if (!f || !PEM_write_PUBKEY(f, key) || fclose(f)) {
		fprintf(stderr, "test-export: cannot write %s\n", path);
		return 1;
	}
	EVP_PKEY_free(key);
	teardown_tree(NULL);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_denial),
		cmocka_unit_test(test_keep_bounded),
		cmocka_unit_test(test_failure_changes_nothing),
		cmocka_unit_test(test_failure_counted),
		cmocka_unit_test(test_denial_with_evidence),
		cmocka_unit_test(test_unique_names),
	};

	if (argc == 3 && !strcmp(argv[1], "--write"))
		return write_samples(argv[2]);
	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
