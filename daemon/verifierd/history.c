// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the daemon remembers of a device beyond its current decision: the
 * evidence it last accepted (certificate chain, measurement blocks, SVN),
 * to compare with what the device presents after it left RUN, and the
 * bounded history of its decisions and recovery events (tsmctl show).
 * No behaviour: it calls no other file of the daemon.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "manager.h"

/* SHA-256 of a block's index, type and size, then its value, into |ctx| */
static bool block_digest(EVP_MD_CTX *ctx, const struct tsm_meas_block *b)
{
	uint8_t hdr[4] = {
		b->index, b->dmtf ? (b->type | (b->raw ? 0x80 : 0)) : 0xff,
		b->size & 0xff, b->size >> 8,
	};

	if (!EVP_DigestUpdate(ctx, hdr, sizeof(hdr)))
		return false;
	return !(b->dmtf && b->value_size && !EVP_DigestUpdate(ctx, b->value, b->value_size));
}

void vd_evrec_build(struct vd_evrec *rec, const struct tsm_evidence *ev,
		    const struct tsm_parsed *p)
{
	EVP_MD_CTX *one = EVP_MD_CTX_new(), *rest = NULL;
	unsigned int i;

	memset(rec, 0, sizeof(*rec));
	if (!one)
		return;
	if (ev->cert && ev->cert_len)
		rec->has_chain = !tsm_digest(TSM_HASH_SHA256, ev->cert, ev->cert_len, rec->chain);
	rec->has_svn = tsm_meas_svn(&p->meas, &rec->svn);
	for (i = 0; i < p->meas.nblocks; i++) {
		const struct tsm_meas_block *b = &p->meas.blocks[i];

		if (b->dmtf && b->raw && b->type == TSM_MEAS_SVN)
			continue;	/* compared as the SVN */
		if (rec->nmeas < VD_REC_MEAS_MAX) {
			rec->meas_index[rec->nmeas] = b->index;
			if (!EVP_DigestInit_ex(one, EVP_sha256(), NULL) || !block_digest(one, b) ||
			    !EVP_DigestFinal_ex(one, rec->meas[rec->nmeas], NULL))
				goto out;	/* not valid: nothing to compare with */
			rec->nmeas++;
			continue;
		}
		if (!rest) {
			rest = EVP_MD_CTX_new();
			if (!rest || !EVP_DigestInit_ex(rest, EVP_sha256(), NULL))
				goto out;
		}
		if (!block_digest(rest, b))
			goto out;
	}
	if (rest) {
		if (!EVP_DigestFinal_ex(rest, rec->meas_rest, NULL))
			goto out;
		rec->meas_more = true;
	}
	rec->valid = rec->has_chain;
out:
	EVP_MD_CTX_free(one);
	EVP_MD_CTX_free(rest);
}

struct vd_evrec_kept {
	bool has_svn;
	bool meas_more;
	uint8_t nmeas;
	uint64_t svn;
	uint8_t chain[32];
	uint8_t meas_rest[32];
	uint8_t meas_index[VD_REC_MEAS_MAX];
	uint8_t meas[][32];
};

void vd_evrec_drop(struct vd_device *d)
{
	free(d->accepted);
	d->accepted = NULL;
}

int vd_evrec_keep(struct vd_device *d, const struct vd_evrec *rec)
{
	struct vd_evrec_kept *k;

	vd_evrec_drop(d);
	if (!rec->valid)
		return 0;
	k = calloc(1, sizeof(*k) + (size_t)rec->nmeas * sizeof(k->meas[0]));
	if (!k)
		return -ENOMEM;
	k->has_svn = rec->has_svn;
	k->svn = rec->svn;
	k->meas_more = rec->meas_more;
	k->nmeas = rec->nmeas;
	memcpy(k->chain, rec->chain, sizeof(k->chain));
	memcpy(k->meas_rest, rec->meas_rest, sizeof(k->meas_rest));
	memcpy(k->meas_index, rec->meas_index, rec->nmeas);
	memcpy(k->meas, rec->meas, (size_t)rec->nmeas * sizeof(k->meas[0]));
	d->accepted = k;
	return 0;
}

bool vd_evrec_get(const struct vd_device *d, struct vd_evrec *out)
{
	const struct vd_evrec_kept *k = d->accepted;

	memset(out, 0, sizeof(*out));
	if (!k)
		return false;
	out->valid = true;
	out->has_chain = true;	/* a record is valid only with its chain */
	memcpy(out->chain, k->chain, sizeof(out->chain));
	out->has_svn = k->has_svn;
	out->svn = k->svn;
	out->nmeas = k->nmeas;
	out->meas_more = k->meas_more;
	memcpy(out->meas_index, k->meas_index, k->nmeas);
	memcpy(out->meas, k->meas, (size_t)k->nmeas * sizeof(k->meas[0]));
	memcpy(out->meas_rest, k->meas_rest, sizeof(out->meas_rest));
	return true;
}

static int meas_find(const struct vd_evrec *r, uint8_t index)
{
	unsigned int i;

	for (i = 0; i < r->nmeas; i++)
		if (r->meas_index[i] == index)
			return i;
	return -1;
}

/* "measurement 2 changed", "measurements 1, 2 changed", ... into |buf| */
static void changes(const struct vd_evrec *a, const struct vd_evrec *b, char *buf, size_t len)
{
	char changed[160] = "", gone[96] = "", added[96] = "";
	unsigned int nchanged = 0, ngone = 0, nadded = 0, i;
	size_t o = 0;

#define ADD(list, n, idx) \
	snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%u", n++ ? ", " : "", idx)
	for (i = 0; i < a->nmeas; i++) {
		int j = meas_find(b, a->meas_index[i]);

		if (j < 0)
			ADD(gone, ngone, a->meas_index[i]);
		else if (memcmp(a->meas[i], b->meas[j], 32))
			ADD(changed, nchanged, a->meas_index[i]);
	}
	for (i = 0; i < b->nmeas; i++)
		if (meas_find(a, b->meas_index[i]) < 0)
			ADD(added, nadded, b->meas_index[i]);
#undef ADD
	buf[0] = '\0';
#define PART(...) \
	do { \
		if (o < len) \
			o += snprintf(buf + o, len - o, "%s", o ? "; " : ""); \
		if (o < len) \
			o += snprintf(buf + o, len - o, __VA_ARGS__); \
	} while (0)
	if (a->has_chain != b->has_chain || memcmp(a->chain, b->chain, 32))
		PART("certificate chain changed");
	if (nchanged)
		PART("measurement%s %s changed", nchanged > 1 ? "s" : "", changed);
	if (ngone)
		PART("measurement%s %s gone", ngone > 1 ? "s" : "", gone);
	if (nadded)
		PART("measurement%s %s new", nadded > 1 ? "s" : "", added);
	if (a->meas_more != b->meas_more || (a->meas_more && memcmp(a->meas_rest, b->meas_rest, 32)))
		PART("measurements past the first %d changed", VD_REC_MEAS_MAX);
#undef PART
}

enum vd_rec_cmp vd_evrec_compare(const struct vd_evrec *before, const struct vd_evrec *now,
				 char *why, size_t len)
{
	char what[256];

	changes(before, now, what, sizeof(what));
	if (before->has_svn && !now->has_svn) {
		snprintf(why, len, "SVN %llu -> none: downgrade", (unsigned long long)before->svn);
		return VD_REC_DOWNGRADE;
	}
	if (before->has_svn && now->svn < before->svn) {
		snprintf(why, len, "SVN %llu -> %llu: downgrade", (unsigned long long)before->svn,
			 (unsigned long long)now->svn);
		return VD_REC_DOWNGRADE;
	}
	if (now->has_svn && (!before->has_svn || now->svn > before->svn)) {
		char from[24];

		snprintf(from, sizeof(from), "%llu", (unsigned long long)before->svn);
		snprintf(why, len, "SVN %s -> %llu%s%s", before->has_svn ? from : "none",
			 (unsigned long long)now->svn, what[0] ? ", " : "", what);
		return VD_REC_UPDATE;
	}
	if (what[0]) {
		snprintf(why, len, "%s", what);
		return VD_REC_CHANGED;
	}
	snprintf(why, len, "same evidence");
	return VD_REC_SAME;
}

const struct vd_hist *device_history(const struct vd_device *d, unsigned int i)
{
	if (i >= d->nhist)
		return NULL;
	return &d->hist[(d->hist_head + i) % VD_HISTORY_MAX];
}

/*
 * Grows one entry at a time: most devices have a decision or two, and
 * the table may hold hundreds of functions.
 */
void device_history_add(struct vd_device *d, const struct vd_hist *h)
{
	if (d->nhist < VD_HISTORY_MAX) {
		struct vd_hist *n = realloc(d->hist, (d->nhist + 1) * sizeof(*n));

		if (!n)
			return;
		d->hist = n;
		d->hist[d->nhist++] = *h;	/* hist_head stays 0 until full */
		return;
	}
	d->hist[d->hist_head] = *h;	/* the oldest goes */
	d->hist_head = (d->hist_head + 1) % VD_HISTORY_MAX;
}
