// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sysfs.h"
#include "tsmctl.h"

static const char accept_usage[] =
	"Usage: tsmctl accept DEVICE\n"
	"Accept DEVICE regardless of policy (administrator override): the daemon locks\n"
	"it if needed, reads its evidence, validates that generation and accepts it,\n"
	"then binds its driver. Recorded in the journal with rule \"admin\".\n"
	"Needs the daemon. Exit status 1 when it refuses.\n";

int cmd_accept(int argc, char **argv)
{
	struct json_object *reply = NULL, *dev = NULL;
	bool json = false;
	int code, i, r;

	i = verb_options(argc, argv, accept_usage, false, &json, &code);
	if (i < 0)
		return code;
	if (i != argc - 1 || !sysfs_valid_bdf(argv[i])) {
		fputs(accept_usage, stderr);
		return EXIT_USAGE;
	}
	r = ctl_call("accept", argv[i], &reply);
	if (r < 0) {
		fprintf(stderr, "tsmctl: accept: daemon not reachable at %s: %s\n", ctl_socket_path,
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
