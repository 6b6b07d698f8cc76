/* SPDX-License-Identifier: GPL-2.0-only */
/* The TDISP interface report builder of devsec_tsm (docs/ABI.md 4.) */
#ifndef DEVSEC_REPORT_H
#define DEVSEC_REPORT_H

#include <linux/pci.h>
#include <ptsm/pci_tsm.h>

/**
 * struct devsec_report - a REPORT object and the MMIO ranges it lists
 * @data, @len: the REPORT bytes (kvmalloc)
 * @ranges, @nr_ranges: the same ranges as physical addresses, for
 *	ptsm_pci_set_tee_mmio() (kmalloc)
 */
struct devsec_report {
	void *data;
	size_t len;
	struct ptsm_mmio_range *ranges;
	unsigned int nr_ranges;
};

int devsec_report_build(struct pci_dev *pdev, u64 reporting_offset,
			struct devsec_report *rep);

#endif /* DEVSEC_REPORT_H */
