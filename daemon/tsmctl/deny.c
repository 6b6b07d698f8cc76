// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sysfs.h"
#include "tsmctl.h"

static const char deny_usage[] =
	"Usage: tsmctl deny DEVICE\n"
	"Deny DEVICE (administrator override): the daemon stops any verification,\n"
	"unlocks it and keeps it held and unbound. Recorded in the journal with rule\n"
	"\"admin\"; a policy reload does not undo it (tsmctl accept does).\n"
	"Needs the daemon. Exit status 1 when it refuses.\n";

int cmd_deny(int argc, char **argv)
{
	struct json_object *reply = NULL, *dev = NULL;
	bool json = false;
	int code, i, r;

	i = verb_options(argc, argv, deny_usage, false, &json, &code);
	if (i < 0)
		return code;
	if (i != argc - 1 || !sysfs_valid_bdf(argv[i])) {
		fputs(deny_usage, stderr);
		return EXIT_USAGE;
	}
	r = ctl_call("deny", argv[i], &reply);
	if (r < 0) {
		fprintf(stderr, "tsmctl: deny: daemon not reachable at %s: %s\n", ctl_socket_path,
			strerror(-r));
		return EXIT_REFUSED;
	}
	if (r > 0)
		return EXIT_REFUSED;
	json_object_object_get_ex(reply, "device", &dev);
	printf("%s: %s (%s)\n", argv[i], jget_str(dev, "decision"), jget_str(dev, "reason"));
	json_object_put(reply);
	return 0;
}
