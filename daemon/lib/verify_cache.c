// SPDX-License-Identifier: GPL-2.0-only
/* libtsm: cache of successful certificate path validations. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "verify.h"

struct entry {
	uint8_t key[32];
	time_t added;
	time_t not_after;	/* earliest notAfter of the path (time checks on) */
	bool used;
};

struct tsm_verify_cache {
	pthread_mutex_t lock;	/* serialises entries[], next and the counters */
	struct entry *entries;
	unsigned int max, next;
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
	c->entries = calloc(c->max, sizeof(*c->entries));
	if (!c->entries || pthread_mutex_init(&c->lock, NULL)) {
		free(c->entries);
		free(c);
		return NULL;
	}
	return c;
}

void tsm_verify_cache_free(struct tsm_verify_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->entries);
	free(c);
}

void tsm_verify_cache_clear(struct tsm_verify_cache *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	memset(c->entries, 0, c->max * sizeof(*c->entries));
	c->next = 0;
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

/* SHA-256 over the chain object, every anchor's DER and the options. */
static int cache_key(const struct tsm_chain *chain, STACK_OF(X509) *anchors,
		     const struct tsm_verify_opts *opts, uint8_t key[32])
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	struct {
		uint8_t check_time;
		int64_t now;
		uintptr_t crls;
	} o = { 0 };
	int ok;

	if (!h)
		return -1;
	if (opts) {
		o.check_time = opts->check_time;
		o.now = opts->now;
		o.crls = (uintptr_t)opts->crls;
	}
	ok = EVP_DigestInit_ex(h, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(h, chain->data, chain->len) &&
	     EVP_DigestUpdate(h, &o, sizeof(o));
	for (int i = 0; ok && i < sk_X509_num(anchors); i++) {
		unsigned char *der = NULL;
		int n = i2d_X509(sk_X509_value(anchors, i), &der);

		ok = n > 0 && EVP_DigestUpdate(h, der, (size_t)n);
		OPENSSL_free(der);
	}
	ok = ok && EVP_DigestFinal_ex(h, key, NULL);
	EVP_MD_CTX_free(h);
	return ok ? 0 : -1;
}

/* Earliest notAfter of the chain's certificates (an upper bound for the path). */
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
	/* an anchor that expires first ends the entry too */
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

int tsm_verify_chain_cached(struct tsm_verify_cache *c, const struct tsm_chain *chain,
			    STACK_OF(X509) *anchors, const struct tsm_verify_opts *opts,
			    struct tsm_error *err)
{
	bool timed = opts && opts->check_time;
	time_t now = time(NULL);
	uint8_t key[32];
	int rc;

	if (!c || !chain->ncerts || !anchors || cache_key(chain, anchors, opts, key))
		return tsm_verify_chain(chain, anchors, opts, err);
	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->max; i++) {
		struct entry *e = &c->entries[i];

		if (!e->used || memcmp(e->key, key, sizeof(key)))
			continue;
		if ((c->ttl && now - e->added >= (time_t)c->ttl) ||
		    (timed && now >= e->not_after)) {
			e->used = false;
			break;
		}
		c->hits++;
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	c->misses++;
	pthread_mutex_unlock(&c->lock);

	rc = tsm_verify_chain(chain, anchors, opts, err);
	if (rc)
		return rc;
	pthread_mutex_lock(&c->lock);
	{
		struct entry *e = &c->entries[c->next];

		c->next = (c->next + 1) % c->max;
		memcpy(e->key, key, sizeof(key));
		e->added = now;
		e->not_after = timed ? earliest_not_after(chain, anchors) : 0;
		e->used = true;
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}
