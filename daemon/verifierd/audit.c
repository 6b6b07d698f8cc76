// SPDX-License-Identifier: GPL-2.0-only
/*
 * One structured journal record per decision. Fields: TSM_DEVICE,
 * TSM_VENDOR, TSM_DEVICE_ID, TSM_STATE, TSM_DECISION, TSM_RULE, TSM_CHECK,
 * TSM_REASON, TSM_GENERATION, TSM_POLICY_DIGEST, TSM_EVENT, TSM_RECOVERY_CAUSE
 * (after an exit from RUN), TSM_EVIDENCE_SHA256_<TYPE>
 * per judged object, and a human-readable MESSAGE. Without a journal (initramfs, VM tests)
 * or in the foreground the same line goes to stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>


#include "log.h"
#include "manager.h"

#define AUDIT_FIELDS	(15 + PCI_TSM_EVIDENCE_TYPE_NR)

/* Message id of decision records, for `journalctl MESSAGE_ID=...`. */
#define TSM_DECISION_MESSAGE_ID "7b1c43e2f0a94e4f9d2d5c1a0e6b8f31"

void audit_decision(const struct manager *m, const struct vd_device *d)
{
	char f[AUDIT_FIELDS][TSM_REASON_MAX + 256];
	struct iovec iov[AUDIT_FIELDS];
	const char *dec = vd_decision_name(d->decision);
	int n = 0, i, r;
	unsigned int t;

	snprintf(f[n++], sizeof(f[0]), "MESSAGE=%s: %s%s%s%s: %s", d->bdf, dec,
		 d->rule[0] ? " (rule " : "", d->rule, d->rule[0] ? ")" : "", d->reason);
	snprintf(f[n++], sizeof(f[0]), "MESSAGE_ID=%s", TSM_DECISION_MESSAGE_ID);
	snprintf(f[n++], sizeof(f[0]), "PRIORITY=%d",
		 d->decision == VD_DENIED ? LOG_WARNING : LOG_NOTICE);
	snprintf(f[n++], sizeof(f[0]), "TSM_DEVICE=%s", d->bdf);
	snprintf(f[n++], sizeof(f[0]), "TSM_VENDOR=0x%04x", d->vendor);
	snprintf(f[n++], sizeof(f[0]), "TSM_DEVICE_ID=0x%04x", d->device);
	snprintf(f[n++], sizeof(f[0]), "TSM_STATE=%s", tsm_tdisp_name(d->state));
	snprintf(f[n++], sizeof(f[0]), "TSM_DECISION=%s", dec);
	/* the rule that decided, "default", "admin", or "none" (not a policy decision) */
	snprintf(f[n++], sizeof(f[0]), "TSM_RULE=%s", d->rule[0] ? d->rule : "none");
	snprintf(f[n++], sizeof(f[0]), "TSM_CHECK=%s", d->check);
	snprintf(f[n++], sizeof(f[0]), "TSM_REASON=%s", d->reason);
	snprintf(f[n++], sizeof(f[0]), "TSM_GENERATION=%u", d->generation);
	/* the configuration, policy and anchors it was decided under (ABI 7.3) */
	snprintf(f[n++], sizeof(f[0]), "TSM_POLICY_DIGEST=%s", d->policy_digest);
	/* what the decision answers (history), and the exit from RUN being decided */
	snprintf(f[n++], sizeof(f[0]), "TSM_EVENT=%s", d->event[0] ? d->event : "decision");
	if (d->recovery[0])
		snprintf(f[n++], sizeof(f[0]), "TSM_RECOVERY_CAUSE=%s", d->recovery);
	for (t = 0; t < PCI_TSM_EVIDENCE_TYPE_NR; t++) {
		char type[16], hex[65];
		size_t k;

		if (!d->has_sha[t])
			continue;
		snprintf(type, sizeof(type), "%s", tsm_evidence_type_name(t));
		for (k = 0; type[k]; k++)
			type[k] = toupper((unsigned char)type[k]);
		snprintf(f[n++], sizeof(f[0]), "TSM_EVIDENCE_SHA256_%s=%s", type,
			 tsm_hex(d->sha256[t], 32, hex, sizeof(hex)));
	}
	for (i = 0; i < n; i++) {
		iov[i].iov_base = f[i];
		iov[i].iov_len = strlen(f[i]);
	}
	r = vd_journal_sendv(iov, n);
	if (r < 0 || m->opts.foreground)
		log_msg(d->decision == VD_DENIED ? LOG_WARNING : LOG_NOTICE, "%s: %s%s%s%s: %s",
			d->bdf, dec, d->rule[0] ? " (rule " : "", d->rule,
			d->rule[0] ? ")" : "", d->reason);
}

void audit_on_event(struct manager *m, const struct vd_device *d, enum vd_event ev)
{
	if (ev == VD_EVENT_DECISION)
		audit_decision(m, d);
}
