// SPDX-License-Identifier: GPL-2.0-only
/*
 * The evidence summary store (sumstore.c): what `tsmctl show` and
 * state.json print as a device's "evidence" is the summary last put for
 * that device, across rewrites that fit the slot or not, clears, and the
 * compaction that many rewrites bring; with or without a state directory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "manager.h"

#define NDEV 8

static struct manager *mgr_new(const char *state_dir)
{
	struct manager *m = calloc(1, sizeof(*m));
	int i;

	assert_non_null(m);
	m->sum_fd = -1;
	snprintf(m->cfg.state_dir, sizeof(m->cfg.state_dir), "%s", state_dir);
	for (i = NDEV - 1; i >= 0; i--) {
		struct vd_device *d = calloc(1, sizeof(*d));

		assert_non_null(d);
		d->mgr = m;
		snprintf(d->bdf, sizeof(d->bdf), "0000:%02x:00.0", i + 1);
		d->next = m->devices;
		m->devices = d;
	}
	return m;
}

static void mgr_free(struct manager *m)
{
	struct vd_device *d;

	while ((d = m->devices)) {
		m->devices = d->next;
		free(d);
	}
	sumstore_close(m);
	free(m);
}

static struct vd_device *dev(struct manager *m, int i)
{
	struct vd_device *d = m->devices;

	while (i--)
		d = d->next;
	return d;
}

/* a summary of about len bytes that names the device and a round */
static char *summary(int dev_i, int round, size_t len)
{
	char *s = malloc(len + 64), *p;

	assert_non_null(s);
	p = s + sprintf(s, "{\"dev\":%d,\"round\":%d,\"pad\":\"", dev_i, round);
	memset(p, 'a' + (round % 26), len);
	strcpy(p + len, "\"}");
	return s;
}

static void expect(struct manager *m, int i, const char *want)
{
	char *got = sumstore_get(m, dev(m, i));

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* what device_to_json (show, state.json) prints is the summary put last */
static void expect_json(struct manager *m, int i, const char *want)
{
	struct json_object *o = device_to_json(dev(m, i), true), *ev, *w;

	if (!want) {
		assert_false(json_object_object_get_ex(o, "evidence", &ev));
	} else {
		assert_true(json_object_object_get_ex(o, "evidence", &ev));
		w = json_tokener_parse(want);
		assert_true(json_object_equal(ev, w));
		json_object_put(w);
	}
	json_object_put(o);
}

static void run(const char *state_dir)
{
	struct manager *m = mgr_new(state_dir);
	char *cur[NDEV] = { 0 };
	int i, round;

	for (i = 0; i < NDEV; i++)
		expect(m, i, NULL);
	/* sizes that grow, shrink and grow again: in place and new slots */
	for (round = 0; round < 200; round++) {
		for (i = 0; i < NDEV; i++) {
			size_t len = 100 + (size_t)((round * 37 + i * 101) % 3000) * (round % 7 + 1);

			free(cur[i]);
			cur[i] = summary(i, round, len);
			assert_int_equal(sumstore_put(m, dev(m, i), cur[i]), 0);
		}
		for (i = 0; i < NDEV; i++)
			expect(m, i, cur[i]);
	}
	/* many rewrites, yet the file stays a bounded multiple of what is live */
	assert_true(m->sum_end <= 2 * m->sum_live + 1024 * 1024 + 64 * 1024);
	for (i = 0; i < NDEV; i++)
		expect_json(m, i, cur[i]);
	/* cleared: no evidence; the others keep theirs */
	assert_int_equal(sumstore_put(m, dev(m, 3), NULL), 0);
	free(cur[3]);
	cur[3] = NULL;
	for (i = 0; i < NDEV; i++)
		expect(m, i, cur[i]);
	expect_json(m, 3, NULL);
	for (i = 0; i < NDEV; i++)
		free(cur[i]);
	mgr_free(m);
}

static void test_state_dir(void **state)
{
	char dir[] = "/tmp/test-sumstore.XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	run(dir);
	/* an unlinked file: nothing is left in the state directory */
	assert_int_equal(rmdir(dir), 0);
}

static void test_no_state_dir(void **state)
{
	(void)state;
	run("/proc/no-such-dir");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_dir),
		cmocka_unit_test(test_no_state_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
