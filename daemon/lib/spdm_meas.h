/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtsm: the MEASUREMENTS evidence object (docs/ABI.md section 4): an SPDM
 * GET_MEASUREMENTS request with a signature requested, followed by the
 * signed MEASUREMENTS response.
 */
#ifndef TSM_SPDM_MEAS_H
#define TSM_SPDM_MEAS_H

#include "util.h"

#define TSM_SPDM_NONCE_LEN		32
#define TSM_SPDM_REQ_CONTEXT_LEN	8	/* SPDM 1.3 RequesterContext */
#define TSM_MEAS_MAX_BLOCKS		255

/* GET_MEASUREMENTS Param1 bits. */
#define TSM_MEAS_ATTR_SIGNATURE		(1U << 0)
#define TSM_MEAS_ATTR_RAW		(1U << 1)

/* DMTF measurement value types (bits 6:0 of DMTFSpecMeasurementValueType). */
enum tsm_meas_type {
	TSM_MEAS_IMMUTABLE_ROM = 0,
	TSM_MEAS_MUTABLE_FW = 1,
	TSM_MEAS_HW_CONFIG = 2,
	TSM_MEAS_FW_CONFIG = 3,
	TSM_MEAS_MANIFEST = 4,
	TSM_MEAS_DEVICE_MODE = 5,
	TSM_MEAS_FW_VERSION = 6,
	TSM_MEAS_SVN = 7,
};

struct tsm_meas_block {
	uint8_t index;		/* 1..254 */
	uint8_t spec;		/* MeasurementSpecification (bit 0 DMTF) */
	uint16_t size;		/* MeasurementSize */
	bool dmtf;		/* spec has bit 0: the fields below are valid */
	uint8_t type;		/* bits 6:0 of the DMTF type byte */
	bool raw;		/* bit 7: raw bitstream (else digest) */
	uint16_t value_size;
	const uint8_t *value;	/* points into the object */
};

/*
 * Parsed object; pointers refer to the buffer given to tsm_meas_parse(),
 * which must outlive it. Free with tsm_meas_free().
 */
struct tsm_meas {
	const uint8_t *data;
	size_t len;

	/* request */
	const uint8_t *request;
	size_t request_len;
	uint8_t req_version;
	uint8_t req_attr;		/* Param1 */
	uint8_t req_op;			/* Param2: 0xff all, 1..0xfe one index */
	const uint8_t *req_nonce;	/* 32 bytes */
	uint8_t slot;			/* SlotIDParam bits 3:0 */

	/* response */
	const uint8_t *response;	/* including the signature */
	size_t response_len;
	size_t signed_len;		/* response bytes covered by the signature */
	uint8_t rsp_version;
	uint8_t rsp_param1;
	uint8_t rsp_param2;
	uint8_t nblocks;		/* NumberOfBlocks */
	uint32_t record_len;		/* MeasurementRecordLength (u24) */
	struct tsm_meas_block *blocks;	/* nblocks entries, malloc'd */
	const uint8_t *rsp_nonce;	/* 32 bytes */
	uint16_t opaque_len;
	const uint8_t *opaque;
	const uint8_t *signature;	/* sig_len bytes */
	size_t sig_len;
};

/*
 * Parse a MEASUREMENTS object. @version is the negotiated SPDM version
 * (from the VCA) that both messages must carry (0x12 or 0x13; 1.3 adds
 * the 8-byte RequesterContext to both), @sig_len the signature size
 * implied by BaseAsymAlgo. The request must ask for a signature; the
 * response's record length must equal the sum of its blocks, each block's
 * size must equal its DMTF value size + 3, block indices must be unique
 * and non-zero, and the object must end exactly after the signature.
 * Returns 0, -TSM_E_PARSE, -TSM_E_UNSUPPORTED or -TSM_E_NOMEM.
 */
int tsm_meas_parse(const uint8_t *data, size_t len, uint8_t version,
		   size_t sig_len, struct tsm_meas *out, struct tsm_error *err);
void tsm_meas_free(struct tsm_meas *m);

/* Block with that index, or NULL. */
const struct tsm_meas_block *tsm_meas_find(const struct tsm_meas *m,
					   uint8_t index);

/*
 * The security version: the first DMTF block of type TSM_MEAS_SVN with a
 * raw value of 1..8 bytes, read little-endian. Returns false if none.
 */
bool tsm_meas_svn(const struct tsm_meas *m, uint64_t *svn);

/* "immutable-rom", "mutable-fw", ..., "svn", or "type-N". */
const char *tsm_meas_type_name(uint8_t type);

#endif /* TSM_SPDM_MEAS_H */
