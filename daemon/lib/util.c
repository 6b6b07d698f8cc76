// SPDX-License-Identifier: GPL-2.0-only
/* libtsm: errors, bounds-checked reader, hex, files, digests, globs. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "util.h"

void tsm_error_clear(struct tsm_error *err)
{
	if (!err)
		return;
	err->code = TSM_OK;
	err->check[0] = '\0';
	err->reason[0] = '\0';
}

int tsm_fail(struct tsm_error *err, enum tsm_rc code, const char *check,
	     const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		snprintf(err->check, sizeof(err->check), "%s", check ? check : "");
		va_start(ap, fmt);
		vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
		va_end(ap);
	}
	return -(int)code;
}

void tsm_error_prefix(struct tsm_error *err, const char *fmt, ...)
{
	char prefix[TSM_REASON_MAX];
	char both[2 * TSM_REASON_MAX + 2];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(both, sizeof(both), "%s: %s", prefix, err->reason);
	memcpy(err->reason, both, sizeof(err->reason) - 1);
	err->reason[sizeof(err->reason) - 1] = '\0';
}

const char *tsm_rc_name(enum tsm_rc code)
{
	static const char *const names[] = {
		[TSM_OK] = "ok",
		[TSM_E_NOMEM] = "nomem",
		[TSM_E_IO] = "io",
		[TSM_E_INVAL] = "inval",
		[TSM_E_PARSE] = "parse",
		[TSM_E_UNSUPPORTED] = "unsupported",
		[TSM_E_CHAIN] = "chain",
		[TSM_E_SIGNATURE] = "signature",
		[TSM_E_NONCE] = "nonce",
		[TSM_E_MEASUREMENT] = "measurement",
		[TSM_E_REPORT] = "report",
		[TSM_E_POLICY] = "policy",
		[TSM_E_CONFIG] = "config",
	};

	if ((unsigned int)code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "unknown";
}

void tsm_reader_init(struct tsm_reader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = p ? len : 0;
	r->off = 0;
}

size_t tsm_reader_left(const struct tsm_reader *r)
{
	return r->len - r->off;
}

bool tsm_get_bytes(struct tsm_reader *r, size_t n, const uint8_t **out)
{
	if (n > tsm_reader_left(r))
		return false;
	if (out)
		*out = r->p + r->off;
	r->off += n;
	return true;
}

bool tsm_skip(struct tsm_reader *r, size_t n)
{
	return tsm_get_bytes(r, n, NULL);
}

static bool get_le(struct tsm_reader *r, size_t n, uint64_t *out)
{
	const uint8_t *b;
	uint64_t v = 0;

	if (!tsm_get_bytes(r, n, &b))
		return false;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	*out = v;
	return true;
}

bool tsm_get_u8(struct tsm_reader *r, uint8_t *out)
{
	uint64_t v;

	if (!get_le(r, 1, &v))
		return false;
	*out = (uint8_t)v;
	return true;
}

bool tsm_get_le16(struct tsm_reader *r, uint16_t *out)
{
	uint64_t v;

	if (!get_le(r, 2, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

bool tsm_get_le24(struct tsm_reader *r, uint32_t *out)
{
	uint64_t v;

	if (!get_le(r, 3, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool tsm_get_le32(struct tsm_reader *r, uint32_t *out)
{
	uint64_t v;

	if (!get_le(r, 4, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool tsm_get_le64(struct tsm_reader *r, uint64_t *out)
{
	return get_le(r, 8, out);
}

char *tsm_hex(const uint8_t *data, size_t len, char *out, size_t outsz)
{
	size_t written = 0;

	if (!outsz)
		return out;
	if (len > (outsz - 1) / 2)
		len = (outsz - 1) / 2;
	out[0] = '\0';
	if (!len)
		return out;
	/* OpenSSL writes upper case; digests read better (and policy files are written) in lower */
	ERR_set_mark();
	if (OPENSSL_buf2hexstr_ex(out, outsz, &written, data, (long)len, '\0') != 1)
		out[0] = '\0';
	ERR_pop_to_mark();
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

long tsm_unhex(const char *hex, uint8_t *out, size_t outsz)
{
	size_t n = strlen(hex);
	int ok;

	/* fail before writing anything: OpenSSL would fill @out partly first */
	if (n % 2 || n / 2 > outsz)
		return -1;
	/* no separators ('\0'); a non-hex digit fails */
	ERR_set_mark();
	ok = OPENSSL_hexstr2buf_ex(out, outsz, &n, hex, '\0');
	ERR_pop_to_mark();
	return ok == 1 ? (long)n : -1;
}

int tsm_read_file(const char *path, size_t max, uint8_t **data, size_t *len,
		  struct tsm_error *err)
{
	uint8_t *buf = NULL;
	size_t used = 0, cap = 0;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return tsm_fail(err, TSM_E_IO, "io", "%s: %s", path, strerror(errno));
	for (;;) {
		ssize_t n;

		if (cap - used < 4096) {
			size_t ncap = cap ? cap * 2 : 8192;
			uint8_t *nbuf;

			if (ncap > max + 4097)
				ncap = max + 4097;
			if (ncap <= cap) {
				rc = tsm_fail(err, TSM_E_IO, "io",
					      "%s: larger than %zu bytes", path, max);
				goto out;
			}
			nbuf = realloc(buf, ncap);
			if (!nbuf) {
				rc = tsm_fail(err, TSM_E_NOMEM, "io", "%s: out of memory", path);
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = tsm_fail(err, TSM_E_IO, "io", "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			rc = tsm_fail(err, TSM_E_IO, "io", "%s: larger than %zu bytes",
				      path, max);
			goto out;
		}
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf) {
			rc = tsm_fail(err, TSM_E_NOMEM, "io", "%s: out of memory", path);
			goto out;
		}
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

size_t tsm_hash_len(enum tsm_hash h)
{
	switch (h) {
	case TSM_HASH_SHA256:
		return 32;
	case TSM_HASH_SHA384:
		return 48;
	case TSM_HASH_SHA512:
		return 64;
	default:
		return 0;
	}
}

const char *tsm_hash_name(enum tsm_hash h)
{
	switch (h) {
	case TSM_HASH_SHA256:
		return "sha256";
	case TSM_HASH_SHA384:
		return "sha384";
	case TSM_HASH_SHA512:
		return "sha512";
	default:
		return "none";
	}
}

enum tsm_hash tsm_hash_from_name(const char *name)
{
	if (!strcmp(name, "sha256"))
		return TSM_HASH_SHA256;
	if (!strcmp(name, "sha384"))
		return TSM_HASH_SHA384;
	if (!strcmp(name, "sha512"))
		return TSM_HASH_SHA512;
	return TSM_HASH_NONE;
}

enum tsm_hash tsm_hash_from_len(size_t len)
{
	switch (len) {
	case 32:
		return TSM_HASH_SHA256;
	case 48:
		return TSM_HASH_SHA384;
	case 64:
		return TSM_HASH_SHA512;
	default:
		return TSM_HASH_NONE;
	}
}

const EVP_MD *tsm_hash_md(enum tsm_hash h)
{
	switch (h) {
	case TSM_HASH_SHA256:
		return EVP_sha256();
	case TSM_HASH_SHA384:
		return EVP_sha384();
	case TSM_HASH_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

int tsm_digest(enum tsm_hash h, const void *data, size_t len, uint8_t *out)
{
	const EVP_MD *md = tsm_hash_md(h);
	unsigned int outlen = 0;

	if (!md)
		return -TSM_E_INVAL;
	if (!EVP_Digest(data, len, out, &outlen, md, NULL))
		return -TSM_E_NOMEM;
	return 0;
}

bool tsm_glob_match(const char *pattern, const char *str)
{
	return fnmatch(pattern, str, 0) == 0;
}
