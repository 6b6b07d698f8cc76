/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pci_tsm private interfaces between its files: the per-device context and
 * evidence store (core.c, evidence.c) and the netlink families (netlink_*.c).
 */
#ifndef PTSM_PCI_TSM_INTERNAL_H
#define PTSM_PCI_TSM_INTERNAL_H

#include <linux/kref.h>
#include <ptsm/pci_tsm.h>

struct ptsm_pdev;	/* per-PCI-device context, private to core.c */

/**
 * struct ptsm_evidence_set - one immutable, published set of evidence
 * @kref: a dump holds a reference for its whole duration
 * @generation: generation at which this set was published (>= 1)
 * @obj: the objects by type; @obj[i].data is NULL when @obj[i].len is 0
 *
 * Never modified after publication: a publish builds a new set and swaps
 * the pointer, so a reader holding a reference sees one consistent set.
 */
struct ptsm_evidence_set {
	struct kref kref;
	u32 generation;
	struct {
		void *data;
		size_t len;
		u8 digest[PCI_TSM_EVIDENCE_DIGEST_SIZE];
	} obj[PCI_TSM_EVIDENCE_TYPE_NR];
};

/**
 * ptsm_pdev_lookup() - find the context of the PCI device named @name
 * @name: PCI device name ("DDDD:BB:DD.F"), NUL-terminated
 * @out: set to a referenced context on success
 *
 * Return: 0; -ENODEV if there is no PCI device of that name; -ENXIO if the
 * device has no TSM context (pci_tsm does not manage it).
 */
int ptsm_pdev_lookup(const char *name, struct ptsm_pdev **out);
void ptsm_pdev_put(struct ptsm_pdev *pd);
struct pci_dev *ptsm_pdev_pci(struct ptsm_pdev *pd);

/**
 * ptsm_evidence_get() - reference the currently published evidence set
 * and (in *gen) the generation current with it
 * Return: the set (drop with ptsm_evidence_put()) or NULL when the device
 * has no evidence (-> ENXIO for netlink).
 */
struct ptsm_evidence_set *ptsm_evidence_get(struct ptsm_pdev *pd, u32 *gen);
void ptsm_evidence_put(struct ptsm_evidence_set *set);

/* Current generation; 0 when none was ever published. Lockless read. */
u32 ptsm_evidence_generation(struct ptsm_pdev *pd);

/* Offset of the nonce in MEASUREMENTS (SPDM 1.2 GET_MEASUREMENTS request) */
#define PTSM_MEAS_NONCE_OFFSET	4

/**
 * ptsm_evidence_refresh() - ask the owning TSM to refresh signed evidence
 * over @nonce (PCI_TSM_NONCE_SIZE bytes); on return 0 *@out is a reference
 * on the set that refresh published, whose MEASUREMENTS are over that
 * nonce, and *@gen its generation: nonce and evidence are one transaction.
 * Return: 0, -EOPNOTSUPP (TSM cannot), -ETIMEDOUT, -ENXIO (no TSM context
 * or no owning TSM), -EPROTO (not over the nonce), -EINTR.
 */
int ptsm_evidence_refresh(struct ptsm_pdev *pd, const u8 *nonce, size_t len,
			  struct ptsm_evidence_set **out, u32 *gen);

/**
 * ptsm_evidence_validate() - record that userspace validated @generation
 * Return: 0, or -ESTALE when @generation is not the current generation.
 */
int ptsm_evidence_validate(struct ptsm_pdev *pd, u32 generation);

/* netlink families: netlink_pci_tsm.c / netlink_device_evidence.c */
int ptsm_netlink_init(void);
void ptsm_netlink_exit(void);

#endif /* PTSM_PCI_TSM_INTERNAL_H */
