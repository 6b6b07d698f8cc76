/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtsm: the evidence bundle `tsmctl export` writes next to an EAR: the
 * raw objects a decision was made on (certificate chain, VCA,
 * MEASUREMENTS, TDISP report) in base64 with their SHA-256, the nonce
 * the requester put into GET_MEASUREMENTS, the evidence generation, and
 * who the TSM and the device are. A central verifier can re-run its own
 * appraisal on it; docs/fleet.md describes the format.
 */
#ifndef TSM_BUNDLE_H
#define TSM_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define TSM_BUNDLE_FORMAT	"pci-tsm-evidence-bundle/1"

/* One evidence object, named as the kernel's netlink ABI names it. */
struct tsm_bundle_object {
	const char *name;		/* "cert0".."cert7", "vca", "measurements", "report" */
	const uint8_t *data;
	size_t len;
};

struct tsm_bundle {
	const char *address;		/* PCI name, "0000:01:00.0" */
	uint16_t vendor, device;
	uint32_t class_code;
	const char *hwid;		/* DMTF hardware identity of the leaf, or NULL */
	const char *leaf_subject;	/* RFC 4514 subject of the leaf, or NULL */
	const char *tsm_name;		/* "tsm0", or NULL when none is registered */
	const char *tsm_mode;		/* its pci_mode: "devsec", "link" */
	const char *family;		/* netlink family the objects came from */
	bool has_generation;
	uint32_t generation;
	const uint8_t *nonce;		/* requester nonce inside MEASUREMENTS, or NULL */
	size_t nonce_len;
	const struct tsm_bundle_object *objects;
	size_t nobjects;
};

/* The bundle as a JSON object (NULL on allocation failure). */
struct json_object *tsm_bundle_json(const struct tsm_bundle *b);

/*
 * Base64 (RFC 4648 section 4, padded) and base64url (section 5, no
 * padding, as JOSE uses it) of @len bytes: malloc'd strings, NULL on
 * allocation failure.
 */
char *tsm_base64(const uint8_t *data, size_t len);
char *tsm_base64url(const uint8_t *data, size_t len);

/*
 * Adds @v to @o under @key and takes @v over: on failure (also when @v is
 * NULL, a failed json_object_new_*()) it is released. 0 or -1.
 */
int tsm_json_add(struct json_object *o, const char *key, struct json_object *v);

#endif /* TSM_BUNDLE_H */
