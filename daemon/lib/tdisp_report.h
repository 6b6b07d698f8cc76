/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libtsm: the TDISP interface report (the REPORT evidence object,
 * docs/ABI.md section 4, include/uapi/linux/pci_tsm_evidence.h).
 */
#ifndef TSM_TDISP_REPORT_H
#define TSM_TDISP_REPORT_H

#include "util.h"

/* interface_info bits (same values as PCI_TSM_REPORT_INFO_*). */
#define TSM_REPORT_NO_FW_UPDATE		(1U << 0)
#define TSM_REPORT_DMA_NO_PASID		(1U << 1)
#define TSM_REPORT_DMA_PASID		(1U << 2)
#define TSM_REPORT_ATS			(1U << 3)
#define TSM_REPORT_PRS			(1U << 4)
#define TSM_REPORT_INFO_KNOWN		0x1fU

/* range attribute bits (PCI_TSM_REPORT_RANGE_*). */
#define TSM_RANGE_MSIX_TABLE		(1U << 0)
#define TSM_RANGE_MSIX_PBA		(1U << 1)
#define TSM_RANGE_NON_TEE		(1U << 2)
#define TSM_RANGE_UPDATABLE		(1U << 3)

#define TSM_REPORT_PAGE_SHIFT		12
#define TSM_REPORT_MAX_RANGES		4096
#define TSM_NR_BARS			6

struct tsm_report_range {
	uint64_t first_page;
	uint32_t nr_pages;
	uint16_t attributes;
	uint16_t range_id;
};

/* Parsed report; free with tsm_report_free(). */
struct tsm_report {
	uint16_t interface_info;
	uint16_t msix_ctrl;
	uint16_t lnr_ctrl;
	uint32_t tph_ctrl;
	uint32_t nranges;
	struct tsm_report_range *ranges;	/* malloc'd */
	uint32_t dev_info_len;
	const uint8_t *dev_info;		/* points into the object */
};

/*
 * Parse a REPORT object. Rejects a range count above TSM_REPORT_MAX_RANGES
 * or larger than the remaining bytes allow, a device-specific length that
 * runs past the end, and trailing bytes. Returns 0, -TSM_E_PARSE or
 * -TSM_E_NOMEM.
 */
int tsm_report_parse(const uint8_t *data, size_t len, struct tsm_report *out,
		     struct tsm_error *err);
void tsm_report_free(struct tsm_report *r);

/* One memory BAR of the device as the caller sees it (sysfs resource). */
struct tsm_bar {
	uint64_t base;		/* bus/physical address; 0 with size 0 = absent */
	uint64_t size;		/* bytes, 0 = BAR not implemented / not memory */
};

/* What the caller knows about the device, to check a report against. */
struct tsm_device_layout {
	struct tsm_bar bars[TSM_NR_BARS];
	/*
	 * MMIO reporting offset in bytes: a range's address is
	 * (first_page << 12) - mmio_offset (modulo 2^64). 0 when the TSM
	 * reports plain addresses (see docs/devsec-sample.md).
	 */
	uint64_t mmio_offset;
	bool has_msix;
	uint8_t msix_table_bar;		/* BIR */
	uint64_t msix_table_offset;	/* bytes into that BAR */
	uint64_t msix_table_size;	/* bytes (16 * table size) */
	uint8_t msix_pba_bar;
	uint64_t msix_pba_offset;
	uint64_t msix_pba_size;		/* bytes */
};

/*
 * Check a parsed report against the device: every range non-empty, inside
 * the BAR named by its range_id (when < 6) or inside some BAR, no two
 * ranges overlapping; with MSI-X, the pages
 * of the table carry MSIX_TABLE and those of the PBA carry MSIX_PBA, and
 * no other range claims either flag (a range with both flags may span both
 * when they share a page); without MSI-X no range carries them;
 * no reserved interface_info bits. Returns 0 or -TSM_E_REPORT with a
 * reason naming the range ("range 2 (BAR 0) ends at 0x..., past BAR 0 end
 * 0x...").
 */
int tsm_report_check(const struct tsm_report *r,
		     const struct tsm_device_layout *dev,
		     struct tsm_error *err);

/*
 * interface_info bit names used by the policy language: "no-fw-update",
 * "dma-no-pasid", "dma-pasid", "ats", "prs". tsm_report_bit_from_name()
 * returns the bit or 0 when unknown. tsm_report_bits_format() writes a
 * space-separated list of names for @bits (unknown bits as 0xN).
 */
uint16_t tsm_report_bit_from_name(const char *name);
const char *tsm_report_bit_name(uint16_t bit);
char *tsm_report_bits_format(uint16_t bits, char *buf, size_t bufsz);

#endif /* TSM_TDISP_REPORT_H */
