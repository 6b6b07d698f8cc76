// SPDX-License-Identifier: GPL-2.0-only
/*
 * libtsm: cache of parsed chains and of successful path validations.
 *
 * Both tables are keyed by digests, never by pointers: parsed chains by
 * SHA-256 of the chain object's bytes (so a chain seen before is not run
 * through d2i_X509 again), validations by SHA-256 over that digest, the
 * anchors' DER and the options written out field by field.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "verify.h"

struct parsed_entry {
	uint8_t key[32];		/* SHA-256 of the chain object */
	enum tsm_hash hash;		/* the hash it was parsed with */
	struct tsm_chain chain;		/* certs owned here; der[] as offsets */
	bool used;
};

struct valid_entry {
	uint8_t key[32];
	time_t added;
	time_t not_after;	/* earliest notAfter of the path (time checks on) */
	struct tsm_path path;
	bool used;
};

struct tsm_verify_cache {
	pthread_mutex_t lock;	/* serialises both tables, the cursors and the counters */
	struct parsed_entry *parsed;
	struct valid_entry *valid;
	unsigned int max, next_parsed, next_valid;
	unsigned int ttl;
	unsigned long hits, misses;
};

struct tsm_verify_cache *tsm_verify_cache_new(unsigned int max_entries,
					      unsigned int ttl_seconds)
{
	struct tsm_verify_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->max = max_entries ? max_entries : 256;
	c->ttl = ttl_seconds;
	c->parsed = calloc(c->max, sizeof(*c->parsed));
	c->valid = calloc(c->max, sizeof(*c->valid));
	if (!c->parsed || !c->valid || pthread_mutex_init(&c->lock, NULL)) {
		free(c->parsed);
		free(c->valid);
		free(c);
		return NULL;
	}
	return c;
}

static void drop_parsed(struct parsed_entry *e)
{
	if (e->used)
		tsm_chain_free(&e->chain);
	memset(e, 0, sizeof(*e));
}

static void clear_locked(struct tsm_verify_cache *c)
{
	for (unsigned int i = 0; i < c->max; i++)
		drop_parsed(&c->parsed[i]);
	memset(c->valid, 0, c->max * sizeof(*c->valid));
	c->next_parsed = c->next_valid = 0;
}

void tsm_verify_cache_free(struct tsm_verify_cache *c)
{
	if (!c)
		return;
	clear_locked(c);
	pthread_mutex_destroy(&c->lock);
	free(c->parsed);
	free(c->valid);
	free(c);
}

void tsm_verify_cache_clear(struct tsm_verify_cache *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	clear_locked(c);
	pthread_mutex_unlock(&c->lock);
}

void tsm_verify_cache_stats(struct tsm_verify_cache *c, unsigned long *hits,
			    unsigned long *misses)
{
	pthread_mutex_lock(&c->lock);
	*hits = c->hits;
	*misses = c->misses;
	pthread_mutex_unlock(&c->lock);
}

/* Copy @src (offsets in der[]) onto @data, taking a reference on each certificate. */
static void chain_attach(struct tsm_chain *out, const struct tsm_chain *src,
			 const uint8_t *data, size_t len)
{
	*out = *src;
	out->data = data;
	out->len = len;
	out->root_hash = data + TSM_CHAIN_HDR_LEN;
	for (size_t i = 0; i < src->ncerts; i++) {
		X509_up_ref(src->certs[i]);
		out->der[i] = data + (size_t)(uintptr_t)src->der[i];
	}
}

int tsm_chain_parse_cached(struct tsm_verify_cache *c, const uint8_t *data, size_t len,
			   enum tsm_hash hash, struct tsm_chain *out,
			   struct tsm_error *err)
{
	uint8_t key[32];
	struct parsed_entry *e;
	int rc;

	if (!c || !data)
		return tsm_chain_parse(data, len, hash, out, err);
	if (tsm_digest(TSM_HASH_SHA256, data, len, key))
		return tsm_chain_parse(data, len, hash, out, err);
	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->max; i++) {
		e = &c->parsed[i];
		if (!e->used || e->hash != hash || e->chain.len != len ||
		    memcmp(e->key, key, sizeof(key)))
			continue;
		chain_attach(out, &e->chain, data, len);
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	pthread_mutex_unlock(&c->lock);

	rc = tsm_chain_parse(data, len, hash, out, err);
	if (rc)
		return rc;	/* failures are not cached */
	pthread_mutex_lock(&c->lock);
	e = &c->parsed[c->next_parsed];
	c->next_parsed = (c->next_parsed + 1) % c->max;
	drop_parsed(e);
	e->chain = *out;
	e->chain.data = NULL;
	e->chain.root_hash = NULL;
	for (size_t i = 0; i < out->ncerts; i++) {
		X509_up_ref(out->certs[i]);
		e->chain.der[i] = (const uint8_t *)(uintptr_t)(out->der[i] - data);
	}
	memcpy(e->key, key, sizeof(key));
	e->hash = hash;
	e->used = true;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int put_u64(EVP_MD_CTX *h, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return EVP_DigestUpdate(h, b, sizeof(b));
}

/*
 * SHA-256 over: the chain object's bytes (as their own SHA-256), each
 * anchor's DER, each CRL's DER, and the options, each field encoded
 * explicitly (no struct padding, no pointers).
 */
static int cache_key(const struct tsm_chain *chain, STACK_OF(X509) *anchors,
		     const struct tsm_verify_opts *opts, uint8_t key[32])
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	uint8_t cd[32];
	bool timed = opts && opts->check_time;
	int ncrl = opts && opts->crls ? sk_X509_CRL_num(opts->crls) : 0;
	int ok;

	if (!h)
		return -1;
	memcpy(cd, chain->sha256, sizeof(cd));
	ok = EVP_DigestInit_ex(h, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(h, cd, sizeof(cd)) &&
	     put_u64(h, (uint64_t)chain->hash) &&
	     put_u64(h, timed) &&
	     put_u64(h, timed ? (uint64_t)opts->now : 0) &&
	     put_u64(h, (uint64_t)sk_X509_num(anchors));
	for (int i = 0; ok && i < sk_X509_num(anchors); i++) {
		unsigned char *der = NULL;
		int n = i2d_X509(sk_X509_value(anchors, i), &der);

		ok = n > 0 && put_u64(h, (uint64_t)n) && EVP_DigestUpdate(h, der, (size_t)n);
		OPENSSL_free(der);
	}
	ok = ok && put_u64(h, (uint64_t)ncrl);
	for (int i = 0; ok && i < ncrl; i++) {
		unsigned char *der = NULL;
		int n = i2d_X509_CRL(sk_X509_CRL_value(opts->crls, i), &der);

		ok = n > 0 && put_u64(h, (uint64_t)n) && EVP_DigestUpdate(h, der, (size_t)n);
		OPENSSL_free(der);
	}
	ok = ok && EVP_DigestFinal_ex(h, key, NULL);
	EVP_MD_CTX_free(h);
	return ok ? 0 : -1;
}

/* Earliest notAfter of the chain's certificates and the anchors (an upper bound). */
static time_t earliest_not_after(const struct tsm_chain *chain, STACK_OF(X509) *anchors)
{
	time_t min = (time_t)-1;
	struct tm tm;

	for (size_t i = 0; i < chain->ncerts; i++) {
		time_t t;

		if (!ASN1_TIME_to_tm(X509_get0_notAfter(chain->certs[i]), &tm))
			return 0;
		t = timegm(&tm);
		if (min == (time_t)-1 || t < min)
			min = t;
	}
	for (int i = 0; i < sk_X509_num(anchors); i++) {
		time_t t;

		if (!ASN1_TIME_to_tm(X509_get0_notAfter(sk_X509_value(anchors, i)), &tm))
			return 0;
		t = timegm(&tm);
		if (t < min)
			min = t;
	}
	return min;
}

int tsm_verify_chain_path_cached(struct tsm_verify_cache *c, const struct tsm_chain *chain,
				 STACK_OF(X509) *anchors, const struct tsm_verify_opts *opts,
				 struct tsm_path *path, struct tsm_error *err)
{
	bool timed = opts && opts->check_time;
	time_t now = time(NULL);
	struct tsm_path got;
	uint8_t key[32];
	int rc;

	if (!c || !chain->ncerts || !anchors || !sk_X509_num(anchors) ||
	    cache_key(chain, anchors, opts, key))
		return tsm_verify_chain_path(chain, anchors, opts, path, err);
	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->max; i++) {
		struct valid_entry *e = &c->valid[i];

		if (!e->used || memcmp(e->key, key, sizeof(key)))
			continue;
		if ((c->ttl && now - e->added >= (time_t)c->ttl) ||
		    (timed && now >= e->not_after)) {
			e->used = false;
			break;
		}
		c->hits++;
		if (path)
			*path = e->path;
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	c->misses++;
	pthread_mutex_unlock(&c->lock);

	rc = tsm_verify_chain_path(chain, anchors, opts, &got, err);
	if (rc)
		return rc;
	if (path)
		*path = got;
	pthread_mutex_lock(&c->lock);
	{
		struct valid_entry *e = &c->valid[c->next_valid];

		c->next_valid = (c->next_valid + 1) % c->max;
		memcpy(e->key, key, sizeof(key));
		e->added = now;
		e->not_after = timed ? earliest_not_after(chain, anchors) : 0;
		e->path = got;
		e->used = true;
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int tsm_verify_chain_cached(struct tsm_verify_cache *c, const struct tsm_chain *chain,
			    STACK_OF(X509) *anchors, const struct tsm_verify_opts *opts,
			    struct tsm_error *err)
{
	return tsm_verify_chain_path_cached(c, chain, anchors, opts, NULL, err);
}
