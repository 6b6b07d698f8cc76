/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The devsec sample "hardware": register layout of the emulated root ports
 * and endpoints created by devsec_bus. devsec_link_tsm and devsec_tsm drive
 * the emulated devices only through PCI config space using these offsets,
 * so no devsec module depends on another's symbols and they load and
 * unload in any order (the one call across modules, the TDISP ERROR
 * report, goes through symbol_get()). docs/devsec-sample.md describes
 * the layout.
 */
#ifndef DEVSEC_H
#define DEVSEC_H

#include <linux/bits.h>
#include <linux/pci.h>

#define DEVSEC_VENDOR_ID		0x8086
#define DEVSEC_DEVICE_ID		0xffff
#define DEVSEC_CLASS			0x120000	/* processing accelerator */
#define DEVSEC_DOMAIN_BASE		0x10000
#define DEVSEC_NR_HOST_BRIDGES		2

/* IDE streams each emulated host bridge can carry (available_secure_streams) */
#define DEVSEC_HB_STREAMS		4

/* Standard capabilities (endpoint functions and root ports) */
#define DEVSEC_EXP_POS			0x40
#define DEVSEC_MSIX_POS			0x80	/* endpoint functions only */
#define DEVSEC_MSIX_VECTORS		8
#define DEVSEC_PM_POS			0x90	/* endpoint functions only */
#define  DEVSEC_PM_D0			0	/* PMCSR power state */
#define  DEVSEC_PM_D3HOT		3

/*
 * MSI-X table and PBA live in BAR0 of every endpoint function: the table
 * in the 4 KiB page at BAR0 + size / 2, the PBA in the page after it.
 */
#define DEVSEC_MSIX_TABLE_OFFSET(bar_size)	((bar_size) / 2)
#define DEVSEC_MSIX_PBA_OFFSET(bar_size)	((bar_size) / 2 + SZ_4K)

/*
 * IDE extended capability (PCIe 6.0 7.9.26): selective streams only, one
 * selective stream register block with one address association block.
 * Offsets are relative to the capability.
 */
#define DEVSEC_IDE_CAP			0x04
#define  DEVSEC_IDE_CAP_SELECTIVE	BIT(1)
#define  DEVSEC_IDE_CAP_IDE_KM		BIT(6)
#define  DEVSEC_IDE_CAP_SEL_NUM		GENMASK(23, 16)	/* streams - 1 */
#define  DEVSEC_IDE_CAP_TEE_LIMITED	BIT(24)
#define DEVSEC_IDE_CTL			0x08
#define DEVSEC_IDE_SEL			0x0c	/* first selective stream block */
#define DEVSEC_IDE_SEL_SIZE		0x20
#define  DEVSEC_IDE_SEL_CAP		0x00
#define   DEVSEC_IDE_SEL_CAP_ASSOC	GENMASK(3, 0)
#define  DEVSEC_IDE_SEL_CTL		0x04
#define   DEVSEC_IDE_SEL_CTL_EN		BIT(0)
#define   DEVSEC_IDE_SEL_CTL_TEE_LIMITED	BIT(23)
#define   DEVSEC_IDE_SEL_CTL_ID		GENMASK(31, 24)
#define  DEVSEC_IDE_SEL_STS		0x08
#define   DEVSEC_IDE_SEL_STS_STATE	GENMASK(3, 0)
#define   DEVSEC_IDE_STATE_INSECURE	0
#define   DEVSEC_IDE_STATE_SECURE	2
#define  DEVSEC_IDE_SEL_RID1		0x0c
#define   DEVSEC_IDE_SEL_RID_LIMIT	GENMASK(23, 8)
#define  DEVSEC_IDE_SEL_RID2		0x10
#define   DEVSEC_IDE_SEL_RID_VALID	BIT(0)
#define   DEVSEC_IDE_SEL_RID_BASE	GENMASK(23, 8)
#define  DEVSEC_IDE_SEL_ADDR1		0x14
#define   DEVSEC_IDE_SEL_ADDR1_VALID	BIT(0)
#define   DEVSEC_IDE_SEL_ADDR1_BASE	GENMASK(19, 8)	/* address bits 31:20 */
#define   DEVSEC_IDE_SEL_ADDR1_LIMIT	GENMASK(31, 20)	/* address bits 31:20 */
#define  DEVSEC_IDE_SEL_ADDR2		0x18	/* limit bits 63:32 */
#define  DEVSEC_IDE_SEL_ADDR3		0x1c	/* base bits 63:32 */
#define DEVSEC_IDE_SIZEOF		(DEVSEC_IDE_SEL + DEVSEC_IDE_SEL_SIZE)

/*
 * TDISP emulation: a Designated Vendor-Specific extended capability
 * (vendor 0x8086, DVSEC id 0xd5ec) on every endpoint function. Offsets are
 * relative to the capability.
 *
 * CTRL (write): a request in bits 3:0, executed on write; reads 0.
 * STATUS (read only): TDISP state in bits 3:0 (enum pci_tsm_tdisp_state),
 *	the reason of the last move to ERROR in bits 15:8, bit 16 set when the
 *	last request was refused in the current state.
 * REPORT_OFFSET (read only, 64 bits): the MMIO reporting offset the device
 *	adds to addresses in its TDI report (TDISP LOCK_INTERFACE).
 */
#define DEVSEC_DVSEC_ID			0xd5ec
#define DEVSEC_DVSEC_REV		1
#define DEVSEC_TDISP_CTRL		0x0c
#define  DEVSEC_TDISP_REQ		GENMASK(3, 0)
#define  DEVSEC_TDISP_REQ_LOCK		1	/* UNLOCKED -> LOCKED */
#define  DEVSEC_TDISP_REQ_START		2	/* LOCKED -> RUN */
#define  DEVSEC_TDISP_REQ_STOP		3	/* any -> UNLOCKED */
#define DEVSEC_TDISP_STATUS		0x10
#define  DEVSEC_TDISP_STATE		GENMASK(3, 0)
#define  DEVSEC_TDISP_ERR_REASON	GENMASK(15, 8)
#define  DEVSEC_TDISP_REJECTED		BIT(16)
#define DEVSEC_TDISP_REPORT_OFFSET_LO	0x14
#define DEVSEC_TDISP_REPORT_OFFSET_HI	0x18
#define DEVSEC_DVSEC_SIZEOF		0x1c

/* DEVSEC_TDISP_ERR_REASON values */
#define DEVSEC_TDISP_ERR_BAR		1	/* a BAR changed */
#define DEVSEC_TDISP_ERR_DECODE		2	/* memory decode disabled */
#define DEVSEC_TDISP_ERR_FLR		3	/* function level reset */
#define DEVSEC_TDISP_ERR_D3HOT		4	/* D3hot to D0, soft reset */
#define DEVSEC_TDISP_ERR_BUS_RESET	5	/* secondary bus reset */

/* The MMIO reporting offset of every emulated function: 16 TiB */
#define DEVSEC_MMIO_REPORTING_OFFSET	BIT_ULL(44)

/*
 * ptsm_devsec_tdisp_error() - exported by devsec_tsm: an emulated function
 * entered TDISP ERROR. devsec_bus calls it through symbol_get() (never a
 * link-time dependency) from process context, with a reference on @pdev.
 */
void ptsm_devsec_tdisp_error(struct pci_dev *pdev);

/* Is @pdev one of the emulated endpoint functions? */
static inline bool devsec_is_endpoint(struct pci_dev *pdev)
{
	return pdev->vendor == DEVSEC_VENDOR_ID &&
	       pdev->device == DEVSEC_DEVICE_ID &&
	       pdev->class == DEVSEC_CLASS &&
	       pci_domain_nr(pdev->bus) >= DEVSEC_DOMAIN_BASE &&
	       pci_find_dvsec_capability(pdev, DEVSEC_VENDOR_ID,
					 DEVSEC_DVSEC_ID);
}

#endif /* DEVSEC_H */
