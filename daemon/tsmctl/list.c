// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tsmctl.h"

static const char list_usage[] =
	"Usage: tsmctl list [--json]\n"
	"List TEE-capable PCI devices with their TDISP state and the daemon's decision.\n"
	"Without a running daemon the devices and states come from sysfs and the\n"
	"decisions from the daemon's state file (a warning says so).\n\n"
	"  --json   print an array of objects with the keys device, vendor, device_id,\n"
	"           state, decision, rule, reason, generation\n";

int cmd_list(int argc, char **argv)
{
	struct json_object *reply = NULL, *devs = NULL;
	bool json = false;
	int code, i, r;
	size_t k;

	i = verb_options(argc, argv, list_usage, true, &json, &code);
	if (i < 0)
		return code;
	if (i != argc) {
		fputs(list_usage, stderr);
		return EXIT_USAGE;
	}
	r = ctl_call("list", NULL, &reply);
	if (r == 1)
		return EXIT_REFUSED;
	if (r < 0) {
		fprintf(stderr, "tsmctl: daemon not reachable (%s): devices from sysfs, decisions from %s/state.json (may be stale)\n",
			strerror(-r), ctl_state_dir());
		devs = offline_list();
	} else {
		json_object_object_get_ex(reply, "devices", &devs);
		json_object_get(devs);
	}
	if (!devs)
		devs = json_object_new_array();
	if (json) {
		print_json(devs);
	} else {
		print_device_line_header();
		for (k = 0; k < json_object_array_length(devs); k++)
			print_device_line(json_object_array_get_idx(devs, k));
	}
	json_object_put(devs);
	json_object_put(reply);
	return 0;
}
