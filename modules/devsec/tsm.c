// SPDX-License-Identifier: GPL-2.0-only
/*
 * devsec_tsm: the sample guest-side ("devsec") TSM. lock moves a devsec_bus
 * function to TDISP LOCKED and publishes its DSM's CERT0/VCA/MEASUREMENTS
 * (this TSM's blobs) plus a REPORT built from its BARs; accept moves it to
 * RUN and registers the reported TEE MMIO; unlock returns it to UNLOCKED.
 * The emulated device is driven through config space only (devsec.h).
 */
#define dev_fmt(fmt) "devsec_tsm: " fmt

#include <linux/cleanup.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <ptsm/tsm_core.h>

#include "common.h"
#include "report.h"
#include "tdisp.h"

PTSM_IMPORT_NS();

static struct platform_device *devsec_tsm_pdev;

static bool error_on_accept;
module_param(error_on_accept, bool, 0644);
MODULE_PARM_DESC(error_on_accept,
		 "accept reports a TDISP ERROR to pci_tsm before it returns, as for a device that fails while it starts (tests)");

static bool no_tee_mmio;
module_param(no_tee_mmio, bool, 0644);
MODULE_PARM_DESC(no_tee_mmio,
		 "accept registers no TEE MMIO range, as a TSM that forgets to would (tests: pci_tsm must refuse)");

/*
 * The TSM that ptsm_devsec_tdisp_error() reports through: set while the
 * platform device is bound. devsec_tsm_err_lock is taken before c->lock.
 */
static DEFINE_MUTEX(devsec_tsm_err_lock);
static struct devsec_common *devsec_tsm_err_c;

static u64 reporting_offset(struct pci_dev *pdev, u16 dvsec)
{
	u32 lo = 0, hi = 0;

	pci_read_config_dword(pdev, dvsec + DEVSEC_TDISP_REPORT_OFFSET_LO, &lo);
	pci_read_config_dword(pdev, dvsec + DEVSEC_TDISP_REPORT_OFFSET_HI, &hi);
	return (u64)hi << 32 | lo;
}

/*
 * LOCK the TDI, then build and publish its evidence and tell pci_tsm the
 * MMIO reporting offset of its report; c->lock held. On failure the
 * caller's devsec_tdi_del() frees what was built.
 */
static int lock_tdi(struct devsec_common *c, struct devsec_tdi *tdi, u16 dvsec)
{
	struct pci_dev *pdev = tdi->pdev;
	struct devsec_report rep = {};
	u64 offset;
	int rc;

	rc = devsec_tdisp_request(pdev, dvsec, DEVSEC_TDISP_REQ_LOCK,
				  PCI_TSM_TDISP_LOCKED);
	if (rc)
		return rc;
	offset = reporting_offset(pdev, dvsec);
	rc = devsec_report_build(pdev, offset, &rep);
	if (rc)
		return rc;
	tdi->report = rep.data;
	tdi->report_len = rep.len;
	tdi->ranges = rep.ranges;
	tdi->nr_ranges = rep.nr_ranges;
	/* tsm/mmio_reporting_offset: what LOCK_INTERFACE would have returned */
	rc = ptsm_pci_set_report_offset(pdev, offset);
	if (rc)
		return rc;
	return devsec_publish(c, pdev, NULL, 0, tdi->report, tdi->report_len);
}

static int devsec_tsm_lock(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	struct devsec_common *c = tsm->drvdata;
	u16 dvsec = devsec_tdisp_dvsec(pdev);
	struct devsec_tdi *tdi;
	int rc;

	if (!dvsec)
		return -ENXIO;

	guard(mutex)(&c->lock);
	if (devsec_tdi_find(c, pdev))
		return -EBUSY;
	tdi = devsec_tdi_add(c, pdev);
	if (!tdi)
		return -ENOMEM;
	rc = lock_tdi(c, tdi, dvsec);
	if (rc) {
		devsec_tdisp_request(pdev, dvsec, DEVSEC_TDISP_REQ_STOP,
				     PCI_TSM_TDISP_UNLOCKED);
		devsec_tdi_del(c, tdi);
		pci_dbg(pdev, "lock failed: %d\n", rc);
	}
	return rc;
}

static int devsec_tsm_accept(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	struct devsec_common *c = tsm->drvdata;
	u16 dvsec = devsec_tdisp_dvsec(pdev);
	struct devsec_tdi *tdi;
	int rc;

	guard(mutex)(&c->lock);
	tdi = devsec_tdi_find(c, pdev);
	if (!tdi || !dvsec)
		return -ENXIO;
	/* refused if the device left LOCKED (ERROR after a config change) */
	rc = devsec_tdisp_request(pdev, dvsec, DEVSEC_TDISP_REQ_START,
				  PCI_TSM_TDISP_RUN);
	if (rc)
		return rc;
	if (!READ_ONCE(no_tee_mmio))
		rc = ptsm_pci_set_tee_mmio(pdev, tdi->ranges, tdi->nr_ranges);
	if (!rc && READ_ONCE(error_on_accept))
		ptsm_pci_tdisp_error(pdev);
	if (rc) {
		/* back to LOCKED: TDISP has no RUN -> LOCKED, so stop + lock */
		devsec_tdisp_request(pdev, dvsec, DEVSEC_TDISP_REQ_STOP,
				     PCI_TSM_TDISP_UNLOCKED);
		devsec_tdisp_request(pdev, dvsec, DEVSEC_TDISP_REQ_LOCK,
				     PCI_TSM_TDISP_LOCKED);
	}
	return rc;
}

static void devsec_tsm_unlock(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	struct devsec_common *c = tsm->drvdata;
	u16 dvsec = devsec_tdisp_dvsec(pdev);
	struct devsec_tdi *tdi;

	guard(mutex)(&c->lock);
	tdi = devsec_tdi_find(c, pdev);
	if (!tdi)
		return;
	if (dvsec)
		devsec_tdisp_request(pdev, dvsec, DEVSEC_TDISP_REQ_STOP,
				     PCI_TSM_TDISP_UNLOCKED);
	devsec_tdi_del(c, tdi);
}

static int devsec_tsm_refresh(struct ptsm_dev *tsm, struct pci_dev *pdev,
			      const u8 *nonce, size_t nonce_len)
{
	return devsec_refresh(tsm->drvdata, pdev, nonce, nonce_len);
}

static void devsec_tsm_refresh_cancel(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	devsec_refresh_cancel(tsm->drvdata, pdev);
}

/**
 * ptsm_devsec_tdisp_error() - devsec_bus saw @pdev enter TDISP ERROR
 * @pdev: an emulated function (referenced by the caller)
 *
 * Tells pci_tsm (ptsm_pci_tdisp_error()) when @pdev is locked through this
 * TSM and still in ERROR. Checking both under c->lock, which lock and
 * unlock hold too, drops a report that an unlock (and a new lock) overtook.
 *
 * Context: process context, may sleep (devsec_bus's work item).
 */
void ptsm_devsec_tdisp_error(struct pci_dev *pdev)
{
	u16 dvsec = devsec_tdisp_dvsec(pdev);
	struct devsec_common *c;
	u32 status;

	if (!dvsec)
		return;
	guard(mutex)(&devsec_tsm_err_lock);
	c = devsec_tsm_err_c;
	if (!c)
		return;
	guard(mutex)(&c->lock);
	if (!devsec_tdi_find(c, pdev) ||
	    devsec_tdisp_status(pdev, dvsec, &status) ||
	    FIELD_GET(DEVSEC_TDISP_STATE, status) != PCI_TSM_TDISP_ERROR)
		return;
	pci_info(pdev, "TDISP ERROR (reason %lu) reported to pci_tsm\n",
		 FIELD_GET(DEVSEC_TDISP_ERR_REASON, status));
	ptsm_pci_tdisp_error(pdev);
}

PTSM_EXPORT(ptsm_devsec_tdisp_error);

static const struct ptsm_ops devsec_tsm_ops = {
	.devsec = {
		.lock = devsec_tsm_lock,
		.unlock = devsec_tsm_unlock,
		.accept = devsec_tsm_accept,
	},
	.refresh = devsec_tsm_refresh,
	.refresh_cancel = devsec_tsm_refresh_cancel,
};

static void devsec_tsm_err_detach(void *unused)
{
	guard(mutex)(&devsec_tsm_err_lock);
	devsec_tsm_err_c = NULL;
}

/* From now until unbind, ERROR reports reach @c's TSM */
static int devsec_tsm_err_attach(struct device *dev, struct devsec_common *c)
{
	scoped_guard(mutex, &devsec_tsm_err_lock)
		devsec_tsm_err_c = c;
	return devm_add_action_or_reset(dev, devsec_tsm_err_detach, NULL);
}

static int __init devsec_tsm_probe(struct platform_device *pdev)
{
	struct devsec_common *c = devsec_common_probe(pdev, &devsec_tsm_ops);

	if (IS_ERR(c))
		return PTR_ERR(c);
	return devsec_tsm_err_attach(&pdev->dev, c);
}

static const struct attribute_group *devsec_tsm_groups[] = {
	&devsec_blob_group,
	NULL,
};

static struct platform_driver devsec_tsm_driver = {
	.driver = {
		.name = "devsec_tsm",
		.dev_groups = devsec_tsm_groups,
	},
};

static int __init devsec_tsm_init(void)
{
	struct platform_device *pdev;

	pdev = platform_create_bundle(&devsec_tsm_driver, devsec_tsm_probe,
				      NULL, 0, NULL, 0);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	devsec_tsm_pdev = pdev;
	return 0;
}
module_init(devsec_tsm_init);

static void __exit devsec_tsm_exit(void)
{
	platform_device_unregister(devsec_tsm_pdev);
	platform_driver_unregister(&devsec_tsm_driver);
}
module_exit(devsec_tsm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pci-tsm devsec sample: guest-side (devsec) TSM");
