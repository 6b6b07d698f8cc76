// SPDX-License-Identifier: GPL-2.0-only
/*
 * A device's decision as the outside sees it: its name, and the JSON
 * record that state.json, the control socket and tsmctl share (docs/ABI.md
 * 7.2). No behaviour: every other file may use it, it uses none of them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "evsummary.h"
#include "manager.h"

const char *vd_decision_name(enum vd_decision d)
{
	switch (d) {
	case VD_PENDING:
		return "pending";
	case VD_HELD:
		return "held";
	case VD_ACCEPTED:
		return "accepted";
	case VD_DENIED:
		return "denied";
	case VD_KEPT:
		return "kept";
	default:
		return "none";
	}
}

struct json_object *evrec_to_json(const struct vd_evrec *r)
{
	struct json_object *o = json_object_new_object(), *meas = json_object_new_object();
	char hex[65], idx[8];
	unsigned int i;

	json_object_object_add(o, "chain_sha256",
			       json_object_new_string(tsm_hex(r->chain, 32, hex, sizeof(hex))));
	if (r->has_svn)
		json_object_object_add(o, "svn", json_object_new_int64((int64_t)r->svn));
	for (i = 0; i < r->nmeas; i++) {
		snprintf(idx, sizeof(idx), "%u", r->meas_index[i]);
		json_object_object_add(meas, idx, json_object_new_string(
			tsm_hex(r->meas[i], 32, hex, sizeof(hex))));
	}
	json_object_object_add(o, "measurements_sha256", meas);
	if (r->meas_more)
		json_object_object_add(o, "measurements_rest_sha256", json_object_new_string(
			tsm_hex(r->meas_rest, 32, hex, sizeof(hex))));
	return o;
}

struct json_object *history_to_json(const struct vd_device *d)
{
	struct json_object *a = json_object_new_array();
	const struct vd_hist *h;
	unsigned int i;

	for (i = 0; (h = device_history(d, i)); i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "time_usec", json_object_new_int64((int64_t)h->usec));
		json_object_object_add(e, "event", json_object_new_string(h->event));
		if (h->cause[0])
			json_object_object_add(e, "cause", json_object_new_string(h->cause));
		json_object_object_add(e, "generation", json_object_new_int64(h->generation));
		json_object_object_add(e, "decision",
				       json_object_new_string(vd_decision_name(h->decision)));
		json_object_object_add(e, "reason", json_object_new_string(h->reason));
		json_object_array_add(a, e);
	}
	return a;
}

struct json_object *device_to_json(const struct vd_device *d, bool full)
{
	struct json_object *o = json_object_new_object();
	char hex[65], buf[16];
	unsigned int t;

	if (!o)
		return NULL;
	json_object_object_add(o, "device", json_object_new_string(d->bdf));
	snprintf(buf, sizeof(buf), "0x%04x", d->vendor);
	json_object_object_add(o, "vendor", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "0x%04x", d->device);
	json_object_object_add(o, "device_id", json_object_new_string(buf));
	json_object_object_add(o, "state", json_object_new_string(tsm_tdisp_name(d->state)));
	json_object_object_add(o, "decision",
			       json_object_new_string(vd_decision_name(d->decision)));
	json_object_object_add(o, "rule", json_object_new_string(d->rule));
	json_object_object_add(o, "reason", json_object_new_string(d->reason));
	json_object_object_add(o, "generation", json_object_new_int64(d->generation));
	if (!full)
		return o;
	snprintf(buf, sizeof(buf), "0x%06x", d->class_code);
	json_object_object_add(o, "class", json_object_new_string(buf));
	json_object_object_add(o, "check", json_object_new_string(d->check));
	json_object_object_add(o, "role", json_object_new_string(d->host_role ? "host" : "guest"));
	json_object_object_add(o, "admin", json_object_new_boolean(d->admin));
	json_object_object_add(o, "decided_usec", json_object_new_int64(d->decided_usec));
	json_object_object_add(o, "policy_digest", json_object_new_string(d->policy_digest));
	if (d->has_nonce)
		json_object_object_add(o, "nonce", json_object_new_string(
			tsm_hex(d->nonce, sizeof(d->nonce), hex, sizeof(hex))));
	{
		struct json_object *sha = json_object_new_object();

		for (t = 0; t < PCI_TSM_EVIDENCE_TYPE_NR; t++)
			if (d->has_sha[t])
				json_object_object_add(sha, tsm_evidence_type_name(t),
					json_object_new_string(tsm_hex(d->sha256[t], 32, hex,
								       sizeof(hex))));
		json_object_object_add(o, "evidence_sha256", sha);
	}
	if (d->recovery[0])
		json_object_object_add(o, "recovery", json_object_new_string(d->recovery));
	{
		struct vd_evrec acc;

		if (vd_evrec_get(d, &acc))
			json_object_object_add(o, "accepted_evidence", evrec_to_json(&acc));
	}
	json_object_object_add(o, "history", history_to_json(d));
	if (d->summary) {
		struct json_object *own = json_tokener_parse(d->summary), *shared = NULL, *s;

		if (own && d->summary_shared)
			shared = json_tokener_parse(d->summary_shared->text);
		s = own ? evsummary_join(own, shared) : NULL;
		if (s)
			json_object_object_add(o, "evidence", s);
		json_object_put(own);
		json_object_put(shared);
	}
	return o;
}

static void shared_text_put(struct manager *m, struct vd_shared_text *t)
{
	struct vd_shared_text **pp;

	if (!t || --t->refs)
		return;
	for (pp = &m->shared_texts; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	free(t);
}

/* The interned copy of |text|, with one more reference; NULL when out of memory. */
static struct vd_shared_text *shared_text_get(struct manager *m, const char *text)
{
	struct vd_shared_text *t;
	size_t len = strlen(text);

	for (t = m->shared_texts; t; t = t->next) {
		if (!strcmp(t->text, text)) {
			t->refs++;
			return t;
		}
	}
	t = malloc(sizeof(*t) + len + 1);
	if (!t)
		return NULL;
	t->refs = 1;
	memcpy(t->text, text, len + 1);
	t->next = m->shared_texts;
	m->shared_texts = t;
	return t;
}

int vd_device_set_words(struct vd_device *d, const char *rule, const char *check,
			const char *reason)
{
	size_t lr = strlen(rule ? rule : "") + 1, lc = strlen(check ? check : "") + 1;
	size_t ln = strlen(reason ? reason : "") + 1;
	char *w = malloc(lr + lc + ln);

	if (!w) {
		free(d->words);
		d->words = NULL;
		d->rule = "";
		d->check = "internal";
		d->reason = "out of memory recording the reason of this decision";
		return -ENOMEM;
	}
	memcpy(w, rule ? rule : "", lr);
	memcpy(w + lr, check ? check : "", lc);
	memcpy(w + lr + lc, reason ? reason : "", ln);
	free(d->words);
	d->words = w;
	d->rule = w;
	d->check = w + lr;
	d->reason = w + lr + lc;
	return 0;
}

void vd_summary_clear(struct vd_device *d)
{
	free(d->summary);
	d->summary = NULL;
	shared_text_put(d->mgr, d->summary_shared);
	d->summary_shared = NULL;
}

int vd_summary_set(struct vd_device *d, const char *own, const char *shared)
{
	struct vd_shared_text *t = NULL;
	char *o = strdup(own);

	if (o && shared)
		t = shared_text_get(d->mgr, shared);
	if (!o || (shared && !t)) {
		free(o);
		return -ENOMEM;
	}
	vd_summary_clear(d);
	d->summary = o;
	d->summary_shared = t;
	return 0;
}
