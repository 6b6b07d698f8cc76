// SPDX-License-Identifier: GPL-2.0-only
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "evsummary.h"

/* GET_MEASUREMENTS: version, code, param1, param2, nonce[32], slot */
#define MEAS_REQ_SLOT_OFF	36

void evidence_view(const struct tsm_nl_evidence *raw, struct tsm_evidence *ev)
{
	const struct tsm_object *meas = &raw->obj[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS];
	unsigned int slot = 0;

	memset(ev, 0, sizeof(*ev));
	if (meas->len > MEAS_REQ_SLOT_OFF && (meas->data[2] & 1))
		slot = meas->data[MEAS_REQ_SLOT_OFF] & 0xf;
	if (slot > 7 || !raw->obj[PCI_TSM_EVIDENCE_TYPE_CERT0 + slot].present)
		slot = 0;
#define VIEW(field, type)                                            \
	do {                                                         \
		if (raw->obj[type].present && raw->obj[type].len) {  \
			ev->field = raw->obj[type].data;             \
			ev->field##_len = raw->obj[type].len;        \
		}                                                    \
	} while (0)
	VIEW(cert, PCI_TSM_EVIDENCE_TYPE_CERT0 + slot);
	VIEW(vca, PCI_TSM_EVIDENCE_TYPE_VCA);
	VIEW(meas, PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS);
	VIEW(report, PCI_TSM_EVIDENCE_TYPE_REPORT);
#undef VIEW
}

static struct json_object *hexobj(const uint8_t *p, size_t len)
{
	char buf[2 * 256 + 1];

	if (len > 256) {
		/* long raw values: show the start only */
		tsm_hex(p, 256, buf, sizeof(buf));
		return json_object_new_string(buf);
	}
	return json_object_new_string(tsm_hex(p, len, buf, sizeof(buf)));
}

static struct json_object *objects_json(const struct tsm_nl_evidence *raw)
{
	struct json_object *o = json_object_new_object();
	unsigned int t;

	for (t = 0; t < PCI_TSM_EVIDENCE_TYPE_NR; t++) {
		struct json_object *e;
		uint8_t md[32];

		if (!raw->obj[t].present)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "length", json_object_new_int64(raw->obj[t].len));
		if (!tsm_digest(TSM_HASH_SHA256, raw->obj[t].data, raw->obj[t].len, md))
			json_object_object_add(e, "sha256", hexobj(md, 32));
		json_object_object_add(o, tsm_evidence_type_name(t), e);
	}
	return o;
}

static struct json_object *chain_json(const struct tsm_chain *c)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < c->ncerts; i++) {
		struct json_object *e = json_object_new_object();
		char name[512];
		uint8_t fp[32];

		if (tsm_chain_subject(c, i, name, sizeof(name)) >= 0)
			json_object_object_add(e, "subject", json_object_new_string(name));
		if (tsm_chain_issuer(c, i, name, sizeof(name)) >= 0)
			json_object_object_add(e, "issuer", json_object_new_string(name));
		if (!tsm_chain_fingerprint(c, i, fp))
			json_object_object_add(e, "sha256", hexobj(fp, 32));
		json_object_array_add(a, e);
	}
	return a;
}

static struct json_object *meas_json(const struct tsm_meas *m)
{
	struct json_object *a = json_object_new_array();
	unsigned int i;

	for (i = 0; i < m->nblocks; i++) {
		const struct tsm_meas_block *b = &m->blocks[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "index", json_object_new_int(b->index));
		if (b->dmtf) {
			json_object_object_add(e, "type",
					       json_object_new_string(tsm_meas_type_name(b->type)));
			json_object_object_add(e, "raw", json_object_new_boolean(b->raw));
			if (!b->raw) {
				enum tsm_hash h = tsm_hash_from_len(b->value_size);

				json_object_object_add(e, "alg",
						       json_object_new_string(tsm_hash_name(h)));
			}
			json_object_object_add(e, "value", hexobj(b->value, b->value_size));
		}
		json_object_array_add(a, e);
	}
	return a;
}

static struct json_object *report_json(const struct tsm_report *r)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	char bits[128];
	uint32_t i;

	json_object_object_add(o, "interface_info", json_object_new_int(r->interface_info));
	json_object_object_add(o, "flags", json_object_new_string(
		tsm_report_bits_format(r->interface_info, bits, sizeof(bits))));
	json_object_object_add(o, "msix_ctrl", json_object_new_int(r->msix_ctrl));
	for (i = 0; i < r->nranges; i++) {
		const struct tsm_report_range *rg = &r->ranges[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "range_id", json_object_new_int(rg->range_id));
		json_object_object_add(e, "first_page", json_object_new_int64(rg->first_page));
		json_object_object_add(e, "pages", json_object_new_int64(rg->nr_pages));
		json_object_object_add(e, "attributes", json_object_new_int(rg->attributes));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "ranges", a);
	return o;
}

struct json_object *evsummary_build(const struct tsm_nl_evidence *raw,
				    const struct tsm_parsed *p, const char *parse_error)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "family", json_object_new_string(
		raw->device_evidence ? "device-evidence" : "pci-tsm"));
	if (raw->has_generation)
		json_object_object_add(o, "generation", json_object_new_int64(raw->generation));
	json_object_object_add(o, "nonce", json_object_new_boolean(raw->nonce_used));
	json_object_object_add(o, "objects", objects_json(raw));
	if (!p) {
		if (parse_error)
			json_object_object_add(o, "error", json_object_new_string(parse_error));
		return o;
	}
	json_object_object_add(o, "chain", chain_json(&p->chain));
	json_object_object_add(o, "root_hash_ok", json_object_new_boolean(p->chain.root_hash_ok));
	{
		char hwid[256];

		if (!tsm_chain_leaf_hwid(&p->chain, hwid, sizeof(hwid)) && hwid[0])
			json_object_object_add(o, "hwid", json_object_new_string(hwid));
	}
	json_object_object_add(o, "measurements", meas_json(&p->meas));
	if (p->has_report)
		json_object_object_add(o, "report", report_json(&p->report));
	return o;
}

/* evsummary_build's keys in its order; the shared ones flagged */
static const struct {
	const char *key;
	bool shared;
} summary_keys[] = {
	{ "family", false }, { "generation", false }, { "nonce", false },
	{ "objects", false }, { "error", false }, { "chain", true },
	{ "root_hash_ok", true }, { "hwid", true }, { "measurements", true },
	{ "report", false },
};

static int summary_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(summary_keys) / sizeof(summary_keys[0]); i++)
		if (!strcmp(summary_keys[i].key, key))
			return (int)i;
	return -1;
}

void evsummary_split(struct json_object *full, struct json_object **own,
		     struct json_object **shared)
{
	*own = json_object_new_object();
	*shared = NULL;
	json_object_object_foreach(full, key, val) {
		int k = summary_key(key);
		struct json_object **to = own;

		if (k >= 0 && summary_keys[k].shared) {
			if (!*shared)
				*shared = json_object_new_object();
			to = shared;
		}
		if (*to)
			json_object_object_add(*to, key, json_object_get(val));
	}
}

struct json_object *evsummary_join(struct json_object *own, struct json_object *shared)
{
	struct json_object *o = json_object_new_object(), *v;
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < sizeof(summary_keys) / sizeof(summary_keys[0]); i++) {
		struct json_object *from = summary_keys[i].shared ? shared : own;

		if (from && json_object_object_get_ex(from, summary_keys[i].key, &v))
			json_object_object_add(o, summary_keys[i].key, json_object_get(v));
	}
	/* keys of a newer daemon's record (state.json): kept, after these */
	json_object_object_foreach(own, key, val)
		if (summary_key(key) < 0)
			json_object_object_add(o, key, json_object_get(val));
	return o;
}
