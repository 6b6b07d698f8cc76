/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * responder_core: answers devsec responder requests
 * (include/uapi/linux/devsec_responder.h) with a signed MEASUREMENTS object
 * over the requested nonce, built by spdm_build.c.
 */
#ifndef RESPONDER_CORE_H
#define RESPONDER_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/devsec_responder.h>

#include "spdm_build.h"

struct responder {
	const struct spdm_alg *alg;	/* from the VCA's ALGORITHMS */
	EVP_PKEY *key;
	uint8_t *vca;
	size_t vca_len;
	struct spdm_meas_set set;
	uint8_t slot;
	/* misbehaviour for tests */
	bool sign_wrong_nonce;	/* request carries the nonce, signature is over another */
	bool echo_wrong_nonce;	/* a valid transcript over another nonce */
	bool wrong_id;		/* answer with id + 1 */
	bool garbage;		/* random bytes instead of an object */
	int refuse;		/* > 0: answer status -refuse */
};

/*
 * Load the key, VCA and measurement values: from @dir (leaf.key, vca.bin,
 * values.txt) and/or the explicit paths, which win. Returns 0 or -1 with
 * @msg set.
 */
int responder_load(struct responder *r, const char *dir, const char *key,
		   const char *vca, const char *values, char *msg, size_t msgsz);
void responder_free(struct responder *r);

/*
 * Build the complete write() for @req: struct devsec_responder_resp, then
 * the object (nothing after a refusal). Returns 0 or -1.
 */
int responder_answer(const struct responder *r,
		     const struct devsec_responder_req *req, struct buf *out);

#endif /* RESPONDER_CORE_H */
