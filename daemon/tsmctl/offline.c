// SPDX-License-Identifier: GPL-2.0-only
/*
 * Without the daemon: devices and TDISP state from sysfs, the last
 * decisions from the daemon's state file (STATE_DIR/state.json, marked
 * as possibly stale), evidence straight from the kernel over netlink
 * (published evidence, no nonce).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evsummary.h"
#include "genl.h"
#include "sysfs.h"
#include "tsm.h"
#include "tsmctl.h"

static char state_dir[TSM_PATH_MAX];

const char *ctl_state_dir(void)
{
	struct tsm_config cfg;
	struct tsm_error err;

	if (state_dir[0])
		return state_dir;
	if (tsm_config_load(ctl_config_path, true, &cfg, &err) < 0) {
		fprintf(stderr, "tsmctl: %s\n", err.reason);
		tsm_config_defaults(&cfg);
	}
	snprintf(state_dir, sizeof(state_dir), "%s", cfg.state_dir);
	return state_dir;
}

static struct json_object *state_record(const char *bdf)
{
	static struct json_object *root;
	static bool loaded;
	struct json_object *arr;
	char path[TSM_PATH_MAX + 16];
	size_t i;

	if (!loaded) {
		loaded = true;
		snprintf(path, sizeof(path), "%s/state.json", ctl_state_dir());
		root = json_object_from_file(path);
	}
	if (!root || !json_object_object_get_ex(root, "devices", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		if (!strcmp(jget_str(o, "device"), bdf))
			return o;
	}
	return NULL;
}

static bool tee_capable(const char *bdf)
{
	return sysfs_dev_has(bdf, "tsm/lock") || sysfs_dev_has(bdf, "tsm/connect");
}

struct json_object *offline_device(const char *bdf)
{
	struct json_object *o, *rec;
	uint16_t vendor = 0, device = 0;
	uint32_t class_code = 0, gen = 0;
	char buf[16];

	if (!sysfs_valid_bdf(bdf) || !sysfs_dev_exists(bdf) || !tee_capable(bdf))
		return NULL;
	sysfs_dev_ids(bdf, &vendor, &device, &class_code);
	sysfs_dev_generation(bdf, &gen);
	rec = state_record(bdf);
	o = json_object_new_object();
	json_object_object_add(o, "device", json_object_new_string(bdf));
	snprintf(buf, sizeof(buf), "0x%04x", vendor);
	json_object_object_add(o, "vendor", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "0x%04x", device);
	json_object_object_add(o, "device_id", json_object_new_string(buf));
	json_object_object_add(o, "state",
			       json_object_new_string(tsm_tdisp_name(sysfs_dev_state(bdf))));
	json_object_object_add(o, "decision",
			       json_object_new_string(rec ? jget_str(rec, "decision") : "none"));
	json_object_object_add(o, "rule", json_object_new_string(rec ? jget_str(rec, "rule") : ""));
	json_object_object_add(o, "reason", json_object_new_string(
		rec ? jget_str(rec, "reason") : "no decision recorded"));
	json_object_object_add(o, "generation", json_object_new_int64(gen));
	return o;
}

struct json_object *offline_history(const char *bdf)
{
	struct json_object *rec = state_record(bdf), *h;

	if (!rec || !json_object_object_get_ex(rec, "history", &h) ||
	    !json_object_is_type(h, json_type_array))
		return NULL;
	return json_object_get(h);
}

static int add_one(const char *bdf, void *data)
{
	struct json_object *o = offline_device(bdf);

	if (o)
		json_object_array_add(data, o);
	return 0;
}

struct json_object *offline_list(void)
{
	struct json_object *a = json_object_new_array();

	sysfs_for_each_pci_dev(add_one, a);
	return a;
}

struct json_object *offline_evidence(const char *bdf, char *err, size_t errlen)
{
	struct tsm_nl_evidence raw;
	struct tsm_parsed parsed;
	struct tsm_evidence ev;
	struct tsm_error e;
	struct json_object *sum;
	struct tsm_nl *nl;
	bool ok;
	int r;

	r = tsm_nl_open(&nl, 10000, -1);
	if (r < 0) {
		snprintf(err, errlen, "netlink: %s", strerror(-r));
		return NULL;
	}
	r = tsm_nl_read(nl, bdf, PCI_TSM_EVIDENCE_TYPE_MASK_ALL, NULL, 4, &raw);
	if (r < 0) {
		const char *km = tsm_nl_errmsg(nl);

		snprintf(err, errlen, "reading evidence of %s: %s%s%s%s", bdf, strerror(-r),
			 km[0] ? " (kernel: " : "", km, km[0] ? ")" : "");
		tsm_nl_close(nl);
		return NULL;
	}
	tsm_nl_close(nl);
	tsm_error_clear(&e);
	evidence_view(&raw, &ev);
	ok = tsm_evidence_parse(&ev, &parsed, &e) == 0;
	sum = evsummary_build(&raw, ok ? &parsed : NULL, ok ? NULL : e.reason);
	if (ok)
		tsm_parsed_free(&parsed);
	tsm_evidence_free(&raw);
	return sum;
}
