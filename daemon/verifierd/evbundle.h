/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The evidence bundle (lib/bundle.h) of what was read from the kernel,
 * shared by tsmctl export and the daemon's export-dir: the raw objects,
 * the requester nonce found in MEASUREMENTS, the generation, and who the
 * TSM and the device are.
 */
#ifndef TSM_EVBUNDLE_H
#define TSM_EVBUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "genl.h"

struct evbundle_ids {
	const char *bdf;
	uint16_t vendor, device;
	uint32_t class_code;
	const char *tsm_name;	/* "tsm0", or NULL when none is registered */
	const char *tsm_mode;	/* "devsec", "link" */
};

/*
 * The bundle of |raw| (NULL on allocation failure). Evidence that does
 * not parse is bundled as read, without the identity parsing would give
 * (hardware identity, leaf subject, nonce); |why| (may be NULL) then
 * says why, else it is "".
 */
struct json_object *evbundle_build(const struct evbundle_ids *ids,
				   const struct tsm_nl_evidence *raw, char *why, size_t whylen);

/*
 * The bundle file's text, as written (pretty JSON and a final newline:
 * the EAR's bundle-sha256 covers exactly these bytes). malloc'd, NULL on
 * allocation failure.
 */
char *evbundle_text(struct json_object *bundle);

#endif /* TSM_EVBUNDLE_H */
