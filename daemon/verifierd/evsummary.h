/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Evidence summaries shared by tsm-verifierd (kept per device, served to
 * `tsmctl show`) and tsmctl's standalone mode: which objects were read,
 * their SHA-256, chain subjects and fingerprints, measurement blocks and
 * TDISP report ranges, as a json-c object.
 */
#ifndef TSM_EVSUMMARY_H
#define TSM_EVSUMMARY_H

#include <json-c/json.h>

#include "genl.h"
#include "tsm.h"

/*
 * Borrowed view of |raw| for libtsm: CERT of the slot the MEASUREMENTS
 * request names (slot 0 when it cannot be told), VCA, MEASUREMENTS, REPORT.
 */
void evidence_view(const struct tsm_nl_evidence *raw, struct tsm_evidence *ev);

/* |parsed| may be NULL (then |parse_error| says why). */
struct json_object *evsummary_build(const struct tsm_nl_evidence *raw,
				    const struct tsm_parsed *parsed,
				    const char *parse_error);

/*
 * A summary in two: |*own| what is of this function's read (family,
 * generation, nonce, objects, report, error), |*shared| what functions of
 * one device have in common (chain, root_hash_ok, hwid, measurements), or
 * NULL when |full| has none of that. New objects; |full| is not changed.
 */
void evsummary_split(struct json_object *full, struct json_object **own,
		     struct json_object **shared);
/* The summary evsummary_split took apart, keys in evsummary_build's order. */
struct json_object *evsummary_join(struct json_object *own, struct json_object *shared);

#endif /* TSM_EVSUMMARY_H */
