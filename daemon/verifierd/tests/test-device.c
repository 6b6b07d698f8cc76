// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device state machine on its own (device.c), in this process on a
 * mock sysfs (TSM_SYSFS_ROOT): what it announces to its listeners, that an
 * administrator's decision stands over "add" uevents, rescans and reloads,
 * that a rescan finds what lost uevents would have announced, and the
 * policy digest (policy_digest.c). With no evidence netlink family every
 * verification is denied.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "manager.h"
#include "mocktree.h"
#include "policy_digest.h"

#define N 4

static char root[64];
static char conf[128], sock[128];

static void puts_file(const char *rel, const char *text)
{
	mock_puts(root, rel, text);
}

static char *get(const char *rel)
{
	return mock_get(root, rel);
}

static void bdf_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "0000:%02x:00.0", i + 1);
}

static void attr(int i, const char *name, char *buf, size_t len)
{
	char bdf[32];

	bdf_of(i, bdf, sizeof(bdf));
	snprintf(buf, len, "sys/bus/pci/devices/%s/%s", bdf, name);
}

static int setup_tree(void **state)
{
	char p[1024], bdf[32];
	int i;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/vd-device-XXXXXX");
	assert_non_null(mkdtemp(root));
	puts_file("sys/class/tsm/tsm1/pci_mode", "devsec\n");
	puts_file("sys/bus/pci/drivers_probe", "");
	puts_file("sys/bus/pci/drivers/pci_tsm_hold/.keep", "");
	for (i = 0; i < N; i++) {
		bdf_of(i, bdf, sizeof(bdf));
		mock_tee_device(root, bdf, "0x1111\n", "1\n");
	}
	puts_file("etc/policy.d/.keep", "");
	snprintf(p, sizeof(p),
		 "[daemon]\ntimeout = 20s\npolicy-dir = %s/etc/policy.d\n"
		 "trust-dir = %s/etc/trust\nstate-dir = %s/state\n", root, root, root);
	puts_file("etc/tsm-verifierd.conf", p);
	snprintf(conf, sizeof(conf), "%s/etc/tsm-verifierd.conf", root);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", root);
	mock_daemon_env(root);
	return 0;
}

static int teardown_tree(void **state)
{
	(void)state;
	return mock_tree_remove(root);
}

static struct manager *new_manager(void)
{
	struct vd_options o = { .config_path = conf, .socket_path = sock, .foreground = true };
	struct manager *m = NULL;
	char p[256];
	int i;

	for (i = 0; i < N; i++) {
		attr(i, "tsm/lock", p, sizeof(p));
		puts_file(p, "\n");
		attr(i, "tsm/unlock", p, sizeof(p));
		puts_file(p, "");
	}
	assert_int_equal(manager_new(&m, &o), 0);
	return m;
}

/* events heard by the test's own listener */
static struct {
	char bdf[32];
	enum vd_event ev;
	enum vd_decision dec;
} heard[64];
static unsigned int nheard;

static void record(struct manager *m, const struct vd_device *d, enum vd_event ev)
{
	(void)m;
	if (nheard >= sizeof(heard) / sizeof(heard[0]))
		return;
	snprintf(heard[nheard].bdf, sizeof(heard[0].bdf), "%s", d->bdf);
	heard[nheard].ev = ev;
	heard[nheard].dec = d->decision;
	nheard++;
}

/* Every decision is announced, once, in the order it was made. */
static void test_announces(void **state)
{
	struct manager *m = new_manager();
	char bdf[32];
	unsigned int i, pending = 0;

	(void)state;
	nheard = 0;
	assert_int_equal(devices_listen(m, record), 0);
	assert_int_equal(udev_coldplug(m), 0);
	for (i = 0; i < nheard; i++) {
		assert_int_equal(heard[i].ev, VD_EVENT_DECISION);
		assert_int_equal(heard[i].dec, VD_PENDING);
		pending++;
	}
	assert_int_equal(pending, N);
	/* removal: a decision for the pending run, then the device is forgotten */
	bdf_of(0, bdf, sizeof(bdf));
	nheard = 0;
	device_removed(m, bdf);
	assert_int_equal(nheard, 2);
	assert_int_equal(heard[0].ev, VD_EVENT_DECISION);
	assert_int_equal(heard[0].dec, VD_DENIED);
	assert_int_equal(heard[1].ev, VD_EVENT_FORGOTTEN);
	assert_string_equal(heard[1].bdf, bdf);
	assert_null(device_find(m, bdf));
	manager_free(m);
}

/* An administrator's deny stands over an add uevent, a rescan and a reload. */
static void test_admin_deny_sticks(void **state)
{
	struct manager *m = new_manager();
	struct vd_device *d;
	char err[256], bdf[32], lock[256], unlock[256];

	(void)state;
	assert_int_equal(udev_coldplug(m), 0);
	bdf_of(1, bdf, sizeof(bdf));
	attr(1, "tsm/lock", lock, sizeof(lock));
	attr(1, "tsm/unlock", unlock, sizeof(unlock));
	assert_int_equal(device_admin_deny(m, bdf, err, sizeof(err)), 0);
	d = device_find(m, bdf);
	assert_non_null(d);
	assert_int_equal(d->decision, VD_DENIED);
	assert_true(d->admin);
	assert_string_equal(get(unlock), "tsm1");

	/* something locked it again, then an "add" arrives */
	puts_file(lock, "tsm1\n");
	puts_file(unlock, "");
	device_added(m, bdf, false);
	d = device_find(m, bdf);
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(d->rule, "admin");
	assert_null(d->job);
	assert_string_equal(get(unlock), "tsm1");	/* released again, not re-judged */

	puts_file(lock, "\n");
	puts_file(unlock, "");
	devices_rescan(m);
	assert_int_equal(device_find(m, bdf)->decision, VD_DENIED);
	assert_null(device_find(m, bdf)->job);
	assert_string_equal(get(lock), "\n");		/* not locked for a new run */

	assert_int_equal(manager_reload(m, err, sizeof(err)), 0);
	assert_int_equal(device_find(m, bdf)->decision, VD_DENIED);
	assert_null(device_find(m, bdf)->job);
	assert_string_equal(get(lock), "\n");
	manager_free(m);
}

/* A device whose "add" was lost is found by the rescan that follows ENOBUFS. */
static void test_rescan_finds_new_device(void **state)
{
	struct manager *m = new_manager();
	char p[256];

	(void)state;
	assert_int_equal(udev_coldplug(m), 0);
	assert_null(device_find(m, "0000:42:00.0"));
	mock_tee_device(root, "0000:42:00.0", "0x1111\n", "1\n");
	devices_rescan(m);
	assert_non_null(device_find(m, "0000:42:00.0"));
	assert_int_equal(device_find(m, "0000:42:00.0")->decision, VD_PENDING);
	assert_string_equal(get("sys/bus/pci/devices/0000:42:00.0/tsm/lock"), "tsm1");
	/* and one that went away unseen is forgotten */
	snprintf(p, sizeof(p), "rm -rf '%s/sys/bus/pci/devices/0000:42:00.0'", root);
	assert_int_equal(system(p), 0);
	devices_rescan(m);
	assert_null(device_find(m, "0000:42:00.0"));
	manager_free(m);
}

/* Runs the daemon --once over the 256 functions on bus 0x80; returns ms. */
static long long run_vfs(unsigned int timeout_ms, unsigned int *timeouts, unsigned int *undecided)
{
	struct vd_options o = { .socket_path = sock, .foreground = true, .once = true };
	struct manager *m = NULL;
	struct vd_device *d;
	struct timespec t0, t1;
	char p[1024], conf2[160];
	unsigned int n = 0;

	snprintf(p, sizeof(p),
		 "[daemon]\ntimeout = %ums\npolicy-dir = %s/etc/policy.d\n"
		 "trust-dir = %s/etc/trust\nstate-dir = %s/state-vf\n", timeout_ms, root, root,
		 root);
	puts_file("etc/vf.conf", p);
	snprintf(conf2, sizeof(conf2), "%s/etc/vf.conf", root);
	o.config_path = conf2;
	assert_int_equal(manager_new(&m, &o), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(manager_run(m), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*timeouts = *undecided = 0;
	for (d = m->devices; d; d = d->next) {
		if (strncmp(d->bdf, "0000:80:", 8))
			continue;
		n++;
		if (!strcmp(d->check, "timeout"))
			(*timeouts)++;
		if (d->decision != VD_DENIED)
			(*undecided)++;
	}
	assert_int_equal(n, 256);
	manager_free(m);
	return (t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

/*
 * 256 functions behind one bus (SR-IOV virtual functions) share a DSM, so
 * their runs are serialized; the per-device timeout counts a function's
 * own run, not its wait in that queue. A first pass with a generous
 * timeout measures the queue; the second gives each function an eighth
 * of it, about 32 times an average run: counted from the device's start,
 * seven in eight would time out; counted from the dispatch, none should.
 * A few are tolerated for a run starved by a loaded machine.
 */
static void test_many_functions_one_bus(void **state)
{
	unsigned int timeouts, undecided, budget;
	char bdf[32], p[512];
	long long ms;
	int i;

	(void)state;
	for (i = 0; i < 256; i++) {
		snprintf(bdf, sizeof(bdf), "0000:80:%02x.%d", i / 8, i % 8);
		mock_tee_device(root, bdf, "0x1111\n", "1\n");
	}
	ms = run_vfs(60000, &timeouts, &undecided);
	assert_int_equal(undecided, 0);
	assert_int_equal(timeouts, 0);
	budget = ms / 8 > 20 ? ms / 8 : 20;
	ms = run_vfs(budget, &timeouts, &undecided);
	print_message("256 functions on one bus: %lld ms of queue, timeout %u ms, %u timeouts\n",
		      ms, budget, timeouts);
	assert_int_equal(undecided, 0);
	assert_true(timeouts <= 8);
	snprintf(p, sizeof(p), "rm -rf '%s/sys/bus/pci/devices/0000:80:'*", root);
	assert_int_equal(system(p), 0);
	if (ms <= budget)
		skip();		/* the queue was too quick to show anything */
}

static struct tsm_policy *parse(const char *text)
{
	struct tsm_policy *pol = tsm_policy_new(NULL);
	struct tsm_error err;

	assert_non_null(pol);
	tsm_error_clear(&err);
	if (tsm_policy_parse_buffer(pol, "t.conf", text, strlen(text), &err))
		fail_msg("%s\n%s", err.reason, text);
	return pol;
}

/* The digest follows what was parsed: comments and layout do not count. */
static void test_policy_digest(void **state)
{
	static const char a[] =
		"[rule \"x\"]\nmatch.vendor = 0x8086\ntarget = deny\n";
	static const char a_commented[] =
		"# a comment\n[rule \"x\"]\n   match.vendor = 32902   ; the same\n\ntarget = deny\n";
	static const char b[] =
		"[rule \"x\"]\nmatch.vendor = 0x8087\ntarget = deny\n";
	struct tsm_config cfg;
	struct tsm_policy *pa = parse(a), *pc = parse(a_commented), *pb = parse(b);
	char da[VD_DIGEST_HEX], dc[VD_DIGEST_HEX], db[VD_DIGEST_HEX], dm[VD_DIGEST_HEX];

	(void)state;
	tsm_config_defaults(&cfg);
	assert_int_equal(vd_policy_digest(&cfg, pa, da), 0);
	assert_int_equal(strlen(da), 64);
	assert_int_equal(vd_policy_digest(&cfg, pc, dc), 0);
	assert_string_equal(da, dc);
	assert_int_equal(vd_policy_digest(&cfg, pb, db), 0);
	assert_string_not_equal(da, db);
	cfg.mode = TSM_MODE_AUDIT;
	assert_int_equal(vd_policy_digest(&cfg, pa, dm), 0);
	assert_string_not_equal(da, dm);
	tsm_policy_free(pa);
	tsm_policy_free(pc);
	tsm_policy_free(pb);
}

/*
 * Every field that takes part in a decision changes the digest, unverified
 * included, also in a rule after one the printer cannot write back (a
 * restart must not keep an accept the changed policy did not make).
 */
static void test_policy_digest_fields(void **state)
{
#define PIN "sha256:" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define PIN2 "sha256:" \
	"ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define MEAS "sha256:" \
	"0000000000000000000000000000000000000000000000000000000000000000"
#define MEAS2 "sha256:" \
	"0000000000000000000000000000000000000000000000000000000000000001"
	static const char *const variants[] = {
		"[rule \"x\"]\nmatch.vendor = 0x8086\ntarget = deny\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\nunverified = allow\ntarget = deny\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\nunverified = allow\ntarget = accept\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\nunverified = allow\ntarget = audit\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\nroot-fingerprint = " PIN "\ntarget = accept\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\nroot-fingerprint = " PIN2 "\ntarget = accept\n",
		"[rule \"x\"]\nmatch.device = 0x0001\ntarget = deny\n",
		"[rule \"x\"]\nmatch.class = 0x020000\ntarget = deny\n",
		"[rule \"x\"]\nmatch.address = 0000:01:*\ntarget = deny\n",
		"[rule \"x\"]\nmatch.subject = CN=a\ntarget = deny\n",
		"[rule \"x\"]\nmatch.hwid = a*\ntarget = deny\n",
		"[rule \"x\"]\nmatch.root-fingerprint = " PIN "\ntarget = deny\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\nroot-fingerprint = " PIN
			"\nmeasurement.1 = " MEAS "\ntarget = accept\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\nroot-fingerprint = " PIN
			"\nmeasurement.1 = " MEAS2 "\ntarget = accept\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\nroot-fingerprint = " PIN
			"\nmeasurement.svn-min = 3\ntarget = accept\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\nroot-fingerprint = " PIN
			"\nreport.require = ats\ntarget = accept\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\nroot-fingerprint = " PIN
			"\nreport.forbid = ats\ntarget = accept\n",
		"[rule \"y\"]\nmatch.vendor = 0x8086\ntarget = deny\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\ntarget = deny\n[default]\ntarget = deny\n"
			"unverified = allow\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\ntarget = deny\n[default]\ntarget = accept\n"
			"unverified = allow\n",
		"[rule \"x\"]\nmatch.vendor = 0x8086\ntarget = deny\n[default]\ntarget = audit\n"
			"unverified = allow\n",
	};
	enum { NV = sizeof(variants) / sizeof(variants[0]) };
	static const char two[] =
		"[rule \"odd\"]\nmatch.subject = CN=a\ntarget = deny\n"
		"[rule \"x\"]\nmatch.vendor = 0x8086\nunverified = allow\ntarget = %s\n";
	char d[NV][VD_DIGEST_HEX], text[512], du[2][VD_DIGEST_HEX], dv[VD_DIGEST_HEX];
	struct tsm_config cfg;
	struct tsm_policy *pol;
	FILE *null;
	int i, j;

	(void)state;
	tsm_config_defaults(&cfg);
	for (i = 0; i < NV; i++) {
		pol = parse(variants[i]);
		assert_int_equal(vd_policy_digest(&cfg, pol, d[i]), 0);
		tsm_policy_free(pol);
		for (j = 0; j < i; j++)
			if (!strcmp(d[i], d[j]))
				fail_msg("policies %d and %d have the same digest:\n%s\n%s", j, i,
					 variants[j], variants[i]);
	}
	/* the printer refuses a subject with a tab; the rule after it still counts */
	for (i = 0; i < 2; i++) {
		snprintf(text, sizeof(text), two, i ? "accept" : "deny");
		pol = parse(text);
		free(pol->rules[0].match_subject);
		pol->rules[0].match_subject = strdup("CN=a\tb");
		null = fopen("/dev/null", "w");
		assert_non_null(null);
		assert_int_not_equal(tsm_policy_print(null, pol), 0);
		fclose(null);
		assert_int_equal(vd_policy_digest(&cfg, pol, du[i]), 0);
		if (i) {
			/* and so does the unprintable field itself */
			free(pol->rules[0].match_subject);
			pol->rules[0].match_subject = strdup("CN=a\tc");
			assert_int_equal(vd_policy_digest(&cfg, pol, dv), 0);
			assert_string_not_equal(du[1], dv);
		}
		tsm_policy_free(pol);
	}
	assert_string_not_equal(du[0], du[1]);
	/* the configuration keys a decision depends on */
	pol = parse(variants[0]);
	cfg.nonce_required = !cfg.nonce_required;
	assert_int_equal(vd_policy_digest(&cfg, pol, dv), 0);
	assert_string_not_equal(d[0], dv);
	tsm_config_defaults(&cfg);
	cfg.time_check = !cfg.time_check;
	assert_int_equal(vd_policy_digest(&cfg, pol, dv), 0);
	assert_string_not_equal(d[0], dv);
	tsm_policy_free(pol);
#undef PIN
#undef PIN2
#undef MEAS
#undef MEAS2
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_announces),
		cmocka_unit_test(test_admin_deny_sticks),
		cmocka_unit_test(test_rescan_finds_new_device),
		cmocka_unit_test(test_many_functions_one_bus),
		cmocka_unit_test(test_policy_digest),
		cmocka_unit_test(test_policy_digest_fields),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
