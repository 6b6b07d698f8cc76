// SPDX-License-Identifier: GPL-2.0-only
/*
 * state.json is written in batches (state.c): not once per decision, but
 * after a short delay, at once on shutdown and after a reload, and written
 * through for an administrator's decision. The manager runs in this
 * process on a mock sysfs (TSM_SYSFS_ROOT) with N held TEE devices; with
 * no evidence netlink family every verification is denied, which gives
 * 2 N decisions (pending, then denied) to batch.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "evsummary.h"
#include "manager.h"
#include "mocktree.h"

#define N 24

static char root[64];
static char conf[128], sock[128], statefile[128];

static void puts_file(const char *rel, const char *text)
{
	mock_puts(root, rel, text);
}

static void bdf_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "0000:%02x:00.0", i + 1);
}

static void mock_device(int i)
{
	char bdf[32];

	bdf_of(i, bdf, sizeof(bdf));
	mock_tee_device(root, bdf, "0x1111\n", "1\n");
}

static void reset_devices(void)
{
	char p[256], bdf[32];
	int i;

	for (i = 0; i < N; i++) {
		bdf_of(i, bdf, sizeof(bdf));
		snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/tsm/lock", bdf);
		puts_file(p, "\n");
		snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/tsm/unlock", bdf);
		puts_file(p, "");
	}
	unlink(statefile);
}

static int setup_tree(void **state)
{
	char p[1024];
	int i;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/vd-state-XXXXXX");
	assert_non_null(mkdtemp(root));
	puts_file("sys/class/tsm/tsm1/pci_mode", "devsec\n");
	puts_file("sys/bus/pci/drivers_probe", "");
	puts_file("sys/bus/pci/drivers/pci_tsm_hold/.keep", "");
	for (i = 0; i < N; i++)
		mock_device(i);
	puts_file("etc/policy.d/.keep", "");
	snprintf(p, sizeof(p),
		 "[daemon]\ntimeout = 20s\npolicy-dir = %s/etc/policy.d\n"
		 "trust-dir = %s/etc/trust\nstate-dir = %s/state\n", root, root, root);
	puts_file("etc/tsm-verifierd.conf", p);
	snprintf(conf, sizeof(conf), "%s/etc/tsm-verifierd.conf", root);
	snprintf(sock, sizeof(sock), "%s/ctl.sock", root);
	snprintf(statefile, sizeof(statefile), "%s/state/state.json", root);
	mock_daemon_env(root);
	return 0;
}

static int teardown_tree(void **state)
{
	(void)state;
	return mock_tree_remove(root);
}

static struct manager *new_manager(bool once)
{
	struct vd_options o = { .config_path = conf, .socket_path = sock, .foreground = true,
				.once = once };
	struct manager *m = NULL;

	reset_devices();
	assert_int_equal(manager_new(&m, &o), 0);
	return m;
}

/* decisions in state.json: how many devices, how many with |decision| */
static int saved(const char *decision, int *total)
{
	struct json_object *st = json_object_from_file(statefile), *arr, *v;
	int n = 0;
	size_t i;

	*total = -1;
	if (!st)
		return -1;
	assert_true(json_object_object_get_ex(st, "devices", &arr));
	*total = json_object_array_length(arr);
	for (i = 0; i < json_object_array_length(arr); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(arr, i), "decision", &v) &&
		    !strcmp(json_object_get_string(v), decision))
			n++;
	json_object_put(st);
	return n;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* --once: 2 N decisions, written once or twice (the timer), not 2 N times */
static void test_batched(void **state)
{
	struct manager *m = new_manager(true);
	int total;

	(void)state;
	assert_int_equal(manager_run(m), 0);
	assert_true(m->state_writes >= 1);
	assert_true(m->state_writes <= 3);
	assert_int_equal(saved("denied", &total), N);
	assert_int_equal(total, N);
	manager_free(m);
}

/* A decision arms one timer; the file appears when it fires, not before. */
static void test_timer(void **state)
{
	struct manager *m = new_manager(false);
	uint64_t t0, deadline;
	int total;

	(void)state;
	t0 = mono_ms();
	assert_int_equal(udev_coldplug(m), 0);	/* N pending decisions */
	assert_true(m->state_dirty);
	assert_non_null(m->state_timer);
	assert_int_equal(m->state_writes, 0);
	assert_int_equal(access(statefile, F_OK), -1);
	deadline = t0 + 15000;
	while (m->state_writes == 0 && mono_ms() < deadline)
		assert_true(evloop_run_once(m->event, 100000) >= 0);
	assert_int_equal(m->state_writes, 1);
	/* not before the delay */
	assert_true(mono_ms() - t0 >= VD_STATE_DELAY_MIN_MS - 20);
	assert_true(saved("denied", &total) + saved("pending", &total) == N);
	assert_int_equal(total, N);
	manager_free(m);
}

/* SIGTERM before the timer fired: the exit path writes what is unsaved. */
static void test_flush_on_sigterm(void **state)
{
	struct manager *m = new_manager(false);
	int total, pending, denied;

	(void)state;
	/* pending until the loop's first iteration, which then stops it */
	assert_int_equal(kill(getpid(), SIGTERM), 0);
	assert_int_equal(manager_run(m), 0);
	assert_int_equal(m->state_writes, 1);
	assert_false(m->state_dirty);
	pending = saved("pending", &total);
	denied = saved("denied", &total);
	assert_int_equal(total, N);
	assert_int_equal(pending + denied, N);
	manager_free(m);
}

/* An administrator's deny is on disk before the control socket answers. */
static void test_admin_write_through(void **state)
{
	struct manager *m = new_manager(false);
	struct json_object *st, *arr, *o, *v;
	char err[256], bdf[32];
	unsigned long before;
	int total;

	(void)state;
	assert_int_equal(udev_coldplug(m), 0);
	before = m->state_writes;
	bdf_of(3, bdf, sizeof(bdf));
	assert_int_equal(device_admin_deny(m, bdf, err, sizeof(err)), 0);
	assert_int_equal(m->state_writes, before + 1);
	st = json_object_from_file(statefile);
	assert_non_null(st);
	assert_true(json_object_object_get_ex(st, "devices", &arr));
	o = json_object_array_get_idx(arr, 3);
	assert_true(json_object_object_get_ex(o, "device", &v));
	assert_string_equal(json_object_get_string(v), bdf);
	assert_true(json_object_object_get_ex(o, "decision", &v));
	assert_string_equal(json_object_get_string(v), "denied");
	assert_true(json_object_object_get_ex(o, "admin", &v));
	assert_true(json_object_get_boolean(v));
	json_object_put(st);
	/* every device is in the file, the others as they stood */
	assert_int_equal(saved("pending", &total), N - 1);
	manager_free(m);
}

/* A reload writes the state before it answers. */
static void test_flush_on_reload(void **state)
{
	struct manager *m = new_manager(false);
	char err[256];
	int total;

	(void)state;
	assert_int_equal(udev_coldplug(m), 0);
	assert_int_equal(m->state_writes, 0);
	assert_int_equal(manager_reload(m, err, sizeof(err)), 0);
	assert_int_equal(m->state_writes, 1);
	assert_false(m->state_dirty);
	assert_null(m->state_timer);
	saved("pending", &total);
	assert_int_equal(total, N);
	manager_free(m);
}

/* A write that fails keeps the state dirty, so the next flush retries. */
static void test_failed_write_stays_dirty(void **state)
{
	struct manager *m = new_manager(false);
	char dir[128], cmd[300];
	int total;

	(void)state;
	assert_int_equal(udev_coldplug(m), 0);
	/* the state directory's path names a regular file: every write fails */
	snprintf(dir, sizeof(dir), "%s/state", root);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	puts_file("state", "");
	assert_true(state_flush(m) < 0);
	assert_true(m->state_dirty);
	assert_int_equal(unlink(dir), 0);
	assert_int_equal(state_flush(m), 0);
	assert_false(m->state_dirty);
	saved("pending", &total);
	assert_int_equal(total, N);
	manager_free(m);
}

/*
 * Evidence summaries: what functions of one device share is kept once
 * (record.c), and the record state.json and `tsmctl show` print is the
 * summary as evsummary_build made it, text for text.
 */
static void test_summary_shared_once(void **unused)
{
	static const char *full =
		"{\"family\":\"device-evidence\",\"generation\":2,\"nonce\":true,"
		"\"objects\":{\"cert0\":{\"length\":1570,\"sha256\":\"30\"}},"
		"\"chain\":[{\"subject\":\"CN=root\",\"issuer\":\"CN=root\",\"sha256\":\"f3\"}],"
		"\"root_hash_ok\":true,\"hwid\":\"ACME:WIDGET:0001\","
		"\"measurements\":[{\"index\":1,\"type\":\"immutable-rom\",\"raw\":false,"
		"\"alg\":\"sha256\",\"value\":\"51\"}],"
		"\"report\":{\"interface_info\":0,\"flags\":\"\",\"msix_ctrl\":0,\"ranges\":[]}}";
	struct manager m = { 0 };
	struct vd_device d[2] = { { .mgr = &m }, { .mgr = &m } };
	struct json_object *o = json_tokener_parse(full), *own, *shared, *rec, *ev;
	char own_text[1024];
	unsigned int i;

	(void)unused;
	assert_non_null(o);
	evsummary_split(o, &own, &shared);
	assert_non_null(own);
	assert_non_null(shared);
	assert_false(json_object_object_get_ex(own, "chain", NULL));
	assert_true(json_object_object_get_ex(own, "report", NULL));
	snprintf(own_text, sizeof(own_text), "%s",
		 json_object_to_json_string_ext(own, JSON_C_TO_STRING_PLAIN));
	for (i = 0; i < 2; i++) {
		d[i].rule = d[i].check = d[i].reason = "";
		snprintf(d[i].bdf, sizeof(d[i].bdf), "0000:01:00.%u", i);
		assert_int_equal(vd_summary_set(&d[i], own_text,
			json_object_to_json_string_ext(shared, JSON_C_TO_STRING_PLAIN)), 0);
	}
	/* one copy of the shared part, held by both */
	assert_non_null(m.shared_texts);
	assert_null(m.shared_texts->next);
	assert_int_equal(m.shared_texts->refs, 2);
	assert_ptr_equal(d[0].summary_shared, d[1].summary_shared);
	for (i = 0; i < 2; i++) {
		rec = device_to_json(&d[i], true);
		assert_true(json_object_object_get_ex(rec, "evidence", &ev));
		assert_string_equal(json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN),
				    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(rec);
	}
	vd_summary_clear(&d[0]);
	assert_int_equal(m.shared_texts->refs, 1);
	vd_summary_clear(&d[1]);
	assert_null(m.shared_texts);
	json_object_put(own);
	json_object_put(shared);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batched),
		cmocka_unit_test(test_timer),
		cmocka_unit_test(test_flush_on_sigterm),
		cmocka_unit_test(test_admin_write_through),
		cmocka_unit_test(test_flush_on_reload),
		cmocka_unit_test(test_failed_write_stays_dirty),
		cmocka_unit_test(test_summary_shared_once),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
