// SPDX-License-Identifier: GPL-2.0-only
/*
 * check-policy: load a policy directory the way tsm-verifierd does
 * (libtsm's tsm_policy_load_dir) and say whether the daemon would start
 * or reload with it, and what it decides for devices no rule matches.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tsm.h"
#include "tsmctl.h"

static const char check_usage[] =
	"Usage: tsmctl check-policy [--trust-dir DIR] [POLICY_DIR]\n"
	"Load every *.conf of POLICY_DIR (default: policy-dir of tsm-verifierd.conf) with\n"
	"trust anchors from DIR (default: its trust-dir), as tsm-verifierd does at start\n"
	"and reload. On an error print FILE:LINE and why, and exit 1: the daemon would\n"
	"refuse the same files. Otherwise list the rules, and name every one that can\n"
	"accept a device whose certificates are not verified (unverified = allow, or an\n"
	"audit target, which accepts even when requirements fail).\n";

static void explain(const struct tsm_policy *pol)
{
	size_t open = 0;

	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tsm_rule *r = &pol->rules[i];
		const char *note = "";

		if (r->target != TSM_TARGET_DENY && r->allow_unverified) {
			note = "  <- accepts without verifying the certificate chain";
			open++;
		} else if (r->target == TSM_TARGET_AUDIT) {
			note = "  <- audit: accepts even when its requirements fail";
			open++;
		}
		printf("  %s:%d: rule \"%s\" %s, %zu trust anchor file(s)%s%s\n",
		       r->file ? r->file : "?", r->line, r->name, tsm_target_name(r->target),
		       r->nanchors, r->has_root_pin ? ", root pinned" : "", note);
	}
	printf("  default (no rule matches): %s%s\n", tsm_target_name(pol->default_target),
	       pol->default_target != TSM_TARGET_DENY ?
	       "  <- accepts unmatched devices without verifying them (unverified = allow)" : "");
	if (open || pol->default_target != TSM_TARGET_DENY)
		printf("warning: %zu rule(s)%s can accept devices without a verified chain\n", open,
		       pol->default_target != TSM_TARGET_DENY ? " and [default]" : "");
}

int cmd_check_policy(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trust-dir", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *dir = NULL, *trust = NULL;
	struct tsm_policy *pol;
	struct tsm_config cfg;
	struct tsm_error err;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			trust = optarg;
			break;
		case 'h':
			fputs(check_usage, stdout);
			return 0;
		default:
			fputs(check_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		fputs(check_usage, stderr);
		return EXIT_USAGE;
	}
	if (optind < argc)
		dir = argv[optind];
	if (!dir || !trust) {
		if (tsm_config_load(ctl_config_path, true, &cfg, &err) < 0) {
			fprintf(stderr, "tsmctl: %s\n", err.reason);
			return EXIT_REFUSED;
		}
		if (!dir)
			dir = cfg.policy_dir;
		if (!trust)
			trust = cfg.trust_dir;
	}
	tsm_error_clear(&err);
	if (tsm_policy_load_dir(dir, trust, &pol, &err) < 0) {
		fprintf(stderr, "tsmctl: %s\n", err.reason);
		fprintf(stderr, "tsmctl: %s: not a valid policy; tsm-verifierd would refuse to start "
			"or reload with it (tsm-policy(5))\n", dir);
		return EXIT_REFUSED;
	}
	printf("%s: valid policy, %zu rule(s), trust anchors from %s\n", dir, pol->nrules, trust);
	explain(pol);
	tsm_policy_free(pol);
	return 0;
}
