// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon re-decides after a device left RUN (issue 16 part 4), in
 * this process on a mock sysfs, with signed evidence made by the test
 * (tests/testlib.c) served through the jobs' evidence source instead of
 * the kernel's netlink families. Recovery uevents are synthetic:
 * device_recovery() with what udev.c parses from PCI_TSM_EVENT. What is
 * checked is what a user sees: tsm/accept, tsm/unlock, the decision and
 * its reason, the history `tsmctl show` prints, state.json across a
 * restart. Also the daemon-side fail-closed paths of issue 15 B and the
 * reload of devices kept in RUN (issue 15 C).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "manager.h"
#include "mocktree.h"
#include "testlib.h"

#define DEV	"0000:01:00.0"
#define DEV2	"0000:02:00.0"
#define A(bdf, attr) "sys/bus/pci/devices/" bdf "/" attr

static char root[64], conf[128], sock[128], errbuf[512];

/* ---- the mock device's evidence ---------------------------------------- */

struct mock {
	pthread_mutex_t lock;
	struct tl_evidence e;
	uint8_t d1[TSM_HASH_MAX_LEN], d2[TSM_HASH_MAX_LEN];
	uint64_t svn;
	uint32_t gen;
	bool garbage_cert;	/* a certificate chain object that does not parse */
	bool with_report;	/* the TDISP report, of |report_gen| (0: the current one) */
	uint32_t report_gen;
	bool lose_generation;	/* tsm/evidence_generation unreadable after the read */
	unsigned int reads;
};

static struct mock mk = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void put_gen(const char *bdf, uint32_t gen)
{
	char rel[128], val[16];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/tsm/evidence_generation", bdf);
	snprintf(val, sizeof(val), "%u\n", gen);
	mock_puts(root, rel, val);
}

/* Signs MEASUREMENTS over |nonce| with the current blocks (caller holds the lock). */
static void mock_sign(const uint8_t *nonce)
{
	uint16_t hl = (uint16_t)tsm_hash_len(mk.e.hash);
	struct tl_block b[3];
	unsigned int i;

	for (i = 0; i < 8; i++)
		mk.e.svn[i] = (uint8_t)(mk.svn >> (8 * i));
	b[0] = (struct tl_block){ 1, TSM_MEAS_MUTABLE_FW, mk.d1, hl };
	b[1] = (struct tl_block){ 2, TSM_MEAS_FW_CONFIG, mk.d2, hl };
	b[2] = (struct tl_block){ 3, 0x80 | TSM_MEAS_SVN, mk.e.svn, 8 };
	memcpy(mk.e.nonce, nonce, 32);
	tl_free(&mk.e.meas);
	tl_evidence_resign(&mk.e, b, 3);
}

static void dup_obj(struct tsm_object *o, const void *p, size_t len, uint32_t gen)
{
	o->data = malloc(len);
	assert_non_null(o->data);
	memcpy(o->data, p, len);
	o->len = len;
	o->present = true;
	o->generation = gen;
}

/* A refresh with |nonce| publishes a new generation, as the TSM does. */
static int mock_read(void *ctx, const char *bdf, const uint8_t *nonce, struct tsm_nl_evidence *raw)
{
	static const uint8_t junk[] = { 0x30, 0x82, 0xff, 0xff, 0x01 };

	(void)ctx;
	pthread_mutex_lock(&mk.lock);
	mk.reads++;
	if (nonce) {
		mock_sign(nonce);
		mk.gen++;
		put_gen(bdf, mk.gen);
	}
	memset(raw, 0, sizeof(*raw));
	if (mk.garbage_cert)
		dup_obj(&raw->obj[PCI_TSM_EVIDENCE_TYPE_CERT0], junk, sizeof(junk), mk.gen);
	else
		dup_obj(&raw->obj[PCI_TSM_EVIDENCE_TYPE_CERT0], mk.e.cert.p, mk.e.cert.len, mk.gen);
	dup_obj(&raw->obj[PCI_TSM_EVIDENCE_TYPE_VCA], mk.e.vca.p, mk.e.vca.len, mk.gen);
	dup_obj(&raw->obj[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS], mk.e.meas.p, mk.e.meas.len, mk.gen);
	if (mk.with_report)
		dup_obj(&raw->obj[PCI_TSM_EVIDENCE_TYPE_REPORT], mk.e.report.p, mk.e.report.len,
			mk.report_gen ? mk.report_gen : mk.gen);
	raw->generation = mk.gen;
	raw->has_generation = true;
	raw->device_evidence = true;
	raw->nonce_used = nonce != NULL;
	if (mk.lose_generation) {
		char p[256];

		snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/tsm/evidence_generation", root, bdf);
		unlink(p);
	}
	pthread_mutex_unlock(&mk.lock);
	return 0;
}

static int mock_validate(void *ctx, const char *bdf, uint32_t generation)
{
	int r;

	(void)ctx;
	(void)bdf;
	pthread_mutex_lock(&mk.lock);
	r = generation == mk.gen ? 0 : -ESTALE;
	pthread_mutex_unlock(&mk.lock);
	return r;
}

static const struct vd_evidence_source source = { mock_read, mock_validate, NULL };

/* Firmware as the device reports it: block 1 from |fw|, 2 from |cfg|, the SVN. */
static void mock_firmware(const char *fw, const char *cfg, uint64_t svn)
{
	pthread_mutex_lock(&mk.lock);
	assert_int_equal(tsm_digest(mk.e.hash, fw, strlen(fw), mk.d1), 0);
	assert_int_equal(tsm_digest(mk.e.hash, cfg, strlen(cfg), mk.d2), 0);
	mk.svn = svn;
	pthread_mutex_unlock(&mk.lock);
}

/* ---- tree, policy, manager ----------------------------------------------- */

static int setup_tree(void **state)
{
	char p[1024];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/vd-recovery-XXXXXX");
	assert_non_null(mkdtemp(root));
	mock_puts(root, "sys/class/tsm/tsm1/pci_mode", "devsec\n");
	mock_puts(root, "sys/bus/pci/drivers_probe", "");
	mock_puts(root, "sys/bus/pci/drivers/pci_tsm_hold/.keep", "");
	mock_puts(root, "etc/trust/.keep", "");
	snprintf(p, sizeof(p),
		 "[daemon]\ntimeout = 20s\npolicy-dir = %s/etc/policy.d\n"
		 "trust-dir = %s/etc/trust\nstate-dir = %s/state\n", root, root, root);
	mock_puts(root, "etc/tsm-verifierd.conf", p);
	snprintf(conf, sizeof(conf), "%s/etc/tsm-verifierd.conf", root);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", root);
	mock_daemon_env(root);
	tl_evidence_init(&mk.e, TL_P256, TSM_HASH_SHA256, false);
	snprintf(p, sizeof(p), "%s/etc/trust/root.pem", root);
	tl_write_pem(p, mk.e.pki.root);
	return 0;
}

static int teardown_tree(void **state)
{
	(void)state;
	tl_evidence_fini(&mk.e);
	return mock_tree_remove(root);
}

#define RULE_HEAD "[rule \"dev\"]\nmatch.vendor = 0x8086\ntrust-anchor = root.pem\n"

static void policy(const char *text)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/etc/policy.d'", root);
	assert_int_equal(system(cmd), 0);
	mock_puts(root, "etc/policy.d/50-test.conf", text);
}

/* A held, unlocked TEE device with published evidence (generation 1). */
static void fresh_device(const char *bdf)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/sys/bus/pci/devices/%s'", root, bdf);
	assert_int_equal(system(cmd), 0);
	mock_tee_device(root, bdf, "0x1111\n", "1\n");
}

/* The kernel after an exit from RUN: not accepted, unlocked, held. */
static void kernel_left_run(const char *bdf)
{
	char p[128];

	snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/tsm/accept", bdf);
	mock_puts(root, p, "0\n");
	snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/tsm/lock", bdf);
	mock_puts(root, p, "\n");
	snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/tsm/unlock", bdf);
	mock_puts(root, p, "");
}

/* A fresh run: no state.json, the mock's firmware as at the factory. */
static void fresh(const char *pol)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/state'", root);
	assert_int_equal(system(cmd), 0);
	policy(pol);
	fresh_device(DEV);
	pthread_mutex_lock(&mk.lock);
	mk.gen = 1;
	mk.garbage_cert = mk.with_report = mk.lose_generation = false;
	mk.report_gen = 0;
	pthread_mutex_unlock(&mk.lock);
	mock_firmware("fw", "cfg", 5);
}

static struct manager *start(void)
{
	struct vd_options o = { .config_path = conf, .socket_path = sock, .foreground = true };
	struct manager *m = NULL;

	assert_int_equal(manager_new(&m, &o), 0);
	m->evsrc = &source;
	state_snapshot_load(m);
	assert_int_equal(udev_coldplug(m), 0);
	state_snapshot_drop(m);
	return m;
}

/* Runs the loop until nothing is pending or in flight (10 s at most). */
static void settle(struct manager *m)
{
	int i;

	for (i = 0; i < 1000 && devices_busy(m); i++)
		assert_true(evloop_run_once(m->event, 10000) >= 0);
	assert_false(devices_busy(m));
}

/* @rel's first line, "" if absent */
static const char *get(const char *rel)
{
	char *s = mock_get(root, rel);

	if (!s)
		return "";
	s[strcspn(s, "\n")] = '\0';
	return s;
}

static struct vd_device *dev(struct manager *m, const char *bdf)
{
	struct vd_device *d = device_find(m, bdf);

	assert_non_null(d);
	return d;
}

static void uevent(struct manager *m, const char *bdf, const char *event, const char *cause,
		   const char *why)
{
	struct vd_recovery ev = { .has_generation = true };

	snprintf(ev.event, sizeof(ev.event), "%s", event);
	snprintf(ev.cause, sizeof(ev.cause), "%s", cause);
	snprintf(ev.why, sizeof(ev.why), "%s", why);
	pthread_mutex_lock(&mk.lock);
	ev.generation = mk.gen;
	pthread_mutex_unlock(&mk.lock);
	device_recovery(m, bdf, &ev);
}

/* Reset with reaccept = never: left-run, then needs-decision; the daemon decides. */
static void reset_never(struct manager *m, const char *bdf, const char *cause)
{
	kernel_left_run(bdf);
	uevent(m, bdf, "left-run", cause, "");
	assert_int_equal(dev(m, bdf)->decision, VD_HELD);
	uevent(m, bdf, "needs-decision", cause, "never");
	settle(m);
}

static struct manager *accepted_at_start(const char *pol)
{
	struct manager *m;

	fresh(pol);
	m = start();
	settle(m);
	assert_int_equal(dev(m, DEV)->decision, VD_ACCEPTED);
	assert_string_equal(get(A(DEV, "tsm/accept")), "1");
	return m;
}

static const struct vd_hist *last_hist(const struct vd_device *d)
{
	assert_true(d->nhist > 0);
	return device_history(d, d->nhist - 1);
}

/* ---- recovery -------------------------------------------------------------- */

static void test_same_evidence_after_reset(void **state)
{
	struct manager *m = accepted_at_start(RULE_HEAD "target = accept\n");
	struct vd_device *d = dev(m, DEV);
	const struct vd_hist *h;

	(void)state;
	kernel_left_run(DEV);
	uevent(m, DEV, "left-run", "reset", "");
	assert_int_equal(d->decision, VD_HELD);
	assert_string_equal(d->reason, "left RUN: reset");
	uevent(m, DEV, "needs-decision", "reset", "never");
	assert_string_equal(get(A(DEV, "tsm/lock")), "tsm1");	/* locked again by the daemon */
	settle(m);
	assert_int_equal(d->decision, VD_ACCEPTED);
	assert_string_equal(d->reason, "revalidated after reset: same evidence");
	assert_string_equal(get(A(DEV, "tsm/accept")), "1");
	assert_string_equal(d->recovery, "");
	/* history: the first accept, left RUN, the new accept */
	assert_int_equal(d->nhist, 3);
	h = device_history(d, 1);
	assert_string_equal(h->event, "left-run");
	assert_string_equal(h->cause, "reset");
	assert_int_equal(h->decision, VD_HELD);
	h = device_history(d, 2);
	assert_string_equal(h->event, "needs-decision");
	assert_int_equal(h->decision, VD_ACCEPTED);
	assert_int_equal(h->generation, d->generation);
	manager_free(m);
}

/* pci_tsm leaves the function in TDISP ERROR (never): the daemon unlocks it first. */
static void test_from_error(void **state)
{
	struct manager *m = accepted_at_start(RULE_HEAD "target = accept\n");
	struct vd_device *d = dev(m, DEV);

	(void)state;
	mock_puts(root, A(DEV, "tsm/accept"), "0\n");	/* ERROR: locked, not accepted */
	mock_puts(root, A(DEV, "tsm/unlock"), "");
	uevent(m, DEV, "left-run", "error", "");
	uevent(m, DEV, "needs-decision", "error", "never");
	assert_string_equal(get(A(DEV, "tsm/unlock")), "tsm1");
	settle(m);
	assert_int_equal(d->decision, VD_ACCEPTED);
	assert_string_equal(d->reason, "revalidated after error: same evidence");
	assert_string_equal(get(A(DEV, "tsm/accept")), "1");
	manager_free(m);
}

static void test_measurement_changed_denied(void **state)
{
	struct manager *m = accepted_at_start(RULE_HEAD "target = accept\n");
	struct vd_device *d = dev(m, DEV);

	(void)state;
	mock_firmware("fw", "other cfg", 5);
	reset_never(m, DEV, "reset");
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(d->check, "recovery.changed");
	assert_string_equal(d->reason, "measurement 2 changed");
	assert_string_equal(get(A(DEV, "tsm/accept")), "0");
	assert_string_equal(get(A(DEV, "tsm/unlock")), "tsm1");	/* unlocked again */
	assert_string_equal(last_hist(d)->reason, "measurement 2 changed");
	/* a reload under the same policy does not undo it: still compared */
	assert_int_equal(manager_reload(m, errbuf, sizeof(errbuf)), 0);
	settle(m);
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(d->reason, "measurement 2 changed");
	manager_free(m);
}

static void test_svn_up_accepted_by_rule(void **state)
{
	struct vd_evrec acc;
	struct manager *m = accepted_at_start(RULE_HEAD "measurement.svn-min = 3\ntarget = accept\n");
	struct vd_device *d = dev(m, DEV);

	(void)state;
	mock_firmware("fw 2.0", "cfg", 6);
	reset_never(m, DEV, "reset");
	assert_int_equal(d->decision, VD_ACCEPTED);
	assert_string_equal(d->reason,
			    "firmware update after reset: SVN 5 -> 6, measurement 1 changed (rule dev accepts it by measurement.svn-min)");
	assert_string_equal(get(A(DEV, "tsm/accept")), "1");
	/* the update is what later recoveries compare with */
	assert_true(vd_evrec_get(d, &acc));
	assert_int_equal(acc.svn, 6);
	reset_never(m, DEV, "aer");
	assert_int_equal(d->decision, VD_ACCEPTED);
	assert_string_equal(d->reason, "revalidated after aer: same evidence");
	manager_free(m);
}

static void test_svn_up_without_rule_denied(void **state)
{
	struct manager *m = accepted_at_start(RULE_HEAD "target = accept\n");
	struct vd_device *d = dev(m, DEV);

	(void)state;
	mock_firmware("fw 2.0", "cfg", 6);
	reset_never(m, DEV, "reset");
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(d->check, "recovery.changed");
	assert_non_null(strstr(d->reason, "SVN 5 -> 6, measurement 1 changed: rule dev sets no measurement.svn-min"));
	assert_string_equal(get(A(DEV, "tsm/accept")), "0");
	manager_free(m);
}

static void test_svn_down_denied(void **state)
{
	struct manager *m = accepted_at_start(RULE_HEAD "measurement.svn-min = 1\ntarget = accept\n");
	struct vd_device *d = dev(m, DEV);
	char p[1024];

	(void)state;
	mock_firmware("fw", "cfg", 4);	/* still above the rule's svn-min */
	reset_never(m, DEV, "reset");
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(d->check, "recovery.downgrade");
	assert_string_equal(d->reason, "SVN 5 -> 4: downgrade");
	assert_string_equal(get(A(DEV, "tsm/accept")), "0");
	/* not even in mode = audit */
	manager_free(m);
	snprintf(p, sizeof(p),
		 "[daemon]\nmode = audit\ntimeout = 20s\npolicy-dir = %s/etc/policy.d\n"
		 "trust-dir = %s/etc/trust\nstate-dir = %s/state\n", root, root, root);
	mock_puts(root, "etc/tsm-verifierd.conf", p);
	mock_firmware("fw", "cfg", 5);
	m = accepted_at_start(RULE_HEAD "measurement.svn-min = 1\ntarget = accept\n");
	d = dev(m, DEV);
	mock_firmware("fw", "cfg", 4);
	reset_never(m, DEV, "reset");
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(d->reason, "SVN 5 -> 4: downgrade");
	manager_free(m);
	snprintf(p, sizeof(p),
		 "[daemon]\ntimeout = 20s\npolicy-dir = %s/etc/policy.d\n"
		 "trust-dir = %s/etc/trust\nstate-dir = %s/state\n", root, root, root);
	mock_puts(root, "etc/tsm-verifierd.conf", p);
}

/* pci_tsm re-accepted in the kernel (same-evidence): the daemon agrees, no lock, no refresh. */
static void test_kernel_reaccepted(void **state)
{
	static const uint8_t knonce[32] = { 0x5a, 0x5a, 0x01 };
	struct manager *m = accepted_at_start(RULE_HEAD "target = accept\n");
	struct vd_device *d = dev(m, DEV);
	unsigned int reads;

	(void)state;
	kernel_left_run(DEV);
	uevent(m, DEV, "left-run", "aer", "");
	/* the kernel re-locks, refreshes over its own nonce and accepts */
	pthread_mutex_lock(&mk.lock);
	mock_sign(knonce);
	mk.gen++;
	put_gen(DEV, mk.gen);
	reads = mk.reads;
	pthread_mutex_unlock(&mk.lock);
	mock_puts(root, A(DEV, "tsm/lock"), "tsm1\n");
	mock_puts(root, A(DEV, "tsm/accept"), "1\n");
	uevent(m, DEV, "reaccepted", "aer", "");
	settle(m);
	assert_int_equal(d->decision, VD_ACCEPTED);
	assert_string_equal(d->reason, "kernel re-accepted after aer: same evidence");
	assert_int_equal(d->generation, mk.gen);
	assert_int_equal(mk.reads, reads + 1);		/* one read of the published evidence */
	assert_int_equal(memcmp(d->nonce, knonce, 32), 0);
	/* a reload judges it again against that nonce, and keeps it */
	assert_int_equal(manager_reload(m, errbuf, sizeof(errbuf)), 0);
	settle(m);
	assert_int_equal(d->decision, VD_ACCEPTED);
	assert_string_equal(get(A(DEV, "tsm/accept")), "1");
	manager_free(m);
}

/* A re-accept on evidence other than what the daemon accepted is revoked. */
static void test_kernel_reaccepted_other_evidence(void **state)
{
	static const uint8_t knonce[32] = { 0x77 };
	struct manager *m = accepted_at_start(RULE_HEAD "target = accept\n");
	struct vd_device *d = dev(m, DEV);

	(void)state;
	kernel_left_run(DEV);
	uevent(m, DEV, "left-run", "suspend", "");
	mock_firmware("fw", "cfg 2", 5);
	pthread_mutex_lock(&mk.lock);
	mock_sign(knonce);
	mk.gen++;
	put_gen(DEV, mk.gen);
	pthread_mutex_unlock(&mk.lock);
	mock_puts(root, A(DEV, "tsm/lock"), "tsm1\n");
	mock_puts(root, A(DEV, "tsm/accept"), "1\n");
	uevent(m, DEV, "reaccepted", "suspend", "");
	settle(m);
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(d->check, "recovery.changed");
	assert_string_equal(d->reason, "revoked: measurement 2 changed");
	assert_string_equal(get(A(DEV, "tsm/unlock")), "tsm1");
	manager_free(m);
}

/* An administrator's deny stands over a recovery. */
static void test_admin_deny_stands(void **state)
{
	struct manager *m = accepted_at_start(RULE_HEAD "target = accept\n");
	struct vd_device *d = dev(m, DEV);
	char err[256];
	unsigned int reads;

	(void)state;
	kernel_left_run(DEV);
	uevent(m, DEV, "left-run", "reset", "");
	assert_int_equal(device_admin_deny(m, DEV, err, sizeof(err)), 0);
	reads = mk.reads;
	mock_puts(root, A(DEV, "tsm/unlock"), "");
	uevent(m, DEV, "needs-decision", "reset", "never");
	settle(m);
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(d->rule, "admin");
	assert_int_equal(mk.reads, reads);		/* not verified again */
	assert_string_equal(get(A(DEV, "tsm/accept")), "0");
	manager_free(m);
}

/* `tsmctl show` without the daemon prints the history of the state file. */
static void offline_show_has(const char *reason)
{
	const char *ctl = getenv("VD_TSMCTL");
	char cmd[1024], line[512];
	bool history = false, found = false;
	FILE *p;

	if (!ctl)
		return;		/* run outside check-verifierd */
	snprintf(cmd, sizeof(cmd),
		 "TSM_SYSFS_ROOT='%s' '%s' --socket '%s/none.sock' --config '%s' show " DEV
		 " 2>/dev/null", root, ctl, root, conf);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (!strncmp(line, "History", 7))
			history = true;
		else if (history && strstr(line, reason) && strstr(line, "needs-decision aer"))
			found = true;
	}
	pclose(p);
	assert_true(history);
	assert_true(found);
}

/*
 * The history is bounded (the oldest go) and survives a restart, with
 * the record of the accepted evidence: a downgrade after the restart is
 * still seen as one.
 */
static void test_history_bounded_and_persisted(void **state)
{
	struct vd_evrec acc;
	struct manager *m = accepted_at_start(RULE_HEAD "measurement.svn-min = 1\ntarget = accept\n");
	struct vd_device *d = dev(m, DEV);
	struct json_object *o, *hist;
	char last[VD_HIST_REASON_MAX];
	int i;

	(void)state;
	for (i = 0; i < 10; i++)
		reset_never(m, DEV, i % 2 ? "aer" : "reset");
	assert_int_equal(d->nhist, VD_HISTORY_MAX);	/* 1 + 2 * 10 entries made */
	assert_string_equal(device_history(d, 0)->event, "left-run");
	assert_string_equal(last_hist(d)->reason, "revalidated after aer: same evidence");
	snprintf(last, sizeof(last), "%s", last_hist(d)->reason);
	o = device_to_json(d, true);
	assert_true(json_object_object_get_ex(o, "history", &hist));
	assert_int_equal(json_object_array_length(hist), VD_HISTORY_MAX);
	json_object_put(o);
	assert_int_equal(state_flush(m), 0);
	manager_free(m);
	offline_show_has(last);

	/* restart: the device is still in RUN with the same generation */
	m = start();
	settle(m);
	d = dev(m, DEV);
	assert_int_equal(d->decision, VD_ACCEPTED);
	assert_int_equal(d->nhist, VD_HISTORY_MAX);
	assert_string_equal(last_hist(d)->reason, last);
	assert_true(vd_evrec_get(d, &acc));
	assert_int_equal(acc.svn, 5);
	mock_firmware("fw", "cfg", 2);
	reset_never(m, DEV, "suspend");
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(d->reason, "SVN 5 -> 2: downgrade");
	assert_int_equal(d->nhist, VD_HISTORY_MAX);
	assert_int_equal(state_flush(m), 0);
	manager_free(m);

	/* and a device that left RUN while the daemon was down is compared too */
	m = start();
	settle(m);
	d = dev(m, DEV);
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(get(A(DEV, "tsm/accept")), "0");
	manager_free(m);
}

/* ---- issue 15 leftovers ----------------------------------------------------- */

/* A device found in RUN (kept) is judged on reload: kept if accepted, else revoked. */
static void test_reload_judges_kept(void **state)
{
	static const uint8_t knonce[32] = { 0x11 };
	struct manager *m;
	struct vd_device *d;

	(void)state;
	fresh(RULE_HEAD "target = accept\n");
	pthread_mutex_lock(&mk.lock);
	mock_sign(knonce);
	pthread_mutex_unlock(&mk.lock);
	mock_puts(root, A(DEV, "tsm/lock"), "tsm1\n");
	mock_puts(root, A(DEV, "tsm/accept"), "1\n");
	m = start();
	settle(m);
	d = dev(m, DEV);
	assert_int_equal(d->decision, VD_KEPT);
	assert_int_equal(manager_reload(m, errbuf, sizeof(errbuf)), 0);
	settle(m);
	assert_int_equal(d->decision, VD_ACCEPTED);
	assert_string_equal(get(A(DEV, "tsm/accept")), "1");
	assert_string_equal(get(A(DEV, "tsm/unlock")), "");
	/* the same device, kept, under a policy that denies it: revoked */
	manager_free(m);
	policy("[rule \"dev\"]\nmatch.vendor = 0x8086\ntarget = deny\n");
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s/state'", root);
		assert_int_equal(system(cmd), 0);
	}
	m = start();
	settle(m);
	d = dev(m, DEV);
	assert_int_equal(d->decision, VD_KEPT);
	assert_int_equal(manager_reload(m, errbuf, sizeof(errbuf)), 0);
	settle(m);
	assert_int_equal(d->decision, VD_DENIED);
	assert_non_null(strstr(d->reason, "revoked"));
	assert_string_equal(get(A(DEV, "tsm/unlock")), "tsm1");
	manager_free(m);
}

/* Evidence that does not parse is never accepted, not by an unverified rule nor [default]. */
static void test_unparseable_never_accepted(void **state)
{
	struct manager *m;
	struct vd_device *d;

	(void)state;
	fresh("[rule \"any\"]\nmatch.vendor = 0x8086\nunverified = allow\ntarget = accept\n"
	      "[default]\nunverified = allow\ntarget = accept\n");
	mk.garbage_cert = true;
	m = start();
	settle(m);
	d = dev(m, DEV);
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(get(A(DEV, "tsm/accept")), "0");
	assert_non_null(strstr(d->reason, "malformed evidence"));
	manager_free(m);
	mk.garbage_cert = false;
}

/* A rule that checks the report needs the report of the verified generation. */
static void test_report_rule_needs_report(void **state)
{
	struct manager *m;
	struct vd_device *d;

	(void)state;
	fresh(RULE_HEAD "report.require = no-fw-update\ntarget = accept\n");
	m = start();
	settle(m);
	d = dev(m, DEV);
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(d->check, "report");
	assert_non_null(strstr(d->reason, "has none"));
	assert_string_equal(get(A(DEV, "tsm/accept")), "0");
	manager_free(m);

	/* a report of another generation counts as absent */
	fresh(RULE_HEAD "report.require = no-fw-update\ntarget = accept\n");
	mk.with_report = true;
	mk.report_gen = 1;
	m = start();
	settle(m);
	d = dev(m, DEV);
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(d->check, "report");
	assert_non_null(strstr(d->reason, "not the verified generation"));
	assert_string_equal(get(A(DEV, "tsm/accept")), "0");
	manager_free(m);
	mk.with_report = false;
	mk.report_gen = 0;
}

/* Without the generation it validated readable, the daemon does not write accept. */
static void test_no_generation_no_accept(void **state)
{
	struct manager *m;
	struct vd_device *d;

	(void)state;
	fresh(RULE_HEAD "target = accept\n");
	mk.lose_generation = true;
	m = start();
	settle(m);
	d = dev(m, DEV);
	assert_int_equal(d->decision, VD_DENIED);
	assert_string_equal(d->check, "evidence.generation");
	assert_string_equal(get(A(DEV, "tsm/accept")), "0");
	manager_free(m);
	mk.lose_generation = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_evidence_after_reset),
		cmocka_unit_test(test_from_error),
		cmocka_unit_test(test_measurement_changed_denied),
		cmocka_unit_test(test_svn_up_accepted_by_rule),
		cmocka_unit_test(test_svn_up_without_rule_denied),
		cmocka_unit_test(test_svn_down_denied),
		cmocka_unit_test(test_kernel_reaccepted),
		cmocka_unit_test(test_kernel_reaccepted_other_evidence),
		cmocka_unit_test(test_admin_deny_stands),
		cmocka_unit_test(test_history_bounded_and_persisted),
		cmocka_unit_test(test_reload_judges_kept),
		cmocka_unit_test(test_unparseable_never_accepted),
		cmocka_unit_test(test_report_rule_needs_report),
		cmocka_unit_test(test_no_generation_no_accept),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
