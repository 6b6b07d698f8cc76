// SPDX-License-Identifier: GPL-2.0-only
/* Evidence bundles of what the kernel published (evbundle.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "evbundle.h"
#include "evsummary.h"
#include "tsm.h"

struct json_object *evbundle_build(const struct evbundle_ids *ids,
				   const struct tsm_nl_evidence *raw, char *why, size_t whylen)
{
	struct tsm_bundle_object objs[PCI_TSM_EVIDENCE_TYPE_NR];
	struct tsm_bundle b = {
		.address = ids->bdf, .vendor = ids->vendor, .device = ids->device,
		.class_code = ids->class_code, .tsm_name = ids->tsm_name,
		.tsm_mode = ids->tsm_mode,
	};
	char hwid[256] = "", subject[512] = "";
	struct tsm_evidence ev;
	struct tsm_parsed parsed;
	struct tsm_error e;
	struct json_object *o;
	bool parsed_ok;
	unsigned int t;

	b.family = raw->device_evidence ? "device-evidence" : "pci-tsm";
	b.has_generation = raw->has_generation;
	b.generation = raw->generation;
	evidence_view(raw, &ev);
	tsm_error_clear(&e);
	parsed_ok = tsm_evidence_parse(&ev, &parsed, &e) == 0;
	if (why)
		snprintf(why, whylen, "%s", parsed_ok ? "" : e.reason);
	if (parsed_ok) {
		const struct tsm_chain *c = &parsed.chain;

		if (!tsm_chain_leaf_hwid(c, hwid, sizeof(hwid)) && hwid[0])
			b.hwid = hwid;
		if (c->ncerts && tsm_chain_subject(c, c->ncerts - 1, subject, sizeof(subject)) >= 0)
			b.leaf_subject = subject;
		if (parsed.meas.req_nonce) {
			b.nonce = parsed.meas.req_nonce;
			b.nonce_len = 32;
		}
	}
	for (t = 0; t < PCI_TSM_EVIDENCE_TYPE_NR; t++) {
		if (!raw->obj[t].present)
			continue;
		objs[b.nobjects].name = tsm_evidence_type_name(t);
		objs[b.nobjects].data = raw->obj[t].data;
		objs[b.nobjects].len = raw->obj[t].len;
		b.nobjects++;
	}
	b.objects = objs;
	o = tsm_bundle_json(&b);
	if (parsed_ok)
		tsm_parsed_free(&parsed);
	return o;
}

char *evbundle_text(struct json_object *bundle)
{
	const char *text = json_object_to_json_string_ext(bundle, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len;
	char *file;

	if (!text)
		return NULL;
	len = strlen(text);
	file = malloc(len + 2);
	if (!file)
		return NULL;
	memcpy(file, text, len);
	memcpy(file + len, "\n", 2);
	return file;
}
