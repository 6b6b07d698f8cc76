// SPDX-License-Identifier: GPL-2.0-only
/*
 * spdm_build: builders for the SPDM 1.2 evidence objects (docs/ABI.md 4.).
 * Written from DSP0274 1.2 field layouts; see spdm_build.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "spdm_build.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

/* ---- buffer --------------------------------------------------------------- */

static bool buf_reserve(struct buf *b, size_t more)
{
	size_t cap;
	uint8_t *p;

	if (b->oom || more > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return false;
	}
	if (b->len + more <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void buf_put(struct buf *b, const void *data, size_t len)
{
	if (!len || !buf_reserve(b, len))
		return;
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

void buf_put_zero(struct buf *b, size_t len)
{
	if (!len || !buf_reserve(b, len))
		return;
	memset(b->p + b->len, 0, len);
	b->len += len;
}

static void put_le(struct buf *b, uint64_t v, size_t n)
{
	uint8_t tmp[8];

	for (size_t i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * i));
	buf_put(b, tmp, n);
}

void buf_put_u8(struct buf *b, uint8_t v) { put_le(b, v, 1); }
void buf_put_u16(struct buf *b, uint16_t v) { put_le(b, v, 2); }
void buf_put_u24(struct buf *b, uint32_t v) { put_le(b, v, 3); }
void buf_put_u32(struct buf *b, uint32_t v) { put_le(b, v, 4); }
void buf_put_u64(struct buf *b, uint64_t v) { put_le(b, v, 8); }

void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- algorithms ----------------------------------------------------------- */

/* DSP0274 bit assignments. */
#define ASYM_RSASSA_3072	(1u << 2)
#define ASYM_RSAPSS_3072	(1u << 3)
#define ASYM_ECDSA_P256		(1u << 4)
#define ASYM_ECDSA_P384		(1u << 7)
#define HASH_SHA256		(1u << 0)
#define HASH_SHA384		(1u << 1)
#define MHASH_SHA256		(1u << 1)
#define MHASH_SHA384		(1u << 2)

static const struct spdm_alg algs[SPDM_ALG_COUNT] = {
	[SPDM_ALG_P256] = { SPDM_ALG_P256, "p256", ASYM_ECDSA_P256, HASH_SHA256,
			    MHASH_SHA256, "SHA256", 32, 64, false, false,
			    "prime256v1" },
	[SPDM_ALG_P384] = { SPDM_ALG_P384, "p384", ASYM_ECDSA_P384, HASH_SHA384,
			    MHASH_SHA384, "SHA384", 48, 96, false, false,
			    "secp384r1" },
	[SPDM_ALG_RSASSA3072] = { SPDM_ALG_RSASSA3072, "rsassa3072",
				  ASYM_RSASSA_3072, HASH_SHA384, MHASH_SHA384,
				  "SHA384", 48, 384, true, false, NULL },
	[SPDM_ALG_RSAPSS3072] = { SPDM_ALG_RSAPSS3072, "rsapss3072",
				  ASYM_RSAPSS_3072, HASH_SHA384, MHASH_SHA384,
				  "SHA384", 48, 384, true, true, NULL },
};

const struct spdm_alg *spdm_alg(enum spdm_alg_id id)
{
	return (unsigned int)id < SPDM_ALG_COUNT ? &algs[id] : NULL;
}

const struct spdm_alg *spdm_alg_by_name(const char *name)
{
	for (size_t i = 0; i < SPDM_ALG_COUNT; i++)
		if (!strcmp(algs[i].name, name))
			return &algs[i];
	return NULL;
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

const struct spdm_alg *spdm_alg_from_vca(const uint8_t *vca, size_t len)
{
	size_t off = 0;

	/*
	 * Walk to ALGORITHMS: GET_VERSION (4), VERSION (6 + 2 * count),
	 * GET_CAPABILITIES and CAPABILITIES (20 each in 1.2), then the two
	 * algorithm messages, which carry their own u16 length at offset 4.
	 */
	if (len < 10 || vca[1] != 0x84 || vca[5] != 0x04)
		return NULL;
	off = 4 + 6 + 2 * (size_t)vca[9];
	for (int i = 0; i < 2; i++) {
		if (off + 20 > len)
			return NULL;
		off += 20;
	}
	if (off + 6 > len || vca[off + 1] != 0xe3)
		return NULL;
	off += vca[off + 4] | vca[off + 5] << 8;
	if (off + 20 > len || vca[off + 1] != 0x63)
		return NULL;
	for (size_t i = 0; i < SPDM_ALG_COUNT; i++)
		if (rd32(vca + off + 12) == algs[i].base_asym &&
		    rd32(vca + off + 16) == algs[i].base_hash)
			return &algs[i];
	return NULL;
}

/* ---- helpers -------------------------------------------------------------- */

int digest(const char *md, const void *data, size_t len, uint8_t *out,
	   size_t *out_len)
{
	unsigned int n = 0;
	EVP_MD *m = EVP_MD_fetch(NULL, md, NULL);
	int ok = m && EVP_Digest(data, len, out, &n, m, NULL);

	EVP_MD_free(m);
	if (!ok)
		return -1;
	if (out_len)
		*out_len = n;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int hex_decode(const char *hex, uint8_t *out, size_t max, size_t *out_len)
{
	size_t n = strlen(hex);

	while (n && isspace((unsigned char)hex[n - 1]))
		n--;
	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*out_len = n / 2;
	return 0;
}

void hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int file_read(const char *path, uint8_t **data, size_t *len)
{
	struct buf b = { 0 };
	uint8_t tmp[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			buf_free(&b);
			return -1;
		}
		buf_put(&b, tmp, (size_t)n);
	}
	close(fd);
	if (b.oom) {
		buf_free(&b);
		errno = ENOMEM;
		return -1;
	}
	*data = b.p ? b.p : malloc(1);
	*len = b.len;
	return *data ? 0 : -1;
}

int file_write(const char *path, const void *data, size_t len)
{
	const uint8_t *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

EVP_PKEY *key_load_pem(const char *path)
{
	EVP_PKEY *k;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

/* ---- measurement sets ----------------------------------------------------- */

static struct spdm_meas_block *meas_slot(struct spdm_meas_set *set,
					 uint8_t index)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->b[i].index == index)
			return &set->b[i];
	if (set->n == SPDM_MEAS_MAX)
		return NULL;
	/* keep blocks sorted by index */
	for (i = set->n; i > 0 && set->b[i - 1].index > index; i--)
		set->b[i] = set->b[i - 1];
	set->n++;
	memset(&set->b[i], 0, sizeof(set->b[i]));
	set->b[i].index = index;
	return &set->b[i];
}

static uint8_t digest_type(uint8_t index)
{
	/* 1: immutable ROM, 2: mutable firmware, 3: hw config, 4: fw config */
	return index >= 1 && index <= 4 ? index - 1 : 1;
}

int spdm_meas_set_digest(struct spdm_meas_set *set, uint8_t index,
			 const uint8_t *val, size_t len)
{
	struct spdm_meas_block *b;

	if (!index || index > 0xef || index == SPDM_SVN_INDEX ||
	    !len || len > SPDM_MEAS_VAL_MAX)
		return -1;
	b = meas_slot(set, index);
	if (!b)
		return -1;
	b->type = digest_type(index);
	b->len = (uint16_t)len;
	memcpy(b->val, val, len);
	return 0;
}

void spdm_meas_set_svn(struct spdm_meas_set *set, uint64_t svn)
{
	struct spdm_meas_block *b = meas_slot(set, SPDM_SVN_INDEX);

	if (!b)
		return;
	b->type = SPDM_DMTF_TYPE_RAW | SPDM_DMTF_TYPE_SVN;
	b->len = 8;
	for (int i = 0; i < 8; i++)
		b->val[i] = (uint8_t)(svn >> (8 * i));
}

bool spdm_meas_get_svn(const struct spdm_meas_set *set, uint64_t *svn)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct spdm_meas_block *b = &set->b[i];
		uint64_t v = 0;

		if (b->type != (SPDM_DMTF_TYPE_RAW | SPDM_DMTF_TYPE_SVN))
			continue;
		for (size_t j = 0; j < b->len && j < 8; j++)
			v |= (uint64_t)b->val[j] << (8 * j);
		*svn = v;
		return true;
	}
	return false;
}

int spdm_meas_default(const struct spdm_alg *alg, uint64_t svn,
		      struct spdm_meas_set *set)
{
	memset(set, 0, sizeof(*set));
	for (uint8_t i = 1; i <= 4; i++) {
		char text[64];
		uint8_t d[EVP_MAX_MD_SIZE];
		size_t n;

		snprintf(text, sizeof(text), "pci-tsm fixture measurement %u", i);
		if (digest(alg->md, text, strlen(text), d, &n) ||
		    spdm_meas_set_digest(set, i, d, n))
			return -1;
	}
	spdm_meas_set_svn(set, svn);
	return 0;
}

int spdm_meas_parse_arg(const struct spdm_alg *alg, const char *arg,
			struct spdm_meas_set *set, char *msg, size_t msgsz)
{
	uint8_t val[SPDM_MEAS_VAL_MAX];
	size_t len;
	char *end;
	unsigned long idx;

	errno = 0;
	idx = strtoul(arg, &end, 0);
	if (errno || end == arg || *end != '=' || !idx || idx > 0xef ||
	    idx == SPDM_SVN_INDEX) {
		snprintf(msg, msgsz,
			 "measurement '%s': want IDX=HEX with IDX 1..239, not %d",
			 arg, SPDM_SVN_INDEX);
		return -1;
	}
	end++;
	if (*end == '@') {
		if (digest(alg->md, end + 1, strlen(end + 1), val, &len))
			return -1;
	} else if (hex_decode(end, val, sizeof(val), &len) || !len) {
		snprintf(msg, msgsz, "measurement '%s': bad hex value", arg);
		return -1;
	}
	if (len != alg->hash_len) {
		snprintf(msg, msgsz,
			 "measurement '%s': %zu bytes, but %s measurements are %s digests of %zu bytes",
			 arg, len, alg->name, alg->md, alg->hash_len);
		return -1;
	}
	return spdm_meas_set_digest(set, (uint8_t)idx, val, len);
}

int spdm_meas_load(const struct spdm_alg *alg, const char *path,
		   struct spdm_meas_set *set, char *msg, size_t msgsz)
{
	char line[512];
	int lineno = 0, rc = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		char *p = line, *e;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		if (!strncmp(p, "svn=", 4) || !strncmp(p, "svn-min=", 8)) {
			p = strchr(p, '=') + 1;
			errno = 0;
			unsigned long long v = strtoull(p, &e, 0);

			if (errno || e == p || *e) {
				snprintf(msg, msgsz, "%s:%d: bad svn", path, lineno);
				rc = -1;
			} else {
				spdm_meas_set_svn(set, v);
			}
			continue;
		}
		if (spdm_meas_parse_arg(alg, p, set, msg, msgsz)) {
			char tmp[256];

			snprintf(tmp, sizeof(tmp), "%s:%d: %s", path, lineno, msg);
			snprintf(msg, msgsz, "%s", tmp);
			rc = -1;
		}
	}
	fclose(f);
	return rc;
}

int spdm_meas_save(const struct spdm_meas_set *set, const char *path,
		   const char *svn_key)
{
	uint64_t svn;
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "# measurement values: IDX=HEX digest lines, %s=N\n", svn_key);
	for (size_t i = 0; i < set->n; i++) {
		const struct spdm_meas_block *b = &set->b[i];
		char hex[2 * SPDM_MEAS_VAL_MAX + 1];

		if (b->type & SPDM_DMTF_TYPE_RAW)
			continue;
		hex_encode(b->val, b->len, hex);
		fprintf(f, "%u=%s\n", b->index, hex);
	}
	if (spdm_meas_get_svn(set, &svn))
		fprintf(f, "%s=%" PRIu64 "\n", svn_key, svn);
	return fclose(f) ? -1 : 0;
}

/* ---- VCA ------------------------------------------------------------------ */

#define REQ_CAPS	0x00000006u	/* CERT_CAP | CHAL_CAP */
#define RSP_CAPS	0x00000036u	/* CERT, CHAL, MEAS_CAP=signed, MEAS_FRESH */
#define CT_EXPONENT	12
#define XFER_SIZE	0x1200
#define ALL_ASYM	(ASYM_RSASSA_3072 | ASYM_RSAPSS_3072 | ASYM_ECDSA_P256 | \
			 ASYM_ECDSA_P384)

static void put_caps(struct buf *b, uint8_t code, uint32_t flags)
{
	buf_put_u8(b, 0x12);
	buf_put_u8(b, code);
	buf_put_u16(b, 0);		/* param1, param2 */
	buf_put_u8(b, 0);		/* reserved */
	buf_put_u8(b, CT_EXPONENT);
	buf_put_u16(b, 0);		/* reserved */
	buf_put_u32(b, flags);
	buf_put_u32(b, XFER_SIZE);	/* DataTransferSize */
	buf_put_u32(b, XFER_SIZE);	/* MaxSPDMmsgSize */
}

/* One AlgStructure: type, count (2 fixed bytes, no ext), bitmask. */
static void put_alg_struct(struct buf *b, uint8_t type, uint16_t mask)
{
	buf_put_u8(b, type);
	buf_put_u8(b, 0x20);
	buf_put_u16(b, mask);
}

static void put_algs_common_tail(struct buf *b)
{
	buf_put_zero(b, 12);		/* reserved */
	buf_put_u8(b, 0);		/* ExtAsym(Sel)Count */
	buf_put_u8(b, 0);		/* ExtHash(Sel)Count */
	buf_put_u16(b, 0);		/* reserved */
}

int spdm_build_vca(const struct spdm_alg *alg, struct buf *out)
{
	bool p256 = alg->id == SPDM_ALG_P256;

	/* GET_VERSION (always version 1.0) and VERSION offering 1.2 */
	buf_put(out, "\x10\x84\x00\x00", 4);
	buf_put(out, "\x10\x04\x00\x00", 4);
	buf_put_u8(out, 0);			/* reserved */
	buf_put_u8(out, 1);			/* VersionNumberEntryCount */
	buf_put_u16(out, 0x1200);		/* 1.2.0.0 */

	put_caps(out, 0xe1, REQ_CAPS);
	put_caps(out, 0x61, RSP_CAPS);

	/* NEGOTIATE_ALGORITHMS: what a generic requester supports */
	buf_put(out, "\x12\xe3\x04\x00", 4);	/* param1: 4 AlgStructures */
	buf_put_u16(out, 32 + 4 * 4);
	buf_put_u8(out, 0x01);			/* MeasurementSpecification DMTF */
	buf_put_u8(out, 0x02);			/* OtherParams: opaque fmt 1 */
	buf_put_u32(out, ALL_ASYM);
	buf_put_u32(out, HASH_SHA256 | HASH_SHA384);
	put_algs_common_tail(out);
	put_alg_struct(out, 2, 0x0018);		/* DHE secp256r1, secp384r1 */
	put_alg_struct(out, 3, 0x0003);		/* AEAD AES-128/256-GCM */
	put_alg_struct(out, 4, ALL_ASYM);	/* ReqBaseAsymAlg */
	put_alg_struct(out, 5, 0x0001);		/* KeySchedule SPDM */

	/* ALGORITHMS: the responder's selection for this variant */
	buf_put(out, "\x12\x63\x04\x00", 4);
	buf_put_u16(out, 36 + 4 * 4);
	buf_put_u8(out, 0x01);			/* MeasurementSpecificationSel */
	buf_put_u8(out, 0x02);			/* OtherParamsSelection */
	buf_put_u32(out, alg->meas_hash);
	buf_put_u32(out, alg->base_asym);
	buf_put_u32(out, alg->base_hash);
	put_algs_common_tail(out);
	put_alg_struct(out, 2, p256 ? 0x0008 : 0x0010);
	put_alg_struct(out, 3, 0x0002);
	put_alg_struct(out, 4, (uint16_t)alg->base_asym);
	put_alg_struct(out, 5, 0x0001);
	return out->oom ? -1 : 0;
}

/* ---- certificate chain ---------------------------------------------------- */

int spdm_build_chain(const struct spdm_alg *alg, X509 *const *certs, size_t n,
		     struct buf *out)
{
	struct buf der = { 0 };
	uint8_t h[EVP_MAX_MD_SIZE];
	size_t total;
	int rc = -1;

	for (size_t i = 0; i < n; i++) {
		unsigned char *p = NULL;
		int len = i2d_X509(certs[i], &p);

		if (len <= 0)
			goto out;
		if (i == 0 && digest(alg->md, p, (size_t)len, h, NULL)) {
			OPENSSL_free(p);
			goto out;
		}
		buf_put(&der, p, (size_t)len);
		OPENSSL_free(p);
	}
	total = 4 + alg->hash_len + der.len;
	if (!n || der.oom || total > 0xffff)
		goto out;
	buf_put_u16(out, (uint16_t)total);
	buf_put_u16(out, 0);
	buf_put(out, h, alg->hash_len);
	buf_put(out, der.p, der.len);
	rc = out->oom ? -1 : 0;
out:
	buf_free(&der);
	return rc;
}

/* ---- signing -------------------------------------------------------------- */

static const char version_prefix[] = "dmtf-spdm-v1.2.*";
static const char meas_context[] = "responder-measurements signing";

int spdm_build_mprime(const char *md, const uint8_t *vca, size_t vca_len,
		      const uint8_t *msgs, size_t msgs_len, uint8_t *out,
		      size_t *out_len)
{
	unsigned int n = 0;
	size_t ctx_len = sizeof(meas_context) - 1;
	EVP_MD *m = EVP_MD_fetch(NULL, md, NULL);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	/* 4 x 16-byte version string, then the 36-byte context field */
	for (int i = 0; i < 4; i++)
		memcpy(out + 16 * i, version_prefix, 16);
	memset(out + 64, 0, 36 - ctx_len);
	memcpy(out + 64 + 36 - ctx_len, meas_context, ctx_len);
	ok = m && c && EVP_DigestInit_ex(c, m, NULL) &&
	     EVP_DigestUpdate(c, vca, vca_len) &&
	     EVP_DigestUpdate(c, msgs, msgs_len) &&
	     EVP_DigestFinal_ex(c, out + SPDM_MPRIME_PREFIX_LEN, &n);
	EVP_MD_CTX_free(c);
	EVP_MD_free(m);
	if (!ok)
		return -1;
	*out_len = SPDM_MPRIME_PREFIX_LEN + n;
	return 0;
}

static int ecdsa_der_to_raw(const uint8_t *der, size_t der_len, uint8_t *raw,
			    size_t half)
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	int rc = -1;

	if (!s)
		return -1;
	if (BN_bn2binpad(ECDSA_SIG_get0_r(s), raw, (int)half) == (int)half &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(s), raw + half, (int)half) == (int)half)
		rc = 0;
	ECDSA_SIG_free(s);
	return rc;
}

int spdm_sign(const struct spdm_alg *alg, EVP_PKEY *key, const uint8_t *m,
	      size_t m_len, uint8_t *sig)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t tmp[1024];
	size_t len = sizeof(tmp);
	int rc = -1;

	if (!c || EVP_DigestSignInit_ex(c, &pctx, alg->md, NULL, NULL, key,
					NULL) != 1)
		goto out;
	if (alg->rsa) {
		if (EVP_PKEY_get_size(key) != (int)alg->sig_len)
			goto out;
		if (alg->pss &&
		    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
		     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, alg->md, NULL) != 1))
			goto out;
		if (!alg->pss &&
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
			goto out;
	}
	if (EVP_DigestSign(c, tmp, &len, m, m_len) != 1)
		goto out;
	if (alg->rsa) {
		if (len != alg->sig_len)
			goto out;
		memcpy(sig, tmp, len);
		rc = 0;
	} else {
		rc = ecdsa_der_to_raw(tmp, len, sig, alg->sig_len / 2);
	}
out:
	EVP_MD_CTX_free(c);
	return rc;
}

/* ---- MEASUREMENTS --------------------------------------------------------- */

static void put_request(struct buf *b, const uint8_t *nonce, uint8_t slot)
{
	buf_put_u8(b, 0x12);		/* SPDMVersion 1.2 */
	buf_put_u8(b, 0xe0);		/* GET_MEASUREMENTS */
	buf_put_u8(b, 0x01);		/* param1: signature requested */
	buf_put_u8(b, 0xff);		/* param2: all blocks */
	buf_put(b, nonce, SPDM_NONCE_LEN);
	buf_put_u8(b, slot);		/* SlotIDParam */
}

static int put_response(struct buf *b, const struct spdm_meas_set *set,
			const struct spdm_meas_opts *o, const uint8_t *rnonce)
{
	size_t rec = 0;
	long long rec_field;

	for (size_t i = 0; i < set->n; i++)
		rec += 4 + 3 + set->b[i].len;
	rec_field = (long long)rec + o->record_len_delta;
	if (rec_field < 0 || rec_field > 0xffffff || set->n > 255)
		return -1;

	buf_put_u8(b, 0x12);
	buf_put_u8(b, 0x60);			/* MEASUREMENTS */
	buf_put_u8(b, 0);			/* param1: reserved here */
	buf_put_u8(b, o->slot & 0x0f);		/* param2: slot id */
	buf_put_u8(b, (uint8_t)set->n);		/* NumberOfBlocks */
	buf_put_u24(b, (uint32_t)rec_field);	/* MeasurementRecordLength */
	for (size_t i = 0; i < set->n; i++) {
		const struct spdm_meas_block *m = &set->b[i];

		buf_put_u8(b, m->index);
		buf_put_u8(b, 0x01);		/* MeasurementSpecification DMTF */
		buf_put_u16(b, (uint16_t)(3 + m->len));
		buf_put_u8(b, m->type);
		buf_put_u16(b, m->len);
		buf_put(b, m->val, m->len);
	}
	buf_put(b, rnonce, SPDM_NONCE_LEN);
	buf_put_u16(b, 0);			/* OpaqueDataLength */
	return b->oom ? -1 : 0;
}

int spdm_build_measurements(const struct spdm_alg *alg, EVP_PKEY *key,
			    const uint8_t *vca, size_t vca_len,
			    const struct spdm_meas_set *set,
			    const struct spdm_meas_opts *opts, struct buf *out)
{
	struct buf msgs = { 0 }, signed_msgs = { 0 };
	uint8_t rnonce[SPDM_NONCE_LEN], mp[SPDM_MPRIME_MAX], sig[1024];
	size_t mp_len;
	int rc = -1;

	if (!opts->nonce || alg->sig_len > sizeof(sig))
		return -1;
	if (opts->resp_nonce)
		memcpy(rnonce, opts->resp_nonce, sizeof(rnonce));
	else if (RAND_bytes(rnonce, sizeof(rnonce)) != 1)
		return -1;

	put_request(&msgs, opts->nonce, opts->slot);
	if (put_response(&msgs, set, opts, rnonce))
		goto out;
	if (opts->sign_nonce) {
		put_request(&signed_msgs, opts->sign_nonce, opts->slot);
		buf_put(&signed_msgs, msgs.p + 37, msgs.len - 37);
	} else {
		buf_put(&signed_msgs, msgs.p, msgs.len);
	}
	if (signed_msgs.oom ||
	    spdm_build_mprime(alg->md, vca, vca_len, signed_msgs.p,
			      signed_msgs.len, mp, &mp_len) ||
	    spdm_sign(alg, key, mp, mp_len, sig))
		goto out;
	if (opts->corrupt_sig)
		sig[alg->sig_len / 4] ^= 0x01;
	buf_put(out, msgs.p, msgs.len);
	buf_put(out, sig, alg->sig_len);
	rc = out->oom ? -1 : 0;
out:
	buf_free(&msgs);
	buf_free(&signed_msgs);
	return rc;
}
