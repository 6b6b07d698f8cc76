// SPDX-License-Identifier: GPL-2.0-only
/* libtsm: VCA parser (GET_VERSION .. ALGORITHMS). */
#include <string.h>

#include <openssl/obj_mac.h>

#include "spdm_vca.h"

#define CHECK "vca"

bool tsm_asym_info(uint32_t base_asym_algo, enum tsm_sig_scheme *scheme,
		   size_t *sig_len, int *ec_nid)
{
	enum tsm_sig_scheme s;
	size_t len;
	int nid = 0;

	switch (base_asym_algo) {
	case TSM_SPDM_ASYM_RSASSA_2048:
		s = TSM_SIG_RSASSA, len = 256;
		break;
	case TSM_SPDM_ASYM_RSAPSS_2048:
		s = TSM_SIG_RSAPSS, len = 256;
		break;
	case TSM_SPDM_ASYM_RSASSA_3072:
		s = TSM_SIG_RSASSA, len = 384;
		break;
	case TSM_SPDM_ASYM_RSAPSS_3072:
		s = TSM_SIG_RSAPSS, len = 384;
		break;
	case TSM_SPDM_ASYM_RSASSA_4096:
		s = TSM_SIG_RSASSA, len = 512;
		break;
	case TSM_SPDM_ASYM_RSAPSS_4096:
		s = TSM_SIG_RSAPSS, len = 512;
		break;
	case TSM_SPDM_ASYM_ECDSA_P256:
		s = TSM_SIG_ECDSA, len = 64, nid = NID_X9_62_prime256v1;
		break;
	case TSM_SPDM_ASYM_ECDSA_P384:
		s = TSM_SIG_ECDSA, len = 96, nid = NID_secp384r1;
		break;
	case TSM_SPDM_ASYM_ECDSA_P521:
		s = TSM_SIG_ECDSA, len = 132, nid = NID_secp521r1;
		break;
	default:
		return false;
	}
	if (scheme)
		*scheme = s;
	if (sig_len)
		*sig_len = len;
	if (ec_nid)
		*ec_nid = nid;
	return true;
}

const char *tsm_asym_name(uint32_t a)
{
	switch (a) {
	case TSM_SPDM_ASYM_RSASSA_2048: return "RSASSA-2048";
	case TSM_SPDM_ASYM_RSAPSS_2048: return "RSAPSS-2048";
	case TSM_SPDM_ASYM_RSASSA_3072: return "RSASSA-3072";
	case TSM_SPDM_ASYM_RSAPSS_3072: return "RSAPSS-3072";
	case TSM_SPDM_ASYM_ECDSA_P256: return "ECDSA-P256";
	case TSM_SPDM_ASYM_RSASSA_4096: return "RSASSA-4096";
	case TSM_SPDM_ASYM_RSAPSS_4096: return "RSAPSS-4096";
	case TSM_SPDM_ASYM_ECDSA_P384: return "ECDSA-P384";
	case TSM_SPDM_ASYM_ECDSA_P521: return "ECDSA-P521";
	default: return "unknown";
	}
}

static enum tsm_hash base_hash(uint32_t bit)
{
	switch (bit) {
	case TSM_SPDM_HASH_SHA256:
		return TSM_HASH_SHA256;
	case TSM_SPDM_HASH_SHA384:
		return TSM_HASH_SHA384;
	case TSM_SPDM_HASH_SHA512:
		return TSM_HASH_SHA512;
	default:
		return TSM_HASH_NONE;
	}
}

static bool one_bit(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Read the 4-byte SPDM header and check code (and version unless 0). */
static int get_header(struct tsm_reader *r, const char *what, uint8_t code,
		      uint8_t version, uint8_t hdr[4], struct tsm_error *err)
{
	const uint8_t *h;
	size_t at = r->off;

	if (!tsm_get_bytes(r, 4, &h))
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"%s at offset %zu: truncated header (%zu bytes left)",
				what, at, tsm_reader_left(r) + 0);
	if (h[1] != code)
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"%s at offset %zu: code 0x%02x, expected 0x%02x",
				what, at, h[1], code);
	if (version && h[0] != version)
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"%s at offset %zu: version 0x%02x, expected 0x%02x",
				what, at, h[0], version);
	memcpy(hdr, h, 4);
	return 0;
}

static int parse_version(struct tsm_reader *r, struct tsm_vca *v,
			 struct tsm_error *err)
{
	uint8_t hdr[4], reserved, count;
	int rc;

	rc = get_header(r, "GET_VERSION", TSM_SPDM_GET_VERSION, TSM_SPDM_V10, hdr, err);
	if (rc)
		return rc;
	rc = get_header(r, "VERSION", TSM_SPDM_VERSION, TSM_SPDM_V10, hdr, err);
	if (rc)
		return rc;
	if (!tsm_get_u8(r, &reserved) || !tsm_get_u8(r, &count))
		return tsm_fail(err, TSM_E_PARSE, CHECK, "VERSION: truncated");
	if (count == 0)
		return tsm_fail(err, TSM_E_PARSE, CHECK, "VERSION: no version entries");
	if ((size_t)count * 2 > tsm_reader_left(r))
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"VERSION: %u entries need %u bytes, %zu left",
				count, count * 2U, tsm_reader_left(r));
	for (unsigned int i = 0; i < count; i++) {
		uint16_t e;

		tsm_get_le16(r, &e);
		if (v->nversions < sizeof(v->versions))
			v->versions[v->nversions++] = (uint8_t)(e >> 8);
	}
	return 0;
}

static int parse_caps(struct tsm_reader *r, struct tsm_vca *v,
		      struct tsm_error *err)
{
	uint8_t hdr[4];
	size_t body;
	bool offered = false;
	int rc;

	/* The negotiated version is the one GET_CAPABILITIES carries. */
	if (tsm_reader_left(r) < 1)
		return tsm_fail(err, TSM_E_PARSE, CHECK, "GET_CAPABILITIES: missing");
	v->version = r->p[r->off];
	for (size_t i = 0; i < v->nversions; i++)
		offered |= v->versions[i] == v->version;
	if (!offered)
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"GET_CAPABILITIES uses version 0x%02x that VERSION did not offer",
				v->version);
	if (v->version < TSM_SPDM_V10 || v->version > TSM_SPDM_V13)
		return tsm_fail(err, TSM_E_UNSUPPORTED, CHECK,
				"unsupported SPDM version %u.%u",
				v->version >> 4, v->version & 0xf);

	rc = get_header(r, "GET_CAPABILITIES", TSM_SPDM_GET_CAPABILITIES,
			v->version, hdr, err);
	if (rc)
		return rc;
	/* 1.0: header only; 1.1: +8 (flags); 1.2+: +16 (sizes). */
	body = v->version == TSM_SPDM_V10 ? 0 : v->version == TSM_SPDM_V11 ? 8 : 16;
	if (body) {
		struct tsm_reader s;
		const uint8_t *b;

		if (!tsm_get_bytes(r, body, &b))
			return tsm_fail(err, TSM_E_PARSE, CHECK,
					"GET_CAPABILITIES: truncated (%zu bytes, need %zu)",
					tsm_reader_left(r), body);
		tsm_reader_init(&s, b + 4, 4);
		tsm_get_le32(&s, &v->req_caps);
	}

	rc = get_header(r, "CAPABILITIES", TSM_SPDM_CAPABILITIES, v->version, hdr, err);
	if (rc)
		return rc;
	body = v->version >= TSM_SPDM_V12 ? 16 : 8;
	{
		struct tsm_reader s;
		const uint8_t *b;

		if (!tsm_get_bytes(r, body, &b))
			return tsm_fail(err, TSM_E_PARSE, CHECK,
					"CAPABILITIES: truncated (%zu bytes, need %zu)",
					tsm_reader_left(r), body);
		tsm_reader_init(&s, b + 4, 4);
		tsm_get_le32(&s, &v->rsp_caps);
	}
	return 0;
}

/*
 * Walk the AlgStructure tables that follow the fixed part: each is
 * AlgType, AlgCount (bits 7:4 fixed bytes, 3:0 external count), fixed
 * bytes, 4 bytes per external algorithm.
 */
static int walk_alg_structs(struct tsm_reader *r, const char *what,
			    unsigned int n, struct tsm_error *err)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t type, count;
		size_t skip;

		if (!tsm_get_u8(r, &type) || !tsm_get_u8(r, &count))
			return tsm_fail(err, TSM_E_PARSE, CHECK,
					"%s: AlgStructure %u truncated", what, i);
		skip = (size_t)(count >> 4) + 4U * (count & 0xf);
		if (!tsm_skip(r, skip))
			return tsm_fail(err, TSM_E_PARSE, CHECK,
					"%s: AlgStructure %u (type %u) runs past its message",
					what, i, type);
	}
	if (tsm_reader_left(r))
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"%s: %zu bytes after the last AlgStructure",
				what, tsm_reader_left(r));
	return 0;
}

/* Read the sized body of NEGOTIATE_ALGORITHMS / ALGORITHMS into @m. */
static int sized_message(struct tsm_reader *r, const char *what, uint8_t code,
			 uint8_t version, uint16_t minlen, struct tsm_reader *m,
			 uint8_t hdr[4], struct tsm_error *err)
{
	size_t start = r->off;
	uint16_t length;
	int rc;

	rc = get_header(r, what, code, version, hdr, err);
	if (rc)
		return rc;
	if (!tsm_get_le16(r, &length))
		return tsm_fail(err, TSM_E_PARSE, CHECK, "%s: truncated length", what);
	if (length < minlen)
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"%s: length %u below the minimum %u", what, length, minlen);
	if (length > r->len - start)
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"%s: length %u but only %zu bytes left",
				what, length, r->len - start);
	tsm_reader_init(m, r->p + start, length);
	tsm_skip(m, 6);
	r->off = start + length;
	return 0;
}

static int parse_algorithms(struct tsm_reader *r, struct tsm_vca *v,
			    struct tsm_error *err)
{
	struct tsm_reader m;
	uint8_t hdr[4], ext_asym, ext_hash, other;
	uint16_t ext_len;
	int rc;

	rc = sized_message(r, "NEGOTIATE_ALGORITHMS", TSM_SPDM_NEGOTIATE_ALGORITHMS,
			   v->version, 32, &m, hdr, err);
	if (rc)
		return rc;
	/* fixed part: MeasSpec, Other, BaseAsym(4), BaseHash(4), 12 reserved */
	tsm_skip(&m, 2 + 4 + 4 + 12);
	if (!tsm_get_u8(&m, &ext_asym) || !tsm_get_u8(&m, &ext_hash) || !tsm_skip(&m, 2))
		return tsm_fail(err, TSM_E_PARSE, CHECK, "NEGOTIATE_ALGORITHMS: truncated");
	ext_len = 4U * ((uint16_t)ext_asym + ext_hash);
	if (!tsm_skip(&m, ext_len))
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"NEGOTIATE_ALGORITHMS: %u extended algorithms run past its length",
				ext_asym + ext_hash);
	rc = walk_alg_structs(&m, "NEGOTIATE_ALGORITHMS", hdr[2], err);
	if (rc)
		return rc;

	rc = sized_message(r, "ALGORITHMS", TSM_SPDM_ALGORITHMS, v->version, 36,
			   &m, hdr, err);
	if (rc)
		return rc;
	tsm_get_u8(&m, &v->meas_spec);
	tsm_get_u8(&m, &other);
	tsm_get_le32(&m, &v->meas_hash_algo);
	tsm_get_le32(&m, &v->base_asym_algo);
	tsm_get_le32(&m, &v->base_hash_algo);
	tsm_skip(&m, 12);
	tsm_get_u8(&m, &ext_asym);
	tsm_get_u8(&m, &ext_hash);
	tsm_skip(&m, 2);
	if (ext_asym > 1 || ext_hash > 1)
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"ALGORITHMS: ExtAsymSelCount %u / ExtHashSelCount %u above 1",
				ext_asym, ext_hash);
	if (!tsm_skip(&m, 4U * (ext_asym + ext_hash)))
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"ALGORITHMS: extended algorithms run past its length");
	rc = walk_alg_structs(&m, "ALGORITHMS", hdr[2], err);
	if (rc)
		return rc;

	if (!one_bit(v->base_hash_algo))
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"ALGORITHMS: BaseHashSel 0x%08x does not select exactly one hash",
				v->base_hash_algo);
	v->hash = base_hash(v->base_hash_algo);
	if (v->hash == TSM_HASH_NONE)
		return tsm_fail(err, TSM_E_UNSUPPORTED, CHECK,
				"ALGORITHMS: BaseHashSel 0x%08x is not SHA-256/384/512",
				v->base_hash_algo);
	v->hash_len = tsm_hash_len(v->hash);
	if (!one_bit(v->base_asym_algo))
		return tsm_fail(err, TSM_E_PARSE, CHECK,
				"ALGORITHMS: BaseAsymSel 0x%08x does not select exactly one algorithm",
				v->base_asym_algo);
	if (!tsm_asym_info(v->base_asym_algo, &v->sig, &v->sig_len, &v->ec_nid))
		return tsm_fail(err, TSM_E_UNSUPPORTED, CHECK,
				"ALGORITHMS: BaseAsymSel 0x%08x is not supported",
				v->base_asym_algo);
	switch (v->meas_hash_algo) {
	case 0:
	case TSM_SPDM_MEAS_HASH_RAW:
		v->meas_hash = TSM_HASH_NONE;
		break;
	case TSM_SPDM_MEAS_HASH_SHA256:
		v->meas_hash = TSM_HASH_SHA256;
		break;
	case TSM_SPDM_MEAS_HASH_SHA384:
		v->meas_hash = TSM_HASH_SHA384;
		break;
	case TSM_SPDM_MEAS_HASH_SHA512:
		v->meas_hash = TSM_HASH_SHA512;
		break;
	default:
		if (!one_bit(v->meas_hash_algo))
			return tsm_fail(err, TSM_E_PARSE, CHECK,
					"ALGORITHMS: MeasurementHashAlgo 0x%08x selects several",
					v->meas_hash_algo);
		v->meas_hash = TSM_HASH_NONE;	/* SHA3/SM3: digests compared as-is */
		break;
	}
	return 0;
}

int tsm_vca_parse(const uint8_t *data, size_t len, struct tsm_vca *out,
		  struct tsm_error *err)
{
	struct tsm_reader r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!data || !len)
		return tsm_fail(err, TSM_E_PARSE, CHECK, "empty VCA object");
	out->data = data;
	out->len = len;
	tsm_reader_init(&r, data, len);

	rc = parse_version(&r, out, err);
	if (!rc)
		rc = parse_caps(&r, out, err);
	if (!rc)
		rc = parse_algorithms(&r, out, err);
	if (!rc && tsm_reader_left(&r))
		rc = tsm_fail(err, TSM_E_PARSE, CHECK,
			      "%zu trailing bytes after ALGORITHMS", tsm_reader_left(&r));
	return rc;
}
