// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sysfs.h"
#include "tsmctl.h"

static const char show_usage[] =
	"Usage: tsmctl show [--json] DEVICE\n"
	"Show a device's decision and a summary of its evidence: objects and their\n"
	"SHA-256, certificate subjects and fingerprints, measurement values, TDISP\n"
	"report ranges, then the device's history: its last 16 decisions and\n"
	"recovery events (time, event and cause, generation, decision, reason).\n"
	"With the daemon running this is the evidence it judged; without it tsmctl\n"
	"reads the published evidence itself over netlink, and the history from\n"
	"the daemon's state file.\n\n"
	"  --json   print the device object, evidence summary under \"evidence\",\n"
	"           history under \"history\"\n";

int cmd_show(int argc, char **argv)
{
	struct json_object *reply = NULL, *dev = NULL;
	char err[512];
	bool json = false;
	int code, i, r;

	i = verb_options(argc, argv, show_usage, true, &json, &code);
	if (i < 0)
		return code;
	if (i != argc - 1 || !sysfs_valid_bdf(argv[i])) {
		fputs(show_usage, stderr);
		return EXIT_USAGE;
	}
	r = ctl_call("show", argv[i], &reply);
	if (r == 0) {
		json_object_object_get_ex(reply, "device", &dev);
		json_object_get(dev);
	} else if (r < 0) {
		struct json_object *ev, *hist;

		fprintf(stderr, "tsmctl: daemon not reachable (%s): reading the evidence directly\n",
			strerror(-r));
		dev = offline_device(argv[i]);
		if (!dev) {
			fprintf(stderr, "tsmctl: %s: not a TEE-capable PCI device\n", argv[i]);
			return EXIT_REFUSED;
		}
		hist = offline_history(argv[i]);
		if (hist)
			json_object_object_add(dev, "history", hist);
		ev = offline_evidence(argv[i], err, sizeof(err));
		if (ev)
			json_object_object_add(dev, "evidence", ev);
		else
			fprintf(stderr, "tsmctl: %s\n", err);
	} else {
		return EXIT_REFUSED;
	}
	if (json)
		print_json(dev);
	else
		print_device_full(dev);
	json_object_put(dev);
	json_object_put(reply);
	return 0;
}
