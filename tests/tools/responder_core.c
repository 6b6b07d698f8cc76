// SPDX-License-Identifier: GPL-2.0-only
/*
 * responder_core: the request -> response logic of devsec-responder.
 */
#define _POSIX_C_SOURCE 200809L
#include "responder_core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

int responder_load(struct responder *r, const char *dir, const char *key,
		   const char *vca, const char *values, char *msg, size_t msgsz)
{
	char kp[4200], vp[4200], mp[4200];

	if (dir) {
		snprintf(kp, sizeof(kp), "%s/leaf.key", dir);
		snprintf(vp, sizeof(vp), "%s/vca.bin", dir);
		snprintf(mp, sizeof(mp), "%s/values.txt", dir);
		key = key ? key : kp;
		vca = vca ? vca : vp;
		values = values ? values : mp;
	}
	if (!key || !vca) {
		snprintf(msg, msgsz, "need --fixture DIR or --key and --vca");
		return -1;
	}
	if (file_read(vca, &r->vca, &r->vca_len)) {
		snprintf(msg, msgsz, "%s: %s", vca, strerror(errno));
		return -1;
	}
	r->alg = spdm_alg_from_vca(r->vca, r->vca_len);
	if (!r->alg) {
		snprintf(msg, msgsz, "%s: VCA selects no supported algorithm", vca);
		return -1;
	}
	r->key = key_load_pem(key);
	if (!r->key) {
		snprintf(msg, msgsz, "%s: cannot load the private key", key);
		return -1;
	}
	if (spdm_meas_default(r->alg, 5, &r->set)) {
		snprintf(msg, msgsz, "cannot build default measurements");
		return -1;
	}
	if (values && spdm_meas_load(r->alg, values, &r->set, msg, msgsz))
		return -1;
	return 0;
}

void responder_free(struct responder *r)
{
	EVP_PKEY_free(r->key);
	free(r->vca);
	r->key = NULL;
	r->vca = NULL;
}

static void put_resp(struct buf *out, uint32_t id, int32_t status, uint32_t len)
{
	struct devsec_responder_resp h = {
		.id = id, .status = status, .len = len, .reserved = 0,
	};

	buf_put(out, &h, sizeof(h));
}

int responder_answer(const struct responder *r,
		     const struct devsec_responder_req *req, struct buf *out)
{
	struct spdm_meas_opts mo = { .nonce = req->nonce, .slot = r->slot };
	uint8_t other[SPDM_NONCE_LEN];
	struct buf obj = { 0 };
	uint32_t id = req->id + (r->wrong_id ? 1 : 0);
	int rc = -1;

	if (r->refuse > 0) {
		put_resp(out, id, -r->refuse, 0);
		return out->oom ? -1 : 0;
	}
	if (RAND_bytes(other, sizeof(other)) != 1)
		return -1;
	if (r->sign_wrong_nonce)
		mo.sign_nonce = other;
	if (r->echo_wrong_nonce)
		mo.nonce = other;
	if (r->garbage) {
		uint8_t junk[256];

		if (RAND_bytes(junk, sizeof(junk)) != 1)
			return -1;
		buf_put(&obj, junk, sizeof(junk));
	} else if (spdm_build_measurements(r->alg, r->key, r->vca, r->vca_len,
					   &r->set, &mo, &obj)) {
		goto out;
	}
	if (obj.oom || obj.len > DEVSEC_RESPONDER_MAX_LEN)
		goto out;
	put_resp(out, id, 0, (uint32_t)obj.len);
	buf_put(out, obj.p, obj.len);
	rc = out->oom ? -1 : 0;
out:
	buf_free(&obj);
	return rc;
}
