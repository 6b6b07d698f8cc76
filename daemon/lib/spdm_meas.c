// SPDX-License-Identifier: GPL-2.0-only
/* libtsm: MEASUREMENTS object parser (GET_MEASUREMENTS + MEASUREMENTS). */
#include <stdlib.h>
#include <string.h>

#include "spdm_meas.h"
#include "spdm_vca.h"


void tsm_meas_free(struct tsm_meas *m)
{
	if (!m)
		return;
	free(m->blocks);
	memset(m, 0, sizeof(*m));
}

static int parse_request(struct tsm_reader *r, struct tsm_meas *m,
			 uint8_t version, struct tsm_error *err)
{
	const uint8_t *h;
	uint8_t slot;

	m->request = r->p;
	if (!tsm_get_bytes(r, 4, &h))
		return tsm_fail(err, TSM_E_PARSE, "measurements.request",
				"request: truncated header (%zu bytes)", r->len);
	m->req_version = h[0];
	m->req_attr = h[2];
	m->req_op = h[3];
	if (h[1] != TSM_SPDM_GET_MEASUREMENTS)
		return tsm_fail(err, TSM_E_PARSE, "measurements.request",
				"request: code 0x%02x, expected GET_MEASUREMENTS 0x%02x",
				h[1], TSM_SPDM_GET_MEASUREMENTS);
	if (h[0] != version)
		return tsm_fail(err, TSM_E_PARSE, "measurements.request",
				"request: version 0x%02x, negotiated 0x%02x", h[0], version);
	if (!(m->req_attr & TSM_MEAS_ATTR_SIGNATURE))
		return tsm_fail(err, TSM_E_PARSE, "measurements.request",
				"request: no signature requested (Param1 0x%02x)", m->req_attr);
	if (m->req_op == 0)
		return tsm_fail(err, TSM_E_PARSE, "measurements.request",
				"request: asks only for the number of measurements");
	if (!tsm_get_bytes(r, TSM_SPDM_NONCE_LEN, &m->req_nonce) || !tsm_get_u8(r, &slot))
		return tsm_fail(err, TSM_E_PARSE, "measurements.request",
				"request: truncated before nonce and slot (%zu bytes)", r->len);
	if (slot > 7 && slot != 0xf)
		return tsm_fail(err, TSM_E_PARSE, "measurements.request", "request: slot %u out of range", slot);
	m->slot = slot & 0xf;
	if (version >= TSM_SPDM_V13 && !tsm_skip(r, TSM_SPDM_REQ_CONTEXT_LEN))
		return tsm_fail(err, TSM_E_PARSE, "measurements.request",
				"request: truncated RequesterContext");
	m->request_len = r->off;
	return 0;
}

static int parse_block(struct tsm_reader *rec, struct tsm_meas *m, unsigned int i,
		       struct tsm_error *err)
{
	struct tsm_meas_block *b = &m->blocks[i];
	const uint8_t *body;

	if (!tsm_get_u8(rec, &b->index) || !tsm_get_u8(rec, &b->spec) ||
	    !tsm_get_le16(rec, &b->size))
		return tsm_fail(err, TSM_E_PARSE, "measurements.block",
				"block %u: truncated header (record has %zu bytes left)",
				i, tsm_reader_left(rec));
	if (!tsm_get_bytes(rec, b->size, &body))
		return tsm_fail(err, TSM_E_PARSE, "measurements.block",
				"block %u (index %u): size %u runs past the record (%zu bytes left)",
				i, b->index, b->size, tsm_reader_left(rec));
	if (b->index == 0 || b->index == 0xff)
		return tsm_fail(err, TSM_E_PARSE, "measurements.block",
				"block %u: invalid index %u", i, b->index);
	for (unsigned int j = 0; j < i; j++)
		if (m->blocks[j].index == b->index)
			return tsm_fail(err, TSM_E_PARSE, "measurements.block",
					"block %u: index %u appears twice", i, b->index);
	b->dmtf = b->spec & 1;
	if (!b->dmtf)
		return 0;	/* opaque non-DMTF block: kept, not interpreted */
	if (b->size < 3)
		return tsm_fail(err, TSM_E_PARSE, "measurements.block",
				"block %u (index %u): size %u too small for a DMTF value",
				i, b->index, b->size);
	b->type = body[0] & 0x7f;
	b->raw = body[0] & 0x80;
	b->value_size = (uint16_t)(body[1] | body[2] << 8);
	if ((size_t)b->value_size + 3 != b->size)
		return tsm_fail(err, TSM_E_PARSE, "measurements.block",
				"block %u (index %u): value size %u + 3 != block size %u",
				i, b->index, b->value_size, b->size);
	b->value = body + 3;
	return 0;
}

static int parse_response(struct tsm_reader *r, struct tsm_meas *m,
			  uint8_t version, size_t sig_len, struct tsm_error *err)
{
	struct tsm_reader rec;
	const uint8_t *h, *record;
	size_t start = r->off;
	int rc;

	m->response = r->p + start;
	if (!tsm_get_bytes(r, 4, &h))
		return tsm_fail(err, TSM_E_PARSE, "measurements.length", "response: truncated header");
	m->rsp_version = h[0];
	m->rsp_param1 = h[2];
	m->rsp_param2 = h[3];
	if (h[1] != TSM_SPDM_MEASUREMENTS)
		return tsm_fail(err, TSM_E_PARSE, "measurements",
				"response: code 0x%02x, expected MEASUREMENTS 0x%02x",
				h[1], TSM_SPDM_MEASUREMENTS);
	if (h[0] != version)
		return tsm_fail(err, TSM_E_PARSE, "measurements",
				"response: version 0x%02x, negotiated 0x%02x", h[0], version);
	if ((m->rsp_param2 & 0xf) != m->slot && m->slot != 0xf)
		return tsm_fail(err, TSM_E_PARSE, "measurements",
				"response: slot %u, request asked for slot %u",
				m->rsp_param2 & 0xf, m->slot);
	if (!tsm_get_u8(r, &m->nblocks) || !tsm_get_le24(r, &m->record_len))
		return tsm_fail(err, TSM_E_PARSE, "measurements.length",
				"response: truncated before the measurement record");
	if (!tsm_get_bytes(r, m->record_len, &record))
		return tsm_fail(err, TSM_E_PARSE, "measurements.record-length",
				"response: record length %u but only %zu bytes left",
				m->record_len, tsm_reader_left(r));
	if (m->req_op != 0xff && m->nblocks > 1)
		return tsm_fail(err, TSM_E_PARSE, "measurements",
				"response: %u blocks for a request of index %u",
				m->nblocks, m->req_op);
	if (m->nblocks) {
		m->blocks = calloc(m->nblocks, sizeof(*m->blocks));
		if (!m->blocks)
			return tsm_fail(err, TSM_E_NOMEM, "measurements", "out of memory");
	}
	tsm_reader_init(&rec, record, m->record_len);
	for (unsigned int i = 0; i < m->nblocks; i++) {
		rc = parse_block(&rec, m, i, err);
		if (rc)
			return rc;
	}
	if (tsm_reader_left(&rec))
		return tsm_fail(err, TSM_E_PARSE, "measurements.record-length",
				"response: record length %u leaves %zu bytes after %u blocks",
				m->record_len, tsm_reader_left(&rec), m->nblocks);
	if (!tsm_get_bytes(r, TSM_SPDM_NONCE_LEN, &m->rsp_nonce) ||
	    !tsm_get_le16(r, &m->opaque_len))
		return tsm_fail(err, TSM_E_PARSE, "measurements.length",
				"response: truncated before nonce and opaque length");
	if (m->opaque_len > 1024)
		return tsm_fail(err, TSM_E_PARSE, "measurements",
				"response: opaque length %u above the SPDM maximum 1024",
				m->opaque_len);
	if (!tsm_get_bytes(r, m->opaque_len, &m->opaque))
		return tsm_fail(err, TSM_E_PARSE, "measurements.length",
				"response: opaque length %u but only %zu bytes left",
				m->opaque_len, tsm_reader_left(r));
	if (version >= TSM_SPDM_V13 && !tsm_skip(r, TSM_SPDM_REQ_CONTEXT_LEN))
		return tsm_fail(err, TSM_E_PARSE, "measurements.length",
				"response: truncated RequesterContext");
	m->signed_len = r->off - start;
	if (tsm_reader_left(r) != sig_len)
		return tsm_fail(err, TSM_E_PARSE, "measurements.length",
				"response: %zu bytes left for a %zu-byte signature",
				tsm_reader_left(r), sig_len);
	tsm_get_bytes(r, sig_len, &m->signature);
	m->sig_len = sig_len;
	m->response_len = r->off - start;
	return 0;
}

int tsm_meas_parse(const uint8_t *data, size_t len, uint8_t version,
		   size_t sig_len, struct tsm_meas *out, struct tsm_error *err)
{
	struct tsm_reader r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (version < TSM_SPDM_V12 || version > TSM_SPDM_V13)
		return tsm_fail(err, TSM_E_UNSUPPORTED, "measurements",
				"signed measurements need SPDM 1.2 or 1.3, negotiated %u.%u",
				version >> 4, version & 0xf);
	if (!sig_len)
		return tsm_fail(err, TSM_E_INVAL, "measurements", "no signature length");
	if (!data || !len)
		return tsm_fail(err, TSM_E_PARSE, "measurements.length", "empty MEASUREMENTS object");
	out->data = data;
	out->len = len;
	tsm_reader_init(&r, data, len);
	rc = parse_request(&r, out, version, err);
	if (!rc)
		rc = parse_response(&r, out, version, sig_len, err);
	if (rc)
		tsm_meas_free(out);
	return rc;
}

const struct tsm_meas_block *tsm_meas_find(const struct tsm_meas *m,
					   uint8_t index)
{
	for (unsigned int i = 0; i < m->nblocks; i++)
		if (m->blocks[i].index == index)
			return &m->blocks[i];
	return NULL;
}

bool tsm_meas_svn(const struct tsm_meas *m, uint64_t *svn)
{
	for (unsigned int i = 0; i < m->nblocks; i++) {
		const struct tsm_meas_block *b = &m->blocks[i];
		uint64_t v = 0;

		if (!b->dmtf || b->type != TSM_MEAS_SVN || !b->raw ||
		    !b->value_size || b->value_size > 8)
			continue;
		for (unsigned int j = 0; j < b->value_size; j++)
			v |= (uint64_t)b->value[j] << (8 * j);
		*svn = v;
		return true;
	}
	return false;
}

const char *tsm_meas_type_name(uint8_t type)
{
	static const char *const names[] = {
		"immutable-rom", "mutable-fw", "hw-config", "fw-config",
		"manifest", "device-mode", "fw-version", "svn",
	};
	static _Thread_local char buf[16];

	if (type < sizeof(names) / sizeof(names[0]))
		return names[type];
	snprintf(buf, sizeof(buf), "type-%u", type & 0x7f);
	return buf;
}
