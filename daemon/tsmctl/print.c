// SPDX-License-Identifier: GPL-2.0-only
/* Human-readable output of tsmctl. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tsmctl.h"

void print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
}

void print_device_line_header(void)
{
	printf("%-14s %-11s %-9s %-9s %-16s %s\n", "DEVICE", "ID", "STATE", "DECISION", "RULE",
	       "REASON");
}

void print_device_line(struct json_object *d)
{
	char id[32];
	const char *rule = jget_str(d, "rule");

	snprintf(id, sizeof(id), "%s:%s", jget_str(d, "vendor") + 2, jget_str(d, "device_id") + 2);
	printf("%-14s %-11s %-9s %-9s %-16s %s\n", jget_str(d, "device"), id,
	       jget_str(d, "state"), jget_str(d, "decision"), rule[0] ? rule : "-",
	       jget_str(d, "reason"));
}

static void print_evidence(struct json_object *ev)
{
	struct json_object *v, *o;
	size_t i;

	printf("Evidence:     %s%s", jget_str(ev, "family"),
	       json_object_object_get_ex(ev, "nonce", &v) && json_object_get_boolean(v) ?
	       ", fresh nonce" : ", no nonce");
	if (json_object_object_get_ex(ev, "generation", &v))
		printf(", generation %lld", (long long)json_object_get_int64(v));
	printf("\n");
	if (json_object_object_get_ex(ev, "objects", &o)) {
		json_object_object_foreach(o, key, val)
			printf("  %-13s %6lld bytes  sha256 %s\n", key, jget_int(val, "length"),
			       jget_str(val, "sha256"));
	}
	if (json_object_object_get_ex(ev, "error", &v))
		printf("Parse error:  %s\n", json_object_get_string(v));
	if (json_object_object_get_ex(ev, "chain", &o)) {
		printf("Certificate chain (root first):\n");
		for (i = 0; i < json_object_array_length(o); i++) {
			struct json_object *c = json_object_array_get_idx(o, i);

			printf("  [%zu] subject %s\n      issuer  %s\n      sha256  %s\n", i,
			       jget_str(c, "subject"), jget_str(c, "issuer"), jget_str(c, "sha256"));
		}
		if (json_object_object_get_ex(ev, "root_hash_ok", &v))
			printf("  root hash %s\n", json_object_get_boolean(v) ?
			       "matches the root certificate" : "does not match certs[0]");
	}
	if (json_object_object_get_ex(ev, "hwid", &v))
		printf("Hardware id:  %s\n", json_object_get_string(v));
	if (json_object_object_get_ex(ev, "measurements", &o)) {
		printf("Measurements:\n");
		for (i = 0; i < json_object_array_length(o); i++) {
			struct json_object *b = json_object_array_get_idx(o, i), *raw;
			bool is_raw = json_object_object_get_ex(b, "raw", &raw) &&
				      json_object_get_boolean(raw);

			printf("  %3lld %-18s %s%s%s\n", jget_int(b, "index"), jget_str(b, "type"),
			       is_raw ? "raw " : jget_str(b, "alg"), is_raw ? "" : ":",
			       jget_str(b, "value"));
		}
	}
	if (json_object_object_get_ex(ev, "report", &o)) {
		struct json_object *ranges;

		printf("TDISP report: interface_info 0x%04llx (%s)\n", jget_int(o, "interface_info"),
		       jget_str(o, "flags"));
		if (json_object_object_get_ex(o, "ranges", &ranges)) {
			for (i = 0; i < json_object_array_length(ranges); i++) {
				struct json_object *r = json_object_array_get_idx(ranges, i);
				unsigned long long first = jget_int(r, "first_page");
				unsigned long long pages = jget_int(r, "pages");
				unsigned long long attr = jget_int(r, "attributes");

				printf("  range %lld: 0x%llx-0x%llx (%llu pages)%s%s%s%s\n",
				       jget_int(r, "range_id"), first << 12,
				       ((first + pages) << 12) - 1, pages,
				       attr & 1 ? " msix-table" : "", attr & 2 ? " msix-pba" : "",
				       attr & 4 ? " non-tee" : "", attr & 8 ? " updatable" : "");
			}
		}
	}
}

/* "2026-12-07 01:02:03" (UTC) of a CLOCK_REALTIME time in microseconds */
static const char *usec_time(long long usec, char *buf, size_t len)
{
	time_t t = usec / 1000000;
	struct tm tm;

	if (usec <= 0 || !gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "-");
	return buf;
}

static void print_history(struct json_object *h)
{
	size_t i, n = json_object_array_length(h);

	if (!n)
		return;
	printf("History (oldest first, UTC):\n");
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(h, i);
		char when[32], ev[48];

		snprintf(ev, sizeof(ev), "%s%s%s", jget_str(e, "event"),
			 jget_str(e, "cause")[0] ? " " : "", jget_str(e, "cause"));
		printf("  %s  %-20s gen %-4lld %-9s %s\n",
		       usec_time(jget_int(e, "time_usec"), when, sizeof(when)), ev,
		       jget_int(e, "generation"), jget_str(e, "decision"), jget_str(e, "reason"));
	}
}

void print_recovery_line(struct json_object *ev)
{
	printf("%-14s %-11s %-9s %-9s %-16s %s%s%s\n", jget_str(ev, "device"), "-", "-",
	       jget_str(ev, "kind"), "-", jget_str(ev, "cause")[0] ? "cause " : "",
	       jget_str(ev, "cause"), "");
	if (jget_str(ev, "why")[0])
		printf("%-14s %-11s %-9s %-9s %-16s why %s\n", "", "", "", "", "", jget_str(ev, "why"));
}

void print_device_full(struct json_object *d)
{
	struct json_object *v;

	printf("Device:       %s (%s:%s)\n", jget_str(d, "device"), jget_str(d, "vendor"),
	       jget_str(d, "device_id"));
	printf("TDISP state:  %s\n", jget_str(d, "state"));
	printf("Decision:     %s\n", jget_str(d, "decision"));
	printf("Rule:         %s\n", jget_str(d, "rule")[0] ? jget_str(d, "rule") : "-");
	printf("Reason:       %s\n", jget_str(d, "reason"));
	if (jget_str(d, "check")[0])
		printf("Check:        %s\n", jget_str(d, "check"));
	printf("Generation:   %lld\n", jget_int(d, "generation"));
	if (jget_str(d, "recovery")[0])
		printf("Recovery:     deciding after %s (compared with the evidence last accepted)\n",
		       jget_str(d, "recovery"));
	if (json_object_object_get_ex(d, "accepted_evidence", &v) && v &&
	    json_object_object_get_ex(v, "svn", NULL))
		printf("Accepted SVN: %lld\n", jget_int(v, "svn"));
	if (json_object_object_get_ex(d, "evidence", &v) && v)
		print_evidence(v);
	if (json_object_object_get_ex(d, "history", &v) && v)
		print_history(v);
}
