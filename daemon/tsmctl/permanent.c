// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tsmctl accept|deny --permanent DEV`: the administrator's decision as a
 * policy rule (as `usbguard allow-device -p` does for USB), written to the
 * daemon's policy-dir so that it outlives the device's removal and the
 * daemon. The rule names the device's identity as the daemon judged it:
 * vendor, device, class and address, the DMTF hardware identity and the
 * leaf's subject, the root (first certificate) fingerprint, and every
 * measurement. It goes into 05-tsmctl-DEV.conf, read before the usual
 * rules, is parsed by libtsm before it is installed, and the daemon is
 * reloaded; a rule the daemon refuses is removed again.
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

/* measurement.N lines; a raw value is pinned as sha384(value). */
static int put_measurements(FILE *f, struct json_object *meas)
{
	size_t i, n = meas ? json_object_array_length(meas) : 0;

	for (i = 0; i < n; i++) {
		struct json_object *b = json_object_array_get_idx(meas, i);
		const char *val = jget_str(b, "value");
		long long idx = jget_int(b, "index");
		struct json_object *raw = jget(b, "raw");

		if (!hex_ok(val, 0) || idx < 1 || idx > 254) {
			fprintf(f, "# measurement block %lld: not a DMTF block with a value; not pinned\n",
				idx);
			continue;
		}
		if (raw && json_object_get_boolean(raw)) {
			uint8_t bytes[256], md[48];
			size_t len = strlen(val) / 2, k;
			char hex[97];

			if (len >= sizeof(bytes)) {
				fprintf(f, "# measurement block %lld: raw value too long to pin here\n",
					idx);
				continue;
			}
			for (k = 0; k < len; k++) {
				unsigned int x;

				sscanf(val + 2 * k, "%2x", &x);
				bytes[k] = x;
			}
			if (tsm_digest(TSM_HASH_SHA384, bytes, len, md))
				return -EIO;
			fprintf(f, "measurement.%lld = sha384:%s\n", idx,
				tsm_hex(md, 48, hex, sizeof(hex)));
			continue;
		}
		if (tsm_hash_from_name(jget_str(b, "alg")) == TSM_HASH_NONE)
			continue;
		fprintf(f, "measurement.%lld = %s:%s\n", idx, jget_str(b, "alg"), val);
	}
	return 0;
}

/*
 * The rule text for |dev| (tsmctl show --json of the daemon). Returns
 * NULL with |why| set when the device's identity cannot be pinned.
 */
static char *rule_text(const char *verb, const char *bdf, struct json_object *dev, char *why,
		       size_t whylen)
{
	struct json_object *ev = jget(dev, "evidence"), *chain = jget(ev, "chain");
	struct json_object *root = NULL, *leaf = NULL;
	bool accept = !strcmp(verb, "accept");
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
	/* a rule without trust-anchor verifies against the pinned root itself */
	if (accept && strcmp(jget_str(root, "subject"), jget_str(root, "issuer"))) {
		snprintf(why, whylen, "%s: its chain starts below the root (first certificate "
			 "issued by \"%s\"); write the rule by hand with the trust-anchor that "
			 "issued it", bdf, jget_str(root, "issuer"));
		return NULL;
	}
	f = open_memstream(&text, &len);
	if (!f) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	fprintf(f, "# Written by `tsmctl %s --permanent %s` on %s.\n", verb, bdf, stamp);
	fprintf(f, "# Leaf certificate sha256:%s\n#   %s\n", jget_str(leaf, "sha256"),
		jget_str(leaf, "subject"));
	fprintf(f, "[rule \"tsmctl-%s-%s\"]\n", verb, bdf);
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
	if (accept) {
		fprintf(f, "root-fingerprint = sha256:%s\n", jget_str(root, "sha256"));
		if (put_measurements(f, jget(ev, "measurements")) < 0) {
			fclose(f);
			free(text);
			snprintf(why, whylen, "cannot hash a measurement");
			return NULL;
		}
	}
	fprintf(f, "target = %s\n", accept ? "accept" : "deny");
	if (fclose(f)) {
		free(text);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
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

int permanent_rule(const char *verb, const char *bdf)
{
	struct json_object *reply = NULL, *dev;
	struct tsm_config cfg;
	struct tsm_policy *pol;
	struct tsm_error err;
	char path[TSM_PATH_MAX + 64], why[512], name[TSM_BDF_MAX];
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
	text = rule_text(verb, bdf, dev, why, sizeof(why));
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
