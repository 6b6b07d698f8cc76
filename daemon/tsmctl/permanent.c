// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tsmctl accept|deny --permanent DEV`: the administrator's decision as a
 * policy rule (as `usbguard allow-device -p` does for USB), written to the
 * daemon's policy-dir so that it outlives the device's removal and the
 * daemon. It goes into 05-tsmctl-DEV.conf, read before the usual rules,
 * is loaded by libtsm (with the trust-dir) before it is installed, and the
 * daemon is reloaded; a rule the daemon refuses is removed again.
 *
 * An accept rule is built by libtsm from the evidence the daemon judged
 * (tsm_rule_from_evidence: ids, measurements, report flags) and trusts an
 * anchor file in the trust-dir (tsm_rule_set_trust: the chain must
 * validate to it, the root the path ended at is pinned): the one the
 * administrator names with --trust-anchor, else the first anchor the
 * policy in force already names that vouches for the chain. Never a root
 * the device sent itself: without such an anchor it is refused.
 * A deny rule needs no anchor: it names the device's identity.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "evsummary.h"
#include "genl.h"
#include "policy.h"
#include "sysfs.h"
#include "tsmctl.h"
#include "util.h"

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A value usable as a glob that matches only itself, and printable in a rule. */
static bool literal(const char *v)
{
	return v && *v && !strpbrk(v, "*?[]\\#;\n\r\t") && v[0] != ' ' &&
	       v[strlen(v) - 1] != ' ' && strlen(v) < 150;
}

static bool hex_ok(const char *h, size_t want)
{
	size_t i;

	if (!h || (want && strlen(h) != want))
		return false;
	for (i = 0; h[i]; i++)
		if (!strchr("0123456789abcdef", h[i]))
			return false;
	return i > 0 && i % 2 == 0;
}

/* The deny rule for |dev| (tsmctl show --json of the daemon): its identity. */
static char *deny_rule_text(const char *bdf, struct json_object *dev, char *why, size_t whylen)
{
	struct json_object *ev = jget(dev, "evidence"), *chain = jget(ev, "chain");
	struct json_object *root = NULL, *leaf = NULL;
	char *text = NULL, stamp[64];
	size_t len = 0, n = chain ? json_object_array_length(chain) : 0;
	time_t now = time(NULL);
	FILE *f;

	if (n) {
		root = json_object_array_get_idx(chain, 0);
		leaf = json_object_array_get_idx(chain, n - 1);
	}
	if (!hex_ok(jget_str(root, "sha256"), 64)) {
		snprintf(why, whylen, "%s: the daemon has no certificate chain on record for it "
			 "(tsmctl show %s); nothing to pin", bdf, bdf);
		return NULL;
	}
	f = open_memstream(&text, &len);
	if (!f) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	fprintf(f, "# Written by `tsmctl deny --permanent %s` on %s.\n", bdf, stamp);
	fprintf(f, "# Leaf certificate sha256:%s\n#   %s\n", jget_str(leaf, "sha256"),
		jget_str(leaf, "subject"));
	fprintf(f, "[rule \"tsmctl-deny-%s\"]\n", bdf);
	fprintf(f, "match.vendor = %s\nmatch.device = %s\n", jget_str(dev, "vendor"),
		jget_str(dev, "device_id"));
	if (jget_str(dev, "class")[0])
		fprintf(f, "match.class = %s\n", jget_str(dev, "class"));
	fprintf(f, "match.address = %s\n", bdf);
	if (literal(jget_str(ev, "hwid")))
		fprintf(f, "match.hwid = %s\n", jget_str(ev, "hwid"));
	if (literal(jget_str(leaf, "subject")))
		fprintf(f, "match.subject = %s\n", jget_str(leaf, "subject"));
	fprintf(f, "match.root-fingerprint = sha256:%s\n", jget_str(root, "sha256"));
	fprintf(f, "target = deny\n");
	if (fclose(f)) {
		free(text);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	return text;
}

/*
 * The evidence published now, if it is what the daemon judged (the
 * SHA-256 of each object in its record): the rule pins what was decided.
 */
static int read_judged(const char *bdf, struct json_object *dev, struct tsm_nl_evidence *raw,
		       char *why, size_t whylen)
{
	struct json_object *sha = jget(dev, "evidence_sha256");
	struct tsm_nl *nl;
	unsigned int t;
	int r;

	r = tsm_nl_open(&nl, 10000, -1);
	if (r < 0) {
		snprintf(why, whylen, "netlink: %s", strerror(-r));
		return r;
	}
	r = tsm_nl_read(nl, bdf, PCI_TSM_EVIDENCE_TYPE_MASK_ALL, NULL, 4, raw);
	if (r < 0)
		snprintf(why, whylen, "%s: cannot read its evidence: %s%s%s", bdf, strerror(-r),
			 tsm_nl_errmsg(nl)[0] ? ": " : "", tsm_nl_errmsg(nl));
	tsm_nl_close(nl);
	if (r < 0)
		return r;
	for (t = 0; t < PCI_TSM_EVIDENCE_TYPE_NR; t++) {
		const char *want = jget_str(sha, tsm_evidence_type_name(t));
		uint8_t md[32];
		char hex[65];

		if (!raw->obj[t].present && !want[0])
			continue;
		if (!raw->obj[t].present || !want[0] ||
		    tsm_digest(TSM_HASH_SHA256, raw->obj[t].data, raw->obj[t].len, md) ||
		    strcmp(want, tsm_hex(md, 32, hex, sizeof(hex)))) {
			snprintf(why, whylen, "%s: its %s evidence is not the one the daemon judged "
				 "(it changed since); nothing written", bdf,
				 tsm_evidence_type_name(t));
			tsm_evidence_free(raw);
			return -ESTALE;
		}
	}
	return 0;
}

/* trust-dir/NAME into a new stack; NULL (|why| set) when it cannot be read. */
static STACK_OF(X509) *load_anchor(const struct tsm_config *cfg, const char *name, char *why,
				   size_t whylen)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	struct tsm_error err;
	char path[2 * TSM_PATH_MAX];

	tsm_error_clear(&err);
	snprintf(path, sizeof(path), "%s/%s", cfg->trust_dir, name);
	if (!sk || tsm_load_pem_certs(path, sk, &err) < 0) {
		snprintf(why, whylen, "trust anchor %.300s: %.400s", path,
			 sk ? err.reason : "out of memory");
		sk_X509_pop_free(sk, X509_free);
		return NULL;
	}
	return sk;
}

/*
 * Gives |rule| the anchor |name| (trust-dir) when it vouches for the
 * chain. 0, or -1 with |why| saying why not.
 */
static int try_anchor(const struct tsm_config *cfg, struct tsm_rule *rule, const char *name,
		      const struct tsm_parsed *parsed, char *why, size_t whylen)
{
	STACK_OF(X509) *sk = load_anchor(cfg, name, why, whylen);
	struct tsm_error err;
	int r;

	if (!sk)
		return -1;
	tsm_error_clear(&err);
	/* validity dates are the daemon's business (time-check), as for generate-policy */
	r = tsm_rule_set_trust(rule, name, sk, parsed,
			       &(struct tsm_verify_opts){ .check_time = false }, &err);
	sk_X509_pop_free(sk, X509_free);
	if (r < 0) {
		snprintf(why, whylen, "%s", err.reason);
		return -1;
	}
	return 0;
}

/* The first anchor file the policy in force names that vouches for the chain. */
static int trust_from_policy(const struct tsm_config *cfg, struct tsm_rule *rule,
			     const struct tsm_parsed *parsed, char *names, size_t nameslen)
{
	struct tsm_policy *pol = NULL;
	struct tsm_error err;
	char why[TSM_REASON_MAX];
	size_t i, k;

	names[0] = '\0';
	tsm_error_clear(&err);
	if (tsm_policy_load_dir(cfg->policy_dir, cfg->trust_dir, &pol, &err) < 0) {
		snprintf(names, nameslen, "(the policy in %.300s does not load: %.400s)", cfg->policy_dir,
			 err.reason);
		return -1;
	}
	for (i = 0; i < pol->nrules; i++) {
		for (k = 0; k < pol->rules[i].nanchors; k++) {
			const char *name = pol->rules[i].anchor_names[k];

			if (strstr(names, name))
				continue;	/* tried (a name may only be a prefix: harmless) */
			if (try_anchor(cfg, rule, name, parsed, why, sizeof(why)) == 0) {
				tsm_policy_free(pol);
				return 0;
			}
			snprintf(names + strlen(names), nameslen - strlen(names), "%s%s",
				 names[0] ? ", " : "", name);
		}
	}
	tsm_policy_free(pol);
	return -1;
}

/*
 * The accept rule for |bdf|: built by libtsm from the evidence the daemon
 * judged, trusting |anchor| (or an anchor of the policy in force).
 */
static char *accept_rule_text(const struct tsm_config *cfg, const char *bdf,
			      struct json_object *dev, const char *anchor, char *why,
			      size_t whylen)
{
	struct tsm_device_id id = { .pci_name = bdf };
	struct tsm_nl_evidence raw;
	struct tsm_parsed parsed;
	struct tsm_evidence ev;
	struct tsm_policy *pol;
	struct tsm_rule *rule;
	struct tsm_error err;
	char name[64], tried[1024], stamp[64], *text = NULL;
	const char *hwid = jget_str(jget(dev, "evidence"), "hwid");
	size_t len = 0;
	time_t now = time(NULL);
	FILE *f;

	memset(&raw, 0, sizeof(raw));
	if (read_judged(bdf, dev, &raw, why, whylen) < 0)
		return NULL;
	tsm_error_clear(&err);
	evidence_view(&raw, &ev);
	if (tsm_evidence_parse(&ev, &parsed, &err) < 0) {
		snprintf(why, whylen, "%s: its evidence does not parse: %s", bdf, err.reason);
		tsm_evidence_free(&raw);
		return NULL;
	}
	sysfs_dev_ids(bdf, &id.vendor, &id.device, &id.class_code);
	snprintf(name, sizeof(name), "tsmctl-accept-%s", bdf);
	pol = tsm_policy_new(cfg->trust_dir);
	rule = pol ? tsm_policy_add_rule(pol, name, &err) : NULL;
	if (!rule || tsm_rule_from_evidence(rule, &id, &parsed) < 0 ||
	    tsm_rule_set_string(&rule->match_address, bdf) < 0 ||
	    (literal(hwid) && tsm_rule_set_string(&rule->match_hwid, hwid) < 0)) {
		snprintf(why, whylen, "%s: cannot build a rule from its evidence", bdf);
		goto out;
	}
	if (anchor) {
		if (try_anchor(cfg, rule, anchor, &parsed, tried, sizeof(tried)) < 0) {
			snprintf(why, whylen, "%s: --trust-anchor %s: %s; nothing written", bdf,
				 anchor, tried);
			goto out;
		}
	} else if (trust_from_policy(cfg, rule, &parsed, tried, sizeof(tried)) < 0) {
		snprintf(why, whylen,
			 "%s: no trust anchor of the policy in force vouches for its chain%s%.900s%s; "
			 "an accept rule never trusts a root the device sent. Name the anchor "
			 "file (in %.300s) that you trust with --trust-anchor NAME; nothing written",
			 bdf, tried[0] ? " (tried " : "", tried, tried[0] ? ")" : "",
			 cfg->trust_dir);
		goto out;
	}
	f = open_memstream(&text, &len);
	if (!f) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	fprintf(f, "# Written by `tsmctl accept --permanent %s` on %s.\n", bdf, stamp);
	{
		const struct tsm_chain *c = &parsed.chain;
		uint8_t md[32];
		char hex[65];

		if (!tsm_digest(TSM_HASH_SHA256, c->der[c->ncerts - 1], c->der_len[c->ncerts - 1],
				md))
			fprintf(f, "# Leaf certificate sha256:%s\n", tsm_hex(md, 32, hex,
									   sizeof(hex)));
	}
	if (tsm_rule_print(f, rule) < 0) {
		fclose(f);
		free(text);
		text = NULL;
		snprintf(why, whylen, "%s: the rule cannot be written in the policy language", bdf);
		goto out;
	}
	if (fclose(f)) {
		free(text);
		text = NULL;
		snprintf(why, whylen, "out of memory");
	}
out:
	tsm_policy_free(pol);
	tsm_parsed_free(&parsed);
	tsm_evidence_free(&raw);
	return text;
}

static int write_file(const char *path, const char *text)
{
	char tmp[TSM_PATH_MAX + 128];
	size_t len = strlen(text);
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		r = -(errno ? errno : EIO);
	close(fd);
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

int permanent_rule(const char *verb, const char *bdf, const char *anchor)
{
	struct json_object *reply = NULL, *dev;
	struct tsm_config cfg;
	struct tsm_policy *pol;
	struct tsm_error err;
	char path[TSM_PATH_MAX + 64], why[2048], name[TSM_BDF_MAX];
	char *text;
	int r;

	tsm_error_clear(&err);
	if (tsm_config_load(ctl_config_path, true, &cfg, &err) < 0) {
		fprintf(stderr, "tsmctl: %s\n", err.reason);
		return EXIT_REFUSED;
	}
	r = ctl_call("show", bdf, &reply);
	if (r)
		return EXIT_REFUSED;
	dev = jget(reply, "device");
	text = strcmp(verb, "accept") ? deny_rule_text(bdf, dev, why, sizeof(why)) :
					 accept_rule_text(&cfg, bdf, dev, anchor, why, sizeof(why));
	json_object_put(reply);
	if (!text) {
		fprintf(stderr, "tsmctl: --permanent: %s\n", why);
		return EXIT_REFUSED;
	}
	/* what libtsm would not load is never installed */
	pol = tsm_policy_new(cfg.trust_dir);
	r = pol ? tsm_policy_parse_buffer(pol, "generated rule", text, strlen(text), &err) :
		  -ENOMEM;
	tsm_policy_free(pol);
	if (r < 0) {
		fprintf(stderr, "tsmctl: --permanent: the rule does not parse: %s\n%s", err.reason,
			text);
		free(text);
		return EXIT_REFUSED;
	}
	/* "0000:01:00.0" -> "0000-01-00.0": a plain file name */
	snprintf(name, sizeof(name), "%s", bdf);
	for (char *c = name; *c; c++)
		if (*c == ':')
			*c = '-';
	snprintf(path, sizeof(path), "%s/05-tsmctl-%s.conf", cfg.policy_dir, name);
	r = write_file(path, text);
	free(text);
	if (r < 0) {
		fprintf(stderr, "tsmctl: --permanent: %s: %s\n", path, strerror(-r));
		return EXIT_REFUSED;
	}
	r = ctl_call("reload", NULL, &reply);
	json_object_put(reply);
	if (r) {
		unlink(path);
		fprintf(stderr, "tsmctl: --permanent: the daemon refused the policy with %s; removed it\n",
			path);
		return EXIT_REFUSED;
	}
	printf("%s: permanent rule written to %s\n", bdf, path);
	return 0;
}
