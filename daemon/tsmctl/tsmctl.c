// SPDX-License-Identifier: GPL-2.0-only
/*
 * tsmctl: control and inspect tsm-verifierd. See tsmctl(8).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "manager.h"
#include "sysfs.h"
#include "tsmctl.h"

const char *ctl_socket_path = VD_SOCKET_PATH;
const char *ctl_config_path = TSM_CONFIG_PATH;

static const struct verb verbs[] = {
	{ "list", cmd_list, "list TEE devices, their TDISP state and the daemon's decision" },
	{ "show", cmd_show, "show one device and a summary of its evidence" },
	{ "accept", cmd_accept, "accept a device (administrator override)" },
	{ "deny", cmd_deny, "deny a device (administrator override)" },
	{ "revoke", cmd_revoke, "detach and unlock an accepted device (administrator override)" },
	{ "generate-policy", cmd_generate_policy,
	  "print rules that accept exactly the devices present now" },
	{ "check-policy", cmd_check_policy, "validate a policy directory and explain it" },
	{ "watch", cmd_watch, "print decisions as the daemon makes them" },
	{ "reload", cmd_reload, "make the daemon re-read its configuration and policy" },
	{ "export", cmd_export, "write a device's evidence bundle and decision (EAR) for a fleet" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: tsmctl [OPTIONS] VERB [ARGS]\n"
		   "Inspect and control tsm-verifierd.\n\n"
		   "  -s, --socket PATH   control socket (default $TSM_VERIFIERD_SOCKET, else\n"
		   "                      %s)\n"
		   "  -c, --config FILE   daemon configuration, for state-dir when the daemon\n"
		   "                      is not running (default %s)\n"
		   "  -d, --debug         debug output (netlink traffic)\n"
		   "  -h, --help          this text\n"
		   "  -V, --version       print the version\n\nVerbs:\n",
		VD_SOCKET_PATH, TSM_CONFIG_PATH);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-16s %s\n", verbs[i].name, verbs[i].help);
	fprintf(f, "\n`tsmctl VERB --help` describes each verb. Exit status: 0 success, "
		   "1 refused or failed, 2 usage error.\n");
}

int verb_options(int argc, char **argv, const char *usage_text, bool allow_json, bool *json,
		 int *exit_code)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (!allow_json)
				goto bad;
			*json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			*exit_code = 0;
			return -1;
		default:
			goto bad;
		}
	}
	return optind;
bad:
	fputs(usage_text, stderr);
	*exit_code = EXIT_USAGE;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	const char *env = getenv("TSM_VERIFIERD_SOCKET");
	size_t i;
	int c;

	log_setup("tsmctl", false, LOG_WARNING);
	sysfs_init(NULL);
	if (env && *env)
		ctl_socket_path = env;
	while ((c = getopt_long(argc, argv, "+s:c:dhV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			ctl_socket_path = optarg;
			break;
		case 'c':
			ctl_config_path = optarg;
			break;
		case 'd':
			log_setup("tsmctl", false, LOG_DEBUG);
			tsm_nl_set_debug(true);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tsmctl %s\n", TSM_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[optind], verbs[i].name))
			return verbs[i].fn(argc - optind, argv + optind);
	fprintf(stderr, "tsmctl: unknown verb '%s'\n", argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
