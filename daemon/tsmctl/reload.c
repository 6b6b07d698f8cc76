// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tsmctl.h"

static const char reload_usage[] =
	"Usage: tsmctl reload\n"
	"Make the daemon re-read its configuration and policy and re-evaluate the\n"
	"devices that are pending, held or denied by policy. On an error (printed\n"
	"with file and line) the daemon keeps its previous policy and tsmctl exits 1.\n";

int cmd_reload(int argc, char **argv)
{
	struct json_object *reply = NULL;
	bool json = false;
	int code, i, r;

	i = verb_options(argc, argv, reload_usage, false, &json, &code);
	if (i < 0)
		return code;
	if (i != argc) {
		fputs(reload_usage, stderr);
		return EXIT_USAGE;
	}
	r = ctl_call("reload", NULL, &reply);
	if (r < 0) {
		fprintf(stderr, "tsmctl: reload: daemon not reachable at %s: %s\n", ctl_socket_path,
			strerror(-r));
		return EXIT_REFUSED;
	}
	json_object_put(reply);
	return r ? EXIT_REFUSED : 0;
}
