/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtsm: shared helpers (errors, bounds-checked reader, hex, files, hashes).
 *
 * Every libtsm function that can fail takes a struct tsm_error * (may be NULL)
 * and returns 0 on success or a negative enum tsm_rc value. On failure the
 * error carries the code, a short machine-readable name of the failing check
 * and a human-readable reason sentence without a trailing newline.
 *
 * Check ids (the same names tests/tools' fixture manifest uses):
 *   vca; chain.length, chain.der, chain.root-hash, chain.untrusted,
 *   chain.expired, chain.revoked, chain.signature, chain.path,
 *   chain.key-usage, chain.trust-anchor; measurements.request,
 *   measurements.record-length, measurements.block, measurements.length,
 *   measurements, measurements.signature, measurements.nonce;
 *   measurement.value, measurement.svn; report, report.require,
 *   report.forbid; root-fingerprint; evidence; config, policy, io.
 */
#ifndef TSM_UTIL_H
#define TSM_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Result codes; functions return 0 or the negated value. */
enum tsm_rc {
	TSM_OK = 0,
	TSM_E_NOMEM = 1,	/* allocation failed */
	TSM_E_IO = 2,		/* file could not be read */
	TSM_E_INVAL = 3,	/* bad argument from the caller */
	TSM_E_PARSE = 4,	/* malformed evidence object */
	TSM_E_UNSUPPORTED = 5,	/* well-formed but unsupported (version, algorithm) */
	TSM_E_CHAIN = 6,	/* certificate chain fails its checks */
	TSM_E_SIGNATURE = 7,	/* MEASUREMENTS signature does not verify */
	TSM_E_NONCE = 8,	/* nonce missing or not the one supplied */
	TSM_E_MEASUREMENT = 9,	/* measurement differs from the reference */
	TSM_E_REPORT = 10,	/* TDISP report fails its checks */
	TSM_E_POLICY = 11,	/* policy requirement not met (other than the above) */
	TSM_E_CONFIG = 12,	/* syntax or semantic error in a config/policy file */
};

#define TSM_CHECK_MAX	64
#define TSM_REASON_MAX	512

struct tsm_error {
	enum tsm_rc code;		/* positive code, TSM_OK when clear */
	char check[TSM_CHECK_MAX];	/* failing check id, e.g. "chain.path" */
	char reason[TSM_REASON_MAX];	/* human-readable sentence */
};

/* Clear @err (NULL allowed). */
void tsm_error_clear(struct tsm_error *err);

/*
 * Fill @err (NULL allowed) and return -@code, so callers can write
 * "return tsm_fail(err, TSM_E_PARSE, "vca", "short message: %zu", n);".
 */
int tsm_fail(struct tsm_error *err, enum tsm_rc code, const char *check,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Prepend "prefix: " to err->reason (used to add file names, indices). */
void tsm_error_prefix(struct tsm_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Static name of a code: "ok", "nomem", "parse", "chain", ... */
const char *tsm_rc_name(enum tsm_rc code);

/*
 * Bounds-checked little-endian reader over a byte buffer. Every get
 * function returns false (and leaves *out untouched) when fewer bytes
 * remain than requested; the reader never reads past p + len.
 */
struct tsm_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
};

void tsm_reader_init(struct tsm_reader *r, const uint8_t *p, size_t len);
size_t tsm_reader_left(const struct tsm_reader *r);
bool tsm_get_u8(struct tsm_reader *r, uint8_t *out);
bool tsm_get_le16(struct tsm_reader *r, uint16_t *out);
bool tsm_get_le24(struct tsm_reader *r, uint32_t *out);
bool tsm_get_le32(struct tsm_reader *r, uint32_t *out);
bool tsm_get_le64(struct tsm_reader *r, uint64_t *out);
/* Point *out at the next n bytes (no copy) and advance. */
bool tsm_get_bytes(struct tsm_reader *r, size_t n, const uint8_t **out);
bool tsm_skip(struct tsm_reader *r, size_t n);

/*
 * Lowercase hex of @len bytes into @out (needs 2 * len + 1 bytes); returns
 * @out, or "" truncated safely when @outsz is too small.
 */
char *tsm_hex(const uint8_t *data, size_t len, char *out, size_t outsz);

/*
 * Decode hex (upper or lower case, no separators) into @out. Returns the
 * number of bytes written, or -1 on an odd length, a non-hex character or
 * when more than @outsz bytes would be needed.
 */
long tsm_unhex(const char *hex, uint8_t *out, size_t outsz);

/*
 * Read a whole file into a malloc'd buffer (NUL-terminated for
 * convenience, the NUL is not counted in *len). Fails with TSM_E_IO
 * naming the path and strerror, or when the file exceeds @max bytes.
 */
int tsm_read_file(const char *path, size_t max, uint8_t **data, size_t *len,
		  struct tsm_error *err);

/* Digest algorithms used by SPDM and the policy language. */
enum tsm_hash {
	TSM_HASH_NONE = 0,
	TSM_HASH_SHA256,
	TSM_HASH_SHA384,
	TSM_HASH_SHA512,
};

#define TSM_HASH_MAX_LEN 64

/* 32/48/64, or 0 for TSM_HASH_NONE. */
size_t tsm_hash_len(enum tsm_hash h);
/* "sha256", "sha384", "sha512", or "none". */
const char *tsm_hash_name(enum tsm_hash h);
/* Inverse of tsm_hash_name; TSM_HASH_NONE when unknown. */
enum tsm_hash tsm_hash_from_name(const char *name);
/* Digest length -> algorithm (32 -> sha256 ...), TSM_HASH_NONE otherwise. */
enum tsm_hash tsm_hash_from_len(size_t len);
/* OpenSSL's EVP_MD of @h (a const EVP_MD *), NULL for TSM_HASH_NONE. */
const struct evp_md_st *tsm_hash_md(enum tsm_hash h);
/* One-shot digest; @out needs tsm_hash_len(h) bytes. 0 or -TSM_E_*. */
int tsm_digest(enum tsm_hash h, const void *data, size_t len, uint8_t *out);

/* fnmatch(3)-style glob without special meaning for '/' or leading '.'. */
bool tsm_glob_match(const char *pattern, const char *str);

#endif /* TSM_UTIL_H */
