// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tsmctl.h"

static const char watch_usage[] =
	"Usage: tsmctl watch [--json]\n"
	"Print every decision of the daemon as it is made, one per line, and the\n"
	"recovery events of the kernel it hears (left-run, reaccepted,\n"
	"needs-decision, with their cause), until interrupted or the daemon stops\n"
	"(exit status 1 then).\n\n"
	"  --json   one JSON object per line: a decision has the keys of `list --json`\n"
	"           and \"event\":\"decision\"; a recovery event \"event\":\"recovery\",\n"
	"           \"device\", \"kind\", \"cause\", \"why\" (needs-decision), \"generation\"\n";

int cmd_watch(int argc, char **argv)
{
	struct json_object *req, *ans = NULL;
	bool json = false;
	int code, i, fd, r;

	i = verb_options(argc, argv, watch_usage, true, &json, &code);
	if (i < 0)
		return code;
	if (i != argc) {
		fputs(watch_usage, stderr);
		return EXIT_USAGE;
	}
	fd = ctl_connect();
	if (fd < 0) {
		fprintf(stderr, "tsmctl: watch: daemon not reachable at %s: %s\n", ctl_socket_path,
			strerror(-fd));
		return EXIT_REFUSED;
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("watch"));
	r = ctl_send(fd, req);
	json_object_put(req);
	if (!r)
		r = ctl_recv(fd, &ans);
	if (r < 0 || !json_object_get_boolean(json_object_object_get(ans, "ok"))) {
		fprintf(stderr, "tsmctl: watch: %s\n", r < 0 ? strerror(-r) : jget_str(ans, "error"));
		json_object_put(ans);
		close(fd);
		return EXIT_REFUSED;
	}
	json_object_put(ans);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!json)
		print_device_line_header();
	while ((r = ctl_recv(fd, &ans)) == 0) {
		if (json)
			printf("%s\n", json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PLAIN));
		else if (!strcmp(jget_str(ans, "event"), "recovery"))
			print_recovery_line(ans);
		else
			print_device_line(ans);
		json_object_put(ans);
	}
	close(fd);
	fprintf(stderr, "tsmctl: watch: connection closed\n");
	return EXIT_REFUSED;
}
