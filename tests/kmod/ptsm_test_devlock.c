// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptsm_test_devlock: test-only module for tests/vm/tests/core-devlock.sh
 * and devsec-lock-hammer.sh. It stands in for an SR-IOV PF driver, which
 * the devsec sample has no device for: a write of sriov_numvfs adds or
 * removes the VFs with the PF's device lock held (sriov_numvfs_store()
 * calls the driver's sriov_configure under device_lock()), and each VF
 * runs the PCI bus notifier chain, pci_tsm's ptsm_pdevs_lock with it.
 *
 *   echo "HELD VICTIM MS" > /sys/module/ptsm_test_devlock/parameters/remove_under
 *	takes HELD's device lock, sleeps MS milliseconds, then removes the
 *	PCI device VICTIM (sriov_numvfs=0);
 *   echo "HELD MS" > /sys/module/ptsm_test_devlock/parameters/rescan_under
 *	takes HELD's device lock, sleeps MS milliseconds, then rescans HELD's
 *	bus (sriov_numvfs=N).
 *
 * Both return when done; a VICTIM that is already gone is not an error.
 * Never installed, never part of the product.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>

#define DEVLOCK_MAX_MS	10000

static struct pci_dev *devlock_find(const char *name)
{
	struct device *dev = bus_find_device_by_name(&pci_bus_type, NULL, name);

	return dev ? to_pci_dev(dev) : NULL;
}

static int remove_under_set(const char *val, const struct kernel_param *kp)
{
	char held_name[32], victim_name[32];
	struct pci_dev *held, *victim;
	unsigned int ms;

	if (sscanf(val, "%31s %31s %u", held_name, victim_name, &ms) != 3 ||
	    ms > DEVLOCK_MAX_MS)
		return -EINVAL;
	held = devlock_find(held_name);
	if (!held)
		return -ENODEV;
	device_lock(&held->dev);
	msleep(ms);
	pci_lock_rescan_remove();
	/* looked up under the rescan lock: nobody removes it meanwhile */
	victim = devlock_find(victim_name);
	if (victim) {
		pci_stop_and_remove_bus_device(victim);
		pci_dev_put(victim);
	}
	pci_unlock_rescan_remove();
	device_unlock(&held->dev);
	pci_dev_put(held);
	return 0;
}

static int rescan_under_set(const char *val, const struct kernel_param *kp)
{
	char held_name[32];
	struct pci_dev *held;
	unsigned int ms;

	if (sscanf(val, "%31s %u", held_name, &ms) != 2 || ms > DEVLOCK_MAX_MS)
		return -EINVAL;
	held = devlock_find(held_name);
	if (!held)
		return -ENODEV;
	device_lock(&held->dev);
	msleep(ms);
	pci_lock_rescan_remove();
	pci_rescan_bus(held->bus);
	pci_unlock_rescan_remove();
	device_unlock(&held->dev);
	pci_dev_put(held);
	return 0;
}

static int devlock_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "\n");
}

static const struct kernel_param_ops remove_under_ops = {
	.set = remove_under_set,
	.get = devlock_get,
};

static const struct kernel_param_ops rescan_under_ops = {
	.set = rescan_under_set,
	.get = devlock_get,
};

module_param_cb(remove_under, &remove_under_ops, NULL, 0644);
MODULE_PARM_DESC(remove_under, "\"HELD VICTIM MS\": remove VICTIM under HELD's device lock");
module_param_cb(rescan_under, &rescan_under_ops, NULL, 0644);
MODULE_PARM_DESC(rescan_under, "\"HELD MS\": rescan HELD's bus under its device lock");

MODULE_DESCRIPTION("pci-tsm tests: add and remove PCI devices under another's device lock, as SR-IOV does");
MODULE_LICENSE("GPL");
