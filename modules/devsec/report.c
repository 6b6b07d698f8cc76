// SPDX-License-Identifier: GPL-2.0-only
/*
 * Build the TDISP interface report (the REPORT evidence object, docs/ABI.md
 * section 4) of a function at lock time from its memory BARs. MSI-X table
 * and PBA pages are reported as their own non-TEE ranges; everything else
 * in a memory BAR is TEE memory. Ranges go in ascending BAR order, and
 * within a BAR in ascending address order. first_page is the 4 KiB page
 * number of (physical address + the device's MMIO reporting offset).
 */
#include <linux/kernel.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sizes.h>

#include "report.h"

#define PAGE_4K_SHIFT		PCI_TSM_REPORT_PAGE_SHIFT
/* per BAR at most: TEE, table, TEE, PBA, TEE */
#define DEVSEC_MAX_RANGES	(PCI_STD_NUM_BARS * 5)

struct devsec_hole {
	resource_size_t start;
	resource_size_t end;
	u16 attr;
};

struct devsec_ranges {
	struct pci_tsm_report_range rep[DEVSEC_MAX_RANGES];
	struct ptsm_mmio_range mmio[DEVSEC_MAX_RANGES];
	unsigned int nr;
	u64 offset;
};

static void report_add_range(struct devsec_ranges *r, int bar,
			     resource_size_t start, resource_size_t end,
			     u16 attr)
{
	u64 pages = DIV_ROUND_UP((u64)(end - start + 1), SZ_4K);

	if (r->nr >= DEVSEC_MAX_RANGES)
		return;
	r->rep[r->nr] = (struct pci_tsm_report_range) {
		.first_page = cpu_to_le64((start + r->offset) >> PAGE_4K_SHIFT),
		.nr_pages = cpu_to_le32(pages),
		.attributes = cpu_to_le16(attr),
		.range_id = cpu_to_le16(bar),
	};
	r->mmio[r->nr] = (struct ptsm_mmio_range) {
		.start = start,
		.end = end,
		.bar = bar,
		.tee = !(attr & PCI_TSM_REPORT_RANGE_NON_TEE),
	};
	r->nr++;
}

/* The 4 KiB pages of an MSI-X structure (@reg: PCI_MSIX_TABLE or _PBA) */
static bool msix_hole(struct pci_dev *pdev, int reg, size_t size, u16 attr,
		      int *bar, struct devsec_hole *hole)
{
	struct resource *res;
	u32 val;

	pci_read_config_dword(pdev, pdev->msix_cap + reg, &val);
	*bar = val & PCI_MSIX_TABLE_BIR;
	if (*bar >= PCI_STD_NUM_BARS)
		return false;
	res = &pdev->resource[*bar];
	if (!(resource_type(res) & IORESOURCE_MEM) || !resource_size(res))
		return false;
	val &= PCI_MSIX_TABLE_OFFSET;
	hole->start = res->start + ALIGN_DOWN(val, SZ_4K);
	hole->end = min_t(resource_size_t, res->end,
			  res->start + ALIGN(val + size, SZ_4K) - 1);
	hole->attr = attr | PCI_TSM_REPORT_RANGE_NON_TEE;
	return hole->start <= hole->end;
}

/* MSI-X table and PBA holes of BAR @bar, sorted, overlapping ones merged */
static int bar_holes(struct pci_dev *pdev, int bar, struct devsec_hole *holes)
{
	struct devsec_hole h[2];
	int hbar[2], n = 0;
	u16 flags, qsize;

	if (!pdev->msix_cap)
		return 0;
	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &flags);
	qsize = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;

	if (msix_hole(pdev, PCI_MSIX_TABLE, qsize * PCI_MSIX_ENTRY_SIZE,
		      PCI_TSM_REPORT_RANGE_MSIX_TABLE, &hbar[0], &h[0]) &&
	    hbar[0] == bar)
		holes[n++] = h[0];
	if (msix_hole(pdev, PCI_MSIX_PBA, DIV_ROUND_UP(qsize, 64) * 8,
		      PCI_TSM_REPORT_RANGE_MSIX_PBA, &hbar[1], &h[1]) &&
	    hbar[1] == bar)
		holes[n++] = h[1];
	if (n < 2)
		return n;
	if (holes[1].start < holes[0].start)
		swap(holes[0], holes[1]);
	if (holes[1].start <= holes[0].end) {
		holes[0].end = max(holes[0].end, holes[1].end);
		holes[0].attr |= holes[1].attr;
		n = 1;
	}
	return n;
}

static void bar_ranges(struct pci_dev *pdev, int bar, struct devsec_ranges *r)
{
	struct resource *res = &pdev->resource[bar];
	struct devsec_hole holes[2];
	resource_size_t cur = res->start;
	int n = bar_holes(pdev, bar, holes);

	for (int i = 0; i < n; i++) {
		if (holes[i].start > cur)
			report_add_range(r, bar, cur, holes[i].start - 1, 0);
		report_add_range(r, bar, holes[i].start, holes[i].end, holes[i].attr);
		cur = holes[i].end + 1;
	}
	if (cur <= res->end)
		report_add_range(r, bar, cur, res->end, 0);
}

static void *report_bytes(struct pci_dev *pdev, struct devsec_ranges *r,
			  size_t *len)
{
	struct pci_tsm_report_header hdr = {
		.interface_info = cpu_to_le16(PCI_TSM_REPORT_INFO_NO_FW_UPDATE |
					      PCI_TSM_REPORT_INFO_DMA_NO_PASID),
		.mmio_range_count = cpu_to_le32(r->nr),
	};
	size_t ranges = r->nr * sizeof(r->rep[0]);
	u8 *buf;
	u16 msix_ctrl = 0;

	if (pdev->msix_cap)
		pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS,
				     &msix_ctrl);
	hdr.msix_ctrl = cpu_to_le16(msix_ctrl);

	*len = sizeof(hdr) + ranges + sizeof(__le32);
	buf = kvzalloc(*len, GFP_KERNEL);
	if (!buf)
		return NULL;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), r->rep, ranges);
	/* no device-specific information: its length stays 0 */
	return buf;
}

/**
 * devsec_report_build() - the REPORT of @pdev from its current BARs
 * @pdev: a locked function
 * @rep: filled with the report and its ranges
 * @reporting_offset: added to physical addresses before taking page numbers
 * Return: 0 and @rep filled (free @rep->data with kvfree, @rep->ranges with
 * kfree), or -ENOMEM.
 */
int devsec_report_build(struct pci_dev *pdev, u64 reporting_offset,
			struct devsec_report *rep)
{
	struct devsec_ranges *r = kzalloc(sizeof(*r), GFP_KERNEL);
	int rc = -ENOMEM;

	if (!r)
		return -ENOMEM;
	r->offset = reporting_offset;
	for (int bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		struct resource *res = &pdev->resource[bar];

		/* unassigned BARs decode nothing: nothing to report */
		if (resource_type(res) == IORESOURCE_MEM && resource_size(res) &&
		    !(res->flags & IORESOURCE_UNSET))
			bar_ranges(pdev, bar, r);
	}

	rep->data = report_bytes(pdev, r, &rep->len);
	if (!rep->data)
		goto out;
	rep->nr_ranges = r->nr;
	rep->ranges = kmemdup(r->mmio, r->nr * sizeof(r->mmio[0]) ?: 1,
			      GFP_KERNEL);
	if (!rep->ranges) {
		kvfree(rep->data);
		rep->data = NULL;
		goto out;
	}
	rc = 0;
out:
	kfree(r);
	return rc;
}
