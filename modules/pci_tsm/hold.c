// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_tsm driver-attach hold (docs/ABI.md 2.5, docs/driver-hold.md): a
 * TEE-capable device is bound to the do-nothing driver "pci_tsm_hold"
 * until it is accepted or an administrator unbinds it, so no other driver
 * can bind (an explicit bind fails with EBUSY while the hold is bound).
 */
#define pr_fmt(fmt) "pci_tsm: " fmt
#define dev_fmt(fmt) "pci_tsm: " fmt

#include <linux/device.h>
#include <linux/pci.h>
#include <linux/kobject.h>
#include <linux/slab.h>

#include "pdev.h"

#define PTSM_HOLD_NAME "pci_tsm_hold"

/*
 * Send the KOBJ_ADD that ptsm_hold_new_device() kept back, once. Until then
 * userspace has not heard of the device: a udev rule that writes
 * driver_override on "add" (vfio-pci style) would otherwise replace the
 * hold's override before the first probe and bind its driver unverified.
 */
static void ptsm_hold_send_add(struct ptsm_pdev *pd)
{
	struct device *dev = &pd->pdev->dev;

	if (!xchg(&pd->add_uevent_held, false))
		return;
	dev_set_uevent_suppress(dev, false);
	kobject_uevent(&dev->kobj, KOBJ_ADD);
}

static int ptsm_hold_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ptsm_pdev *pd = ptsm_pdev_find(pdev);

	/*
	 * The override only steered this probe. Clear it (the device lock is
	 * held) so that once the hold is released the administrator's choice
	 * of driver applies.
	 */
	if (compat_pci_override_is_locked(pdev, &ptsm_hold_driver.driver))
		compat_pci_override_clear_locked(pdev);
	pci_info(pdev, "held: no driver binds until accepted or released (echo %s > /sys/bus/pci/drivers/%s/unbind)\n",
		 pci_name(pdev), PTSM_HOLD_NAME);
	/* bound to the hold: userspace may learn of it now */
	if (pd) {
		ptsm_hold_send_add(pd);
		ptsm_pdev_put(pd);
	}
	return 0;
}

static void ptsm_hold_remove(struct pci_dev *pdev)
{
	pci_dbg(pdev, "hold released\n");
}

/*
 * PCI error recovery (AER, DPC, EDR) of a port's subtree: a function with
 * no driver, or one without error_detected(), makes the whole recovery
 * fail and every function of the subtree ends disconnected. A held
 * function has no state to lose or restore: it takes part without a vote
 * (NONE), agrees that the reset recovered it, and is not used on resume.
 * pci_tsm took it out of RUN at pcie_do_recovery()'s entry (recovery.c).
 */
static pci_ers_result_t ptsm_hold_error_detected(struct pci_dev *pdev,
						 pci_channel_state_t state)
{
	pci_info(pdev, "held: error recovery (channel state %d)\n", state);
	if (state == pci_channel_io_perm_failure)
		return PCI_ERS_RESULT_DISCONNECT;
	return PCI_ERS_RESULT_NONE;
}

static pci_ers_result_t ptsm_hold_slot_reset(struct pci_dev *pdev)
{
	return PCI_ERS_RESULT_RECOVERED;
}

static void ptsm_hold_resume(struct pci_dev *pdev)
{
	pci_dbg(pdev, "held: error recovery done\n");
}

static const struct pci_error_handlers ptsm_hold_err = {
	.error_detected = ptsm_hold_error_detected,
	.slot_reset = ptsm_hold_slot_reset,
	.resume = ptsm_hold_resume,
};

/* Matches nothing by id: only devices whose driver_override names it. */
static const struct pci_device_id ptsm_hold_ids[] = {
	{ }
};

struct pci_driver ptsm_hold_driver = {
	.name = PTSM_HOLD_NAME,
	.id_table = ptsm_hold_ids,
	.probe = ptsm_hold_probe,
	.remove = ptsm_hold_remove,
	.err_handler = &ptsm_hold_err,
};

/**
 * ptsm_driver_bound() - is a driver other than the hold bound to @pdev?
 * @pdev: a PCI device
 *
 * Context: the device lock held for a stable answer.
 * Return: true when a real driver is bound.
 */
bool ptsm_driver_bound(struct pci_dev *pdev)
{
	struct device_driver *drv = READ_ONCE(pdev->dev.driver);

	return drv && drv != &ptsm_hold_driver.driver;
}

static int ptsm_set_hold_override(struct pci_dev *pdev)
{
	return compat_pci_override_set(pdev, PTSM_HOLD_NAME);
}

/* The override for a device being added, and what its failure means. */
static int ptsm_set_new_hold_override(struct pci_dev *pdev)
{
	int rc = ptsm_set_hold_override(pdev);

	if (rc)
		pci_err(pdev, "cannot hold TEE-capable device, a driver may bind it unverified: %d\n",
			rc);
	return rc;
}

/**
 * ptsm_hold_new_device() - hold a TEE-capable device being added
 * @pd: its new context
 *
 * Runs from BUS_NOTIFY_ADD_DEVICE, before the device is probed: the
 * override makes the hold the only driver that can match its first probe.
 * The KOBJ_ADD uevent that follows is kept back until the hold is bound
 * (ptsm_hold_send_add()): PCI probes a new device only after its whole bus
 * is scanned, and a udev rule writing driver_override in that window would
 * win. An override somebody set before (not expected for a new device) is
 * kept, and then nothing is held.
 *
 * Context: process context.
 */
void ptsm_hold_new_device(struct ptsm_pdev *pd)
{
	struct pci_dev *pdev = pd->pdev;

	if (compat_pci_override_has(pdev))
		return;
	if (ptsm_set_new_hold_override(pdev))
		return;
	dev_set_uevent_suppress(&pdev->dev, true);
	WRITE_ONCE(pd->add_uevent_held, true);
}

/**
 * ptsm_hold_new_untracked() - hold a TEE-capable device being added that
 *	has no context
 * @pdev: the device
 *
 * Fail closed when its context could not be allocated: the device is
 * still held (it then has no tsm/ files and can only be released by an
 * administrator), only its KOBJ_ADD is not kept back.
 *
 * Context: process context (BUS_NOTIFY_ADD_DEVICE).
 */
void ptsm_hold_new_untracked(struct pci_dev *pdev)
{
	if (!compat_pci_override_has(pdev))
		ptsm_set_new_hold_override(pdev);
}

/**
 * ptsm_hold_existing() - hold a TEE-capable device present at load time
 * @pd: its new context
 *
 * Only a device without a driver is held; one already bound is left alone
 * (a udev rule covers devices that appear before pci_tsm loads).
 *
 * Context: process context.
 * Return: 0 when held or left alone, else an errno (pci_tsm's load fails
 * then, rather than leave the device free to bind unverified).
 */
int ptsm_hold_existing(struct ptsm_pdev *pd)
{
	struct pci_dev *pdev = pd->pdev;
	int rc;

	if (READ_ONCE(pdev->dev.driver) || compat_pci_override_has(pdev))
		return 0;
	rc = ptsm_set_hold_override(pdev);
	if (!rc)
		rc = device_driver_attach(&ptsm_hold_driver.driver, &pdev->dev);
	/* EBUSY: a driver bound it meanwhile, which is not ours to undo */
	if (rc == -EBUSY)
		return 0;
	if (rc)
		pci_err(pdev, "cannot hold TEE-capable device: %d\n", rc);
	return rc;
}

/**
 * ptsm_hold_release() - release the hold of an accepted device
 * @pdev: the device
 *
 * Context: process context, no pci_tsm lock and not the device lock held.
 */
void ptsm_hold_release(struct pci_dev *pdev)
{
	/*
	 * Only the hold can be bound here: accept refused a real driver and
	 * nothing else can bind while the hold is bound.
	 */
	if (READ_ONCE(pdev->dev.driver) == &ptsm_hold_driver.driver)
		device_release_driver(&pdev->dev);
}

/*
 * Evictions one at a time: two of the same function (the error work and
 * the recovery work, when a reset was reported as ERROR first) must not
 * interleave, or the second could unbind the hold the first just bound,
 * whose probe cleared the override, and leave the function with no
 * driver at all.
 */
static DEFINE_MUTEX(ptsm_evict_lock);

/**
 * ptsm_hold_evict() - before @pdev leaves TDISP RUN: unbind its driver,
 *	then hold it
 * @pdev: a device in RUN
 *
 * Its driver relies on private DMA and encrypted MMIO; its remove() runs
 * here, while that still holds, so that it frees and unmaps what it got
 * as it got it. The override comes first, so that from then on only the
 * hold can bind (not even an explicit bind of another driver): it replaces
 * an override the administrator set to bind the driver of the accepted
 * device, which must not bind again before the device is verified anew.
 * The hold's probe clears it, as on first attach. Nothing is done for a
 * device the hold already has.
 *
 * Context: process context; no pci_tsm lock and not the device lock held.
 */
void ptsm_hold_evict(struct pci_dev *pdev)
{
	struct device *dev = &pdev->dev;
	int rc;

	guard(mutex)(&ptsm_evict_lock);
	if (READ_ONCE(dev->driver) == &ptsm_hold_driver.driver)
		return;
	rc = ptsm_set_hold_override(pdev);
	if (rc)
		pci_err(pdev, "cannot hold the device leaving RUN, a driver may bind it unverified: %d\n",
			rc);
	if (ptsm_driver_bound(pdev)) {
		pci_info(pdev, "leaving TDISP RUN: unbinding its driver first\n");
		device_release_driver(dev);
	}
	if (rc)
		return;
	rc = device_driver_attach(&ptsm_hold_driver.driver, dev);
	/* EBUSY: a driver won the race (the caller checks); ENODEV: going away */
	if (rc && rc != -EBUSY && rc != -ENODEV)
		pci_err(pdev, "cannot hold the device leaving RUN: %d\n", rc);
}

/**
 * ptsm_hold_forget() - drop an override that never steered a probe
 * @pd: a context being destroyed
 *
 * Context: process context, device lock not held.
 */
void ptsm_hold_forget(struct ptsm_pdev *pd)
{
	struct pci_dev *pdev = pd->pdev;

	device_lock(&pdev->dev);
	if (compat_pci_override_is_locked(pdev, &ptsm_hold_driver.driver))
		compat_pci_override_clear_locked(pdev);
	device_unlock(&pdev->dev);
	/* never probed while we were here: userspace still gets its "add" */
	ptsm_hold_send_add(pd);
}
