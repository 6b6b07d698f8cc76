/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Driving the emulated TDISP state of a devsec_bus function through its
 * DVSEC (devsec.h), shared by both sample TSMs.
 */
#ifndef DEVSEC_TDISP_H
#define DEVSEC_TDISP_H

#include <linux/bitfield.h>
#include <linux/pci.h>
#include <uapi/linux/pci_tsm_evidence.h>

#include "devsec.h"

/* Config offset of @pdev's TDISP DVSEC, 0 if it is not a devsec function */
static inline u16 devsec_tdisp_dvsec(struct pci_dev *pdev)
{
	if (!devsec_is_endpoint(pdev))
		return 0;
	return pci_find_dvsec_capability(pdev, DEVSEC_VENDOR_ID,
					 DEVSEC_DVSEC_ID);
}

/* The TDISP status register, or -ENODEV when the device is gone */
static inline int devsec_tdisp_status(struct pci_dev *pdev, u16 dvsec,
				      u32 *status)
{
	if (pci_read_config_dword(pdev, dvsec + DEVSEC_TDISP_STATUS, status) ||
	    PCI_POSSIBLE_ERROR(*status))
		return -ENODEV;
	return 0;
}

/*
 * Issue TDISP request @req and check the device reached @want.
 * Return: 0, -EIO if the device refused (e.g. it is in ERROR), -ENODEV.
 */
static inline int devsec_tdisp_request(struct pci_dev *pdev, u16 dvsec,
				       u32 req, u8 want)
{
	u32 status;
	int rc;

	if (pci_write_config_dword(pdev, dvsec + DEVSEC_TDISP_CTRL,
				   FIELD_PREP(DEVSEC_TDISP_REQ, req)))
		return -ENODEV;
	rc = devsec_tdisp_status(pdev, dvsec, &status);
	if (rc)
		return rc;
	if ((status & DEVSEC_TDISP_REJECTED) ||
	    FIELD_GET(DEVSEC_TDISP_STATE, status) != want)
		return -EIO;
	return 0;
}

#endif /* DEVSEC_TDISP_H */
