/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pci_tsm: the per-PCI-device TSM context, evidence store and the queries
 * tsm_shim needs. Exports are prefixed ptsm_ in namespace PCI_TSM_OOT. The
 * kernel-doc of each function (Context, Return) is at its definition.
 */
#ifndef PTSM_PCI_TSM_H
#define PTSM_PCI_TSM_H

#include <linux/pci.h>
#include <linux/types.h>
#include <uapi/linux/pci_tsm_evidence.h>

#include "tsm_core.h"

/* ---- evidence, published by TSM drivers ---- */

/**
 * struct ptsm_evidence_obj - one evidence object to publish
 * @data: contents (copied by ptsm_evidence_publish()); NULL when @len is 0
 * @len: length in bytes, at most PCI_TSM_EVIDENCE_MAX_SIZE
 */
struct ptsm_evidence_obj {
	const void *data;
	size_t len;
};

/*
 * ptsm_evidence_publish() - atomically replace the evidence set of @pdev
 * @pdev: the device the evidence describes
 * @objs: PCI_TSM_EVIDENCE_TYPE_NR objects indexed by type; empty ones
 *	have len 0
 *
 * Copies every object, computes its SHA-384 digest, replaces the whole set
 * at once and bumps the device's evidence generation. A concurrent reader
 * sees the old set or the new one, never a mix.
 *
 * Context: process context, may sleep; may be called from TSM ops.
 * Return: 0, -E2BIG for an oversized object, -ENOMEM, -ENODEV if @pdev is
 * not managed by pci_tsm.
 */
int ptsm_evidence_publish(struct pci_dev *pdev,
			  const struct ptsm_evidence_obj objs[PCI_TSM_EVIDENCE_TYPE_NR]);

/*
 * ptsm_pci_refresh_cancelled() - for a TSM's refresh op: is @pdev being
 * removed? Then the refresh should end with -ENODEV rather than wait out
 * its timeout (see ptsm_ops.refresh_cancel). Context: any.
 */
bool ptsm_pci_refresh_cancelled(struct pci_dev *pdev);

/* ---- TEE MMIO, registered by devsec TSMs from their accept op ---- */

/**
 * struct ptsm_mmio_range - one MMIO range of a TDI's interface report
 * @start: first byte of the physical range, inside BAR @bar of the device
 * @end: last byte (inclusive)
 * @bar: BAR index
 * @tee: true for TEE memory (mapped encrypted); false for ranges the report
 *	marks non-TEE (MSI-X table, PBA) which stay plain holes
 */
struct ptsm_mmio_range {
	resource_size_t start;
	resource_size_t end;
	int bar;
	bool tee;
};

/*
 * ptsm_pci_set_tee_mmio() - record @pdev's reported MMIO ranges
 *
 * Each @tee range is inserted into the iomem tree as a "PCI MMIO Encrypted"
 * resource; all ranges become visible to ptsm_mmio_classify(). pci_tsm
 * removes them when the device leaves RUN (unlock, teardown, removal).
 *
 * Context: only from the devsec accept op. Return: 0 or -errno.
 */
int ptsm_pci_set_tee_mmio(struct pci_dev *pdev,
			  const struct ptsm_mmio_range *ranges, unsigned int nr);

/*
 * ptsm_pci_set_report_offset() - from the devsec lock op (optional): the MMIO
 * reporting offset of the interface report, shown in
 * tsm/mmio_reporting_offset while locked (extension).
 */
int ptsm_pci_set_report_offset(struct pci_dev *pdev, u64 offset);

/*
 * ptsm_pci_tdisp_error() - report that @pdev entered TDISP ERROR
 * @pdev: a device locked through a devsec TSM
 *
 * For devsec TSMs (optional): shortly after, from a work item, the driver
 * of a device in RUN is unbound (while the device still counts as
 * accepted), the device is held, it leaves RUN and its TEE MMIO is
 * withdrawn; only unlock leaves ERROR.
 *
 * Context: any, including atomic.
 */
void ptsm_pci_tdisp_error(struct pci_dev *pdev);

/*
 * ptsm_pci_shim_lost() - for tsm_shim: a redirect @pdev relies on is no
 * longer in force. As ptsm_pci_tdisp_error(), but the device stops
 * counting as accepted at once. Context: any, including atomic.
 */
void ptsm_pci_shim_lost(struct pci_dev *pdev);

/* ---- TDI bind and guest requests, entered from a link TSM's own sysfs ---- */

/*
 * ptsm_pci_tdi_bind() / ptsm_pci_tdi_unbind() - bind or unbind TDI @pdev
 * through @tsm, calling its link bind/unbind op under the device lock.
 * Return: 0, -ENXIO if @pdev is not connected (via its DSM) through @tsm,
 * -EBUSY if already bound (bind) / -ENXIO if not bound (unbind).
 */
int ptsm_pci_tdi_bind(struct ptsm_dev *tsm, struct pci_dev *pdev);
int ptsm_pci_tdi_unbind(struct ptsm_dev *tsm, struct pci_dev *pdev);
ssize_t ptsm_pci_guest_req(struct ptsm_dev *tsm, struct pci_dev *pdev,
			   const void *req, size_t req_len,
			   void *resp, size_t resp_len);

/*
 * ptsm_pci_dsm() - the PF0 managing @pdev while connected, else NULL.
 * Not referenced; valid while the caller holds off teardown (TSM ops).
 */
struct pci_dev *ptsm_pci_dsm(struct pci_dev *pdev);

/* ---- queries for tsm_shim: lockless, safe in atomic/kprobe context ---- */

/*
 * ptsm_dev_accepted() - is @dev an accepted (TDISP RUN) PCI device?
 * Cost for any device when nothing is accepted: one static-branch test.
 */
bool ptsm_dev_accepted(struct device *dev);

/**
 * enum ptsm_mmio_class - what ptsm_mmio_classify() found
 * @PTSM_MMIO_PLAIN: overlaps no TEE range of an accepted device
 * @PTSM_MMIO_TEE: overlaps TEE memory and lies wholly inside one accepted
 *	device's reported ranges
 * @PTSM_MMIO_MIXED: overlaps TEE memory and memory outside the device's
 *	reported ranges (or TEE memory of two devices): must be refused
 */
enum ptsm_mmio_class {
	PTSM_MMIO_PLAIN,
	PTSM_MMIO_TEE,
	PTSM_MMIO_MIXED,
};

/*
 * ptsm_mmio_classify() - classify a physical MMIO range for ioremap
 * @start: first byte; @size: length in bytes (> 0)
 * @owner: if not NULL, set to the accepted device for TEE/MIXED (not
 *	referenced; only for counters and log lines)
 */
enum ptsm_mmio_class ptsm_mmio_classify(resource_size_t start, size_t size,
					struct pci_dev **owner);

/*
 * tsm_shim readiness. accept fails closed (-EOPNOTSUPP, with a log line
 * naming the reason) unless a shim is registered and reports ready.
 */
struct ptsm_shim {
	struct module *owner;
	/*
	 * Asked before each accept (slot lock held, may sleep): true when
	 * every redirect is in force; else fill @why. A true answer holds
	 * them in force until the matching release().
	 */
	bool (*ready)(const char **why);
	/* optional: one per true ready(), after the accept failed or RUN ended */
	void (*release)(void);
	/* optional: a device entered (true) or left (false) RUN */
	void (*accepted)(struct pci_dev *pdev, bool accepted);
	/*
	 * optional: a device in RUN stopped counting as accepted (a reset,
	 * a lost redirect); accepted(false) follows when it leaves RUN.
	 * Context: any but NMI, must not sleep.
	 */
	void (*untrusted)(struct pci_dev *pdev);
};

int ptsm_shim_register(const struct ptsm_shim *shim);
void ptsm_shim_unregister(const struct ptsm_shim *shim);

#endif /* PTSM_PCI_TSM_H */
