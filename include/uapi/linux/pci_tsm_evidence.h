/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * Evidence object types and the TDISP interface report layout shared by
 * the pci-tsm kernel modules and their userspace relying party.
 * See docs/ABI.md section 4.
 */
#ifndef _UAPI_LINUX_PCI_TSM_EVIDENCE_H
#define _UAPI_LINUX_PCI_TSM_EVIDENCE_H

#include <linux/types.h>

/* Evidence object types: TYPE_MASK bit N selects type N. */
enum pci_tsm_evidence_type {
	PCI_TSM_EVIDENCE_TYPE_CERT0 = 0,
	PCI_TSM_EVIDENCE_TYPE_CERT1,
	PCI_TSM_EVIDENCE_TYPE_CERT2,
	PCI_TSM_EVIDENCE_TYPE_CERT3,
	PCI_TSM_EVIDENCE_TYPE_CERT4,
	PCI_TSM_EVIDENCE_TYPE_CERT5,
	PCI_TSM_EVIDENCE_TYPE_CERT6,
	PCI_TSM_EVIDENCE_TYPE_CERT7,
	PCI_TSM_EVIDENCE_TYPE_VCA,
	PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS,
	PCI_TSM_EVIDENCE_TYPE_REPORT,

	PCI_TSM_EVIDENCE_TYPE_NR,
};

#define PCI_TSM_EVIDENCE_TYPE_MASK_ALL	((1U << PCI_TSM_EVIDENCE_TYPE_NR) - 1)

/* FLAGS attribute (both families) */
#define PCI_TSM_EVIDENCE_FLAG_DIGEST	(1U << 0)

/* Largest evidence object the store accepts. */
#define PCI_TSM_EVIDENCE_MAX_SIZE	(16U << 20)

/* Length of the NONCE of the device-evidence family (SPDM nonce). */
#define PCI_TSM_NONCE_SIZE		32

/* Digest algorithm of the DIGEST flag: SHA-384. */
#define PCI_TSM_EVIDENCE_DIGEST_SIZE	48

/* TDISP states, docs/ABI.md section 5. */
enum pci_tsm_tdisp_state {
	PCI_TSM_TDISP_UNLOCKED = 0,
	PCI_TSM_TDISP_LOCKED = 1,
	PCI_TSM_TDISP_RUN = 2,
	PCI_TSM_TDISP_ERROR = 3,
};

/*
 * TDISP interface report (the REPORT object), all fields little-endian,
 * starting at INTERFACE_INFO:
 *
 *   __le16 interface_info;   PCI_TSM_REPORT_INFO_*
 *   __le16 reserved;
 *   __le16 msix_ctrl;
 *   __le16 lnr_ctrl;
 *   __le32 tph_ctrl;
 *   __le32 mmio_range_count;
 *   struct pci_tsm_report_range ranges[mmio_range_count];
 *   __le32 device_specific_len;
 *   __u8   device_specific[device_specific_len];
 */
#define PCI_TSM_REPORT_INFO_NO_FW_UPDATE	(1U << 0)
#define PCI_TSM_REPORT_INFO_DMA_NO_PASID	(1U << 1)
#define PCI_TSM_REPORT_INFO_DMA_PASID		(1U << 2)
#define PCI_TSM_REPORT_INFO_ATS			(1U << 3)
#define PCI_TSM_REPORT_INFO_PRS			(1U << 4)

#define PCI_TSM_REPORT_RANGE_MSIX_TABLE		(1U << 0)
#define PCI_TSM_REPORT_RANGE_MSIX_PBA		(1U << 1)
#define PCI_TSM_REPORT_RANGE_NON_TEE		(1U << 2)
#define PCI_TSM_REPORT_RANGE_UPDATABLE		(1U << 3)

#define PCI_TSM_REPORT_PAGE_SHIFT		12

struct pci_tsm_report_header {
	__le16 interface_info;
	__le16 reserved;
	__le16 msix_ctrl;
	__le16 lnr_ctrl;
	__le32 tph_ctrl;
	__le32 mmio_range_count;
} __attribute__((packed));

struct pci_tsm_report_range {
	__le64 first_page;	/* 4 KiB page number, offset by the MMIO reporting offset */
	__le32 nr_pages;	/* number of 4 KiB pages */
	__le16 attributes;	/* PCI_TSM_REPORT_RANGE_* */
	__le16 range_id;	/* BAR index for BAR ranges */
} __attribute__((packed));

#endif /* _UAPI_LINUX_PCI_TSM_EVIDENCE_H */
