/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The identity of what the daemon decides with: a SHA-256 over the parsed
 * configuration keys that change a decision, the parsed policy written
 * back in its own language, and the DER of every trust anchor the rules
 * loaded. Computed from what was parsed, never by reading the files a
 * second time: a file edited between the parse and the digest cannot give
 * a policy that was never in force the digest of one that was.
 */
#ifndef TSM_VD_POLICY_DIGEST_H
#define TSM_VD_POLICY_DIGEST_H

#include "config.h"
#include "policy.h"

#define VD_DIGEST_HEX	65

/* Lower-case hex in |out|; "" (and -ENOMEM/-EIO) when it cannot be computed. */
int vd_policy_digest(const struct tsm_config *cfg, const struct tsm_policy *pol,
		     char out[VD_DIGEST_HEX]);

#endif /* TSM_VD_POLICY_DIGEST_H */
