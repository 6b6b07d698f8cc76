// SPDX-License-Identifier: GPL-2.0-only
/*
 * export: one device's evidence bundle and the daemon's decision on it as
 * an EAT Attestation Result, for a fleet's central collection
 * (docs/fleet.md). The evidence is read from the kernel (published
 * evidence, no nonce: a fresh nonce would make the TSM refresh it and
 * move the generation under the daemon); the decision comes from the
 * daemon's control socket. The two are tied together by the SHA-256 of
 * every object: if the evidence is no longer the one the daemon judged,
 * export refuses rather than pair a decision with evidence it was not
 * made on. A denied device is unlocked and its evidence gone: then the
 * EAR alone is written, naming the digests of what was judged.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bundle.h"
#include "ear.h"
#include "evbundle.h"
#include "genl.h"
#include "manager.h"
#include "sysfs.h"
#include "tsm.h"
#include "tsmctl.h"

static const char export_usage[] =
	"Usage: tsmctl export [--sign KEYFILE] [--out DIR] DEVICE\n"
	"Write DEVICE's evidence bundle (DIR/DEVICE.bundle.json: certificate chain, VCA,\n"
	"MEASUREMENTS, TDISP report in base64, nonce, generation, TSM and device\n"
	"identity) and the daemon's decision on it as an EAT Attestation Result\n"
	"(DIR/DEVICE.ear.json, draft-fv-rats-ear-05 as Veraison reads it). Without a\n"
	"running daemon the EAR says no decision (status \"none\"). Refuses when the\n"
	"evidence changed since the daemon decided; writes the EAR alone when the\n"
	"kernel no longer publishes the evidence (a denied device is unlocked).\n\n"
	"  --sign KEYFILE   also write DIR/DEVICE.ear.jwt, the EAR signed with ES256\n"
	"                   (PEM EC P-256 private key, e.g. /etc/tsm/ear-key.pem)\n"
	"  --out DIR        output directory (default: the current directory)\n";

/* Writes @text to DIR/NAME through a temporary file, so readers never see half. */
static int write_out(const char *dir, const char *bdf, const char *suffix, const char *text)
{
	char path[TSM_PATH_MAX], tmp[TSM_PATH_MAX + 8];
	size_t len = strlen(text), off = 0;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s%s", dir, bdf, suffix) >= (int)sizeof(path)) {
		fprintf(stderr, "tsmctl: export: %s: path too long\n", dir);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			goto fail_unlink;
		}
		off += n;
	}
	/* a file ends in a newline (evbundle_text's already does) */
	if ((!len || text[len - 1] != '\n') && write(fd, "\n", 1) != 1) {
		close(fd);
		goto fail_unlink;
	}
	if (fsync(fd) < 0) {
		close(fd);
		goto fail_unlink;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		goto fail_unlink;
	printf("%s\n", path);
	return 0;
fail_unlink:
	fprintf(stderr, "tsmctl: export: %s: %s\n", tmp, strerror(errno));
	unlink(tmp);
	return -1;
fail:
	fprintf(stderr, "tsmctl: export: %s: %s\n", tmp, strerror(errno));
	return -1;
}

static void sha256_hex(const void *data, size_t len, char hex[65])
{
	uint8_t md[32];

	if (tsm_digest(TSM_HASH_SHA256, data, len, md))
		hex[0] = '\0';
	else
		tsm_hex(md, sizeof(md), hex, 65);
}

/* SHA-256 of every object read, by name: what the EAR says it is about. */
static struct json_object *object_hashes(const struct tsm_nl_evidence *raw)
{
	struct json_object *o = json_object_new_object();
	unsigned int t;

	for (t = 0; o && t < PCI_TSM_EVIDENCE_TYPE_NR; t++) {
		char hex[65];

		if (!raw->obj[t].present)
			continue;
		sha256_hex(raw->obj[t].data, raw->obj[t].len, hex);
		json_object_object_add(o, tsm_evidence_type_name(t), json_object_new_string(hex));
	}
	return o;
}

/* Is @now (what we read) exactly the set of objects the daemon judged (@judged)? */
static bool same_evidence(struct json_object *judged, struct json_object *now)
{
	if (!judged || !json_object_is_type(judged, json_type_object) ||
	    json_object_object_length(judged) != json_object_object_length(now))
		return false;
	json_object_object_foreach(now, name, val) {
		if (strcmp(jget_str(judged, name), json_object_get_string(val)))
			return false;
	}
	return true;
}

/* Fills what the deciding rule requires from the policy as configured now. */
static void rule_requirements(struct tsm_ear_decision *d)
{
	struct tsm_policy *pol = NULL;
	struct tsm_config cfg;
	struct tsm_error err;

	if (!d->rule[0] || !strcmp(d->rule, "admin"))
		return;
	tsm_error_clear(&err);
	if (tsm_config_load(ctl_config_path, true, &cfg, &err) < 0 ||
	    tsm_policy_load_dir(cfg.policy_dir, cfg.trust_dir, &pol, &err) < 0) {
		fprintf(stderr, "tsmctl: export: cannot read the policy (%s): the EAR claims "
			"nothing the rule verified\n", err.reason);
		return;
	}
	tsm_ear_rule_requirements(pol, d);
	tsm_policy_free(pol);
}

struct export_ctx {
	const char *bdf;
	struct json_object *dev;	/* daemon's "show" device object, or NULL */
	struct tsm_nl_evidence raw;
	bool have_evidence;	/* the kernel still publishes it */
};

static int read_evidence(struct export_ctx *x)
{
	struct tsm_nl *nl;
	int r;

	r = tsm_nl_open(&nl, 10000, -1);
	if (r < 0) {
		fprintf(stderr, "tsmctl: export: netlink: %s\n", strerror(-r));
		return -1;
	}
	r = tsm_nl_read(nl, x->bdf, PCI_TSM_EVIDENCE_TYPE_MASK_ALL, NULL, VD_NL_RETRIES, &x->raw);
	if (r < 0) {
		const char *km = tsm_nl_errmsg(nl);

		fprintf(stderr, "tsmctl: export: reading the evidence of %s: %s%s%s%s\n", x->bdf,
			strerror(-r), km[0] ? " (kernel: " : "", km, km[0] ? ")" : "");
		tsm_nl_close(nl);
		return -1;
	}
	tsm_nl_close(nl);
	return 0;
}

static struct json_object *build_bundle(struct export_ctx *x)
{
	struct evbundle_ids ids = { .bdf = x->bdf };
	char tsm[TSM_NAME_MAX] = "", why[TSM_REASON_MAX];
	struct json_object *b;

	sysfs_dev_ids(x->bdf, &ids.vendor, &ids.device, &ids.class_code);
	if (!sysfs_find_tsm("devsec", tsm, sizeof(tsm)))
		ids.tsm_mode = "devsec";
	else if (!sysfs_find_tsm("link", tsm, sizeof(tsm)))
		ids.tsm_mode = "link";
	ids.tsm_name = tsm[0] ? tsm : NULL;
	b = evbundle_build(&ids, &x->raw, why, sizeof(why));
	if (why[0])
		fprintf(stderr, "tsmctl: export: %s: evidence does not parse (%s); exporting it as read\n",
			x->bdf, why);
	return b;
}

static int export_files(struct export_ctx *x, const char *dir, EVP_PKEY *key)
{
	struct json_object *bundle = NULL, *claims = NULL, *hashes, *judged = NULL;
	struct tsm_ear_decision d = { .decision = "none", .rule = "", .check = "",
				      .reason = "", .policy_digest = "" };
	struct tsm_ear_input in = { .submod = x->bdf, .build = "tsm-verifierd " TSM_VERSION };
	struct tsm_error err;
	char bundle_sha[65], *jws = NULL, *btext = NULL;
	int rc = EXIT_REFUSED;

	hashes = object_hashes(&x->raw);
	if (x->dev) {
		json_object_object_get_ex(x->dev, "evidence_sha256", &judged);
		/* an empty set: decided without evidence (it could not be read) */
		if (!x->have_evidence) {
			fprintf(stderr, "tsmctl: export: %s: no bundle, the kernel no longer publishes "
				"the evidence (a denied device is unlocked); the EAR names the "
				"digests of what the daemon judged\n", x->bdf);
		} else if (judged && json_object_is_type(judged, json_type_object) &&
		    !json_object_object_length(judged)) {
			fprintf(stderr, "tsmctl: export: %s: the daemon decided without evidence; "
				"the bundle holds the evidence as read now\n", x->bdf);
		} else if (!same_evidence(judged, hashes)) {
			fprintf(stderr, "tsmctl: export: %s: the evidence is not the one the daemon "
				"judged (generation %lld then, %u now): export again once it has "
				"decided (tsmctl watch)\n", x->bdf, jget_int(x->dev, "generation"),
				x->raw.generation);
			json_object_put(hashes);
			return EXIT_REFUSED;
		}
		d.decision = jget_str(x->dev, "decision");
		d.rule = jget_str(x->dev, "rule");
		d.check = jget_str(x->dev, "check");
		d.reason = jget_str(x->dev, "reason");
		d.policy_digest = jget_str(x->dev, "policy_digest");
		d.decided_usec = (uint64_t)jget_int(x->dev, "decided_usec");
		d.admin = !strcmp(jget_str(x->dev, "admin"), "true");
		d.has_generation = true;
		d.generation = (uint32_t)jget_int(x->dev, "generation");
		rule_requirements(&d);
	} else {
		d.reason = "no decision: tsm-verifierd was not reachable";
		d.has_generation = x->raw.has_generation;
		d.generation = x->raw.generation;
	}
	if (!x->have_evidence)
		goto ear;
	bundle = build_bundle(x);
	if (!bundle) {
		fprintf(stderr, "tsmctl: export: out of memory\n");
		goto out;
	}
	/* the digest covers the file exactly as written, newline included */
	btext = evbundle_text(bundle);
	if (!btext) {
		fprintf(stderr, "tsmctl: export: out of memory\n");
		goto out;
	}
	sha256_hex(btext, strlen(btext), bundle_sha);
	if (write_out(dir, x->bdf, ".bundle.json", btext))
		goto out;
	in.bundle_sha256 = bundle_sha;
ear:
	in.iat = (int64_t)time(NULL);
	in.decision = &d;
	/* what the decision was made on: the daemon's hashes when it decided */
	in.evidence_sha256 = judged ? judged : hashes;
	claims = tsm_ear_claims(&in);
	if (!claims) {
		fprintf(stderr, "tsmctl: export: cannot build the EAR\n");
		goto out;
	}
	if (write_out(dir, x->bdf, ".ear.json", json_object_to_json_string_ext(claims,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)))
		goto out;
	if (key) {
		tsm_error_clear(&err);
		if (tsm_ear_sign(json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN |
					JSON_C_TO_STRING_NOSLASHESCAPE), key, &jws, &err) < 0) {
			fprintf(stderr, "tsmctl: export: %s\n", err.reason);
			goto out;
		}
		if (write_out(dir, x->bdf, ".ear.jwt", jws))
			goto out;
	}
	rc = 0;
out:
	free(jws);
	free(btext);
	json_object_put(claims);
	json_object_put(bundle);
	json_object_put(hashes);
	return rc;
}

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sign", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct export_ctx x = { 0 };
	const char *keyfile = NULL, *dir = ".";
	struct json_object *reply = NULL;
	EVP_PKEY *key = NULL;
	struct tsm_error err;
	struct stat st;
	int c, r, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			keyfile = optarg;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return 0;
		default:
			fputs(export_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !sysfs_valid_bdf(argv[optind])) {
		fputs(export_usage, stderr);
		return EXIT_USAGE;
	}
	x.bdf = argv[optind];
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "tsmctl: export: %s: not a directory\n", dir);
		return EXIT_REFUSED;
	}
	if (keyfile) {
		tsm_error_clear(&err);
		if (tsm_ear_load_key(keyfile, &key, &err) < 0) {
			fprintf(stderr, "tsmctl: export: %s\n", err.reason);
			return EXIT_REFUSED;
		}
	}
	if (!sysfs_dev_exists(x.bdf)) {
		fprintf(stderr, "tsmctl: export: %s: no such PCI device\n", x.bdf);
		EVP_PKEY_free(key);
		return EXIT_REFUSED;
	}
	r = ctl_call("show", x.bdf, &reply);
	if (r == 0)
		json_object_object_get_ex(reply, "device", &x.dev);
	else if (r < 0)
		fprintf(stderr, "tsmctl: export: daemon not reachable at %s (%s): the EAR "
			"says no decision\n", ctl_socket_path, strerror(-r));
	else
		fprintf(stderr, "tsmctl: export: no decision from the daemon: the EAR says "
			"no decision\n");
	/*
	 * Without evidence there is still the daemon's decision to export
	 * (a denied device is unlocked and its evidence gone); without
	 * either there is nothing.
	 */
	x.have_evidence = !read_evidence(&x);
	rc = EXIT_REFUSED;
	if (x.have_evidence || x.dev)
		rc = export_files(&x, dir, key);
	if (x.have_evidence)
		tsm_evidence_free(&x.raw);
	json_object_put(reply);
	EVP_PKEY_free(key);
	return rc;
}
