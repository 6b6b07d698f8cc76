/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one generic netlink layer of tsm-verifierd and tsmctl: resolves the
 * "device-evidence" and "pci-tsm" families once per socket, turns on
 * extended acks, reads evidence dumps (docs/ABI.md 3.1, 3.2) into whole
 * objects and sends VALIDATE. One socket per thread; not thread safe.
 */
#ifndef TSM_GENL_H
#define TSM_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/pci_tsm_evidence.h>

struct tsm_nl;

struct tsm_object {
	uint8_t *data;
	size_t len;
	bool present;
	uint32_t generation;	/* device-evidence: the generation it was dumped with */
};

struct tsm_nl_evidence {
	struct tsm_object obj[PCI_TSM_EVIDENCE_TYPE_NR];
	uint32_t generation;
	bool has_generation;	/* device-evidence family only */
	bool device_evidence;	/* read over device-evidence (else pci-tsm) */
	bool nonce_used;	/* a fresh nonce was sent and accepted */
};

#define TSM_NL_ERRMSG_MAX	256

/*
 * Opens a socket. |timeout_ms| bounds every read or validate (0: none).
 * |cancel_fd| (or -1): becoming readable aborts a pending read (ECANCELED).
 */
int tsm_nl_open(struct tsm_nl **ret, unsigned int timeout_ms, int cancel_fd);
void tsm_nl_close(struct tsm_nl *nl);
bool tsm_nl_has_device_evidence(const struct tsm_nl *nl);
bool tsm_nl_has_pci_tsm(const struct tsm_nl *nl);
/* The kernel's extack message of the last failure, or "". */
const char *tsm_nl_errmsg(const struct tsm_nl *nl);
void tsm_nl_set_debug(bool on);

/*
 * Reads the objects selected by |mask| for PCI device |bdf|. With |nonce|
 * (PCI_TSM_NONCE_SIZE bytes) the TSM is asked to refresh signed evidence
 * first; that needs device-evidence (-EOPNOTSUPP otherwise). Uses
 * device-evidence when present, else pci-tsm (|ev->device_evidence| says
 * which). Retries up to |retries| times when the evidence changes during
 * the dump (EAGAIN). Returns 0 or -errno; on error |ev| is empty.
 */
int tsm_nl_read(struct tsm_nl *nl, const char *bdf, uint32_t mask, const uint8_t *nonce,
		unsigned int retries, struct tsm_nl_evidence *ev);
/* device-evidence VALIDATE: -ESTALE when the generation moved on. */
int tsm_nl_validate(struct tsm_nl *nl, const char *bdf, uint32_t generation);
void tsm_evidence_free(struct tsm_nl_evidence *ev);

/*
 * Assembles the evidence from one buffer of netlink messages of a READ
 * dump (sequence number 0), as tsm_nl_read does with what it receives.
 * For tests and fuzzing: the buffer must end with NLMSG_DONE.
 */
int tsm_nl_parse_dump(bool device_evidence, const void *buf, size_t len,
		      struct tsm_nl_evidence *ev);

const char *tsm_evidence_type_name(unsigned int type);	/* "cert0".."report" */

#endif /* TSM_GENL_H */
