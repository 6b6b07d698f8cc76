/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * report_build: writes a TDISP REPORT object (docs/ABI.md 4.) for adversarial
 * report tests. The kernel builds the real one; daemon/lib parses it.
 */
#ifndef REPORT_BUILD_H
#define REPORT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#define REPORT_HDR_LEN		16
#define REPORT_RANGE_LEN	16
#define REPORT_RANGES_MAX	64
#define REPORT_INFO_MAX		4096

/* interface_info bits */
#define REPORT_II_NO_FW_UPDATE	(1u << 0)
#define REPORT_II_DMA_NO_PASID	(1u << 1)
#define REPORT_II_DMA_PASID	(1u << 2)
#define REPORT_II_ATS		(1u << 3)
#define REPORT_II_PRS		(1u << 4)
/* range attribute bits */
#define REPORT_RA_MSIX_TABLE	(1u << 0)
#define REPORT_RA_MSIX_PBA	(1u << 1)
#define REPORT_RA_NON_TEE	(1u << 2)
#define REPORT_RA_UPDATABLE	(1u << 3)

struct report_range {
	uint64_t first_page;	/* 4 KiB page number */
	uint32_t npages;
	uint16_t attrs;
	uint16_t id;		/* BAR index */
};

struct report {
	uint16_t interface_info;
	uint16_t msix_ctrl;
	uint16_t lnr_ctrl;
	uint32_t tph_ctrl;
	size_t nranges;
	struct report_range r[REPORT_RANGES_MAX];
	size_t info_len;
	uint8_t info[REPORT_INFO_MAX];
	/* lies for parser tests: range-count field = nranges + count_delta */
	int count_delta;
};

/* Bytes needed for @rep. */
size_t report_size(const struct report *rep);
/* Serialise into @out (report_size() bytes). Returns bytes written. */
size_t report_write(const struct report *rep, uint8_t *out);

/* "no-fw-update,ats" or a number -> interface_info. 0 or -1. */
int report_parse_info(const char *s, uint16_t *v);
/* "msix-table,non-tee" or a number -> range attributes. 0 or -1. */
int report_parse_attrs(const char *s, uint16_t *v);

#endif /* REPORT_BUILD_H */
