// SPDX-License-Identifier: GPL-2.0-only
/*
 * generate-policy: one rule per TEE device present, trusting the anchor
 * file the administrator names (never a root the device sent), pinned to
 * the root its chain validates to and its current measurements (libtsm's
 * tsm_rule_from_evidence + tsm_rule_set_trust), printed with libtsm's
 * policy printer, followed by [default] deny.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "evsummary.h"
#include "genl.h"
#include "sysfs.h"
#include "tsm.h"
#include "tsmctl.h"

static const char gen_usage[] =
	"Usage: tsmctl generate-policy --trust-anchor FILE\n"
	"Print policy rules (tsm-policy(5)) that accept exactly the TEE devices present\n"
	"now: one rule per device matching its vendor and device id and PCI address,\n"
	"trusting the certificates in FILE (PEM; a root you chose to trust, not one the\n"
	"device sent), pinned to the root its chain validates to and its current\n"
	"measurements and report flags, then a [default] section that denies everything\n"
	"else. A device whose chain does not validate to FILE gets no rule (stderr says\n"
	"why). Rules name FILE by its base name: install it in the daemon's trust-dir.\n"
	"A device that is unlocked and unbound is locked with the devsec TSM for the\n"
	"read and unlocked again. Review the output before installing it in\n"
	"/etc/tsm/policy.d/. Needs root (netlink evidence reads are admin-only).\n";

struct gen_ctx {
	struct tsm_policy *pol;
	STACK_OF(X509) *anchors;	/* from --trust-anchor */
	const char *anchor_name;	/* its base name, as the rules write it */
	struct tsm_nl *nl;
	char devsec[TSM_NAME_MAX];
	int nrules;
	int failed;
};

static int read_device(struct gen_ctx *g, const char *bdf, struct tsm_nl_evidence *raw)
{
	bool locked_here = false;
	int r;

	r = tsm_nl_read(g->nl, bdf, PCI_TSM_EVIDENCE_TYPE_MASK_ALL, NULL, 4, raw);
	if (r == -ENXIO && g->devsec[0] && sysfs_dev_state(bdf) == TSM_TDISP_UNLOCKED &&
	    !sysfs_dev_driver_bound(bdf)) {
		r = sysfs_dev_write(bdf, "tsm/lock", g->devsec);
		if (r == 0) {
			locked_here = true;
			r = tsm_nl_read(g->nl, bdf, PCI_TSM_EVIDENCE_TYPE_MASK_ALL, NULL, 4, raw);
		}
	}
	if (locked_here && sysfs_dev_write(bdf, "tsm/unlock", g->devsec) < 0)
		fprintf(stderr, "tsmctl: %s: unlock after reading failed\n", bdf);
	return r;
}

static int gen_one(const char *bdf, void *data)
{
	struct gen_ctx *g = data;
	struct tsm_device_id id = { .pci_name = bdf };
	struct tsm_nl_evidence raw;
	struct tsm_parsed parsed;
	struct tsm_evidence ev;
	struct tsm_error err;
	struct tsm_rule *rule;
	char name[64];
	int r;

	if (!sysfs_dev_has(bdf, "tsm/lock") && !sysfs_dev_has(bdf, "tsm/connect"))
		return 0;
	sysfs_dev_ids(bdf, &id.vendor, &id.device, &id.class_code);
	r = read_device(g, bdf, &raw);
	if (r < 0) {
		fprintf(stderr, "tsmctl: %s: no evidence (%s%s%s), skipped\n", bdf, strerror(-r),
			tsm_nl_errmsg(g->nl)[0] ? ": " : "", tsm_nl_errmsg(g->nl));
		g->failed++;
		return 0;
	}
	tsm_error_clear(&err);
	evidence_view(&raw, &ev);
	if (tsm_evidence_parse(&ev, &parsed, &err) < 0) {
		fprintf(stderr, "tsmctl: %s: evidence does not parse (%s), skipped\n", bdf,
			err.reason);
		tsm_evidence_free(&raw);
		g->failed++;
		return 0;
	}
	snprintf(name, sizeof(name), "device-%s", bdf);
	/*
	 * The rule only exists if the chosen anchor vouches for the device;
	 * validity dates are the daemon's business (time-check).
	 */
	if (tsm_verify_chain(&parsed.chain, g->anchors,
			     &(struct tsm_verify_opts){ .check_time = false }, &err) < 0) {
		fprintf(stderr, "tsmctl: %s: chain does not validate to %s (%s), skipped\n", bdf,
			g->anchor_name, err.reason);
		g->failed++;
		goto out;
	}
	rule = tsm_policy_add_rule(g->pol, name, &err);
	if (!rule || tsm_rule_from_evidence(rule, &id, &parsed) < 0 ||
	    tsm_rule_set_trust(rule, g->anchor_name, g->anchors, &parsed,
			       &(struct tsm_verify_opts){ .check_time = false }, &err) < 0 ||
	    tsm_rule_set_string(&rule->match_address, bdf) < 0) {
		fprintf(stderr, "tsmctl: %s: cannot build a rule: %s\n", bdf, err.reason);
		g->failed++;
	} else {
		g->nrules++;
	}
out:
	tsm_parsed_free(&parsed);
	tsm_evidence_free(&raw);
	return 0;
}

int cmd_generate_policy(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trust-anchor", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct gen_ctx g = { 0 };
	const char *anchor = NULL;
	struct tsm_error err;
	char base[TSM_PATH_MAX];
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			anchor = optarg;
			break;
		case 'h':
			fputs(gen_usage, stdout);
			return 0;
		default:
			fputs(gen_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(gen_usage, stderr);
		return EXIT_USAGE;
	}
	if (!anchor) {
		fprintf(stderr,
			"tsmctl: generate-policy needs --trust-anchor FILE: it never trusts a root the\n"
			"device sent itself. Give the PEM root certificate of the device vendor that\n"
			"you decided to trust; nothing was generated.\n");
		return EXIT_USAGE;
	}
	snprintf(base, sizeof(base), "%s", anchor);
	g.anchor_name = basename(base);
	g.anchors = sk_X509_new_null();
	g.pol = tsm_policy_new(NULL);
	if (!g.anchors || !g.pol) {
		r = EXIT_REFUSED;
		goto done;
	}
	if (tsm_load_pem_certs(anchor, g.anchors, &err) < 0) {
		fprintf(stderr, "tsmctl: %s\n", err.reason);
		r = EXIT_REFUSED;
		goto done;
	}
	r = tsm_nl_open(&g.nl, 10000, -1);
	if (r < 0) {
		fprintf(stderr, "tsmctl: netlink: %s\n", strerror(-r));
		r = EXIT_REFUSED;
		goto done;
	}
	sysfs_find_tsm("devsec", g.devsec, sizeof(g.devsec));
	sysfs_for_each_pci_dev(gen_one, &g);
	tsm_nl_close(g.nl);
	g.pol->has_default = true;
	g.pol->default_target = TSM_TARGET_DENY;
	printf("# Generated by tsmctl generate-policy: %d device(s)%s.\n"
	       "# Every rule trusts %s (given with --trust-anchor); install that file\n"
	       "# as %s in the trust-dir of tsm-verifierd.conf.\n", g.nrules,
	       g.failed ? ", some skipped (see stderr)" : "", anchor, g.anchor_name);
	fprintf(stderr, "tsmctl: %d rule(s) trusting %s; install it in the trust directory as %s\n",
		g.nrules, anchor, g.anchor_name);
	r = tsm_policy_print(stdout, g.pol);
	r = r < 0 || (!g.nrules && g.failed) ? EXIT_REFUSED : 0;
done:
	tsm_policy_free(g.pol);
	sk_X509_pop_free(g.anchors, X509_free);
	return r;
}
