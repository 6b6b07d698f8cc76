// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_tsm sysfs: /sys/bus/pci/devices/$BDF/tsm/ and .../authenticated
 * (docs/ABI.md 2.2). core.c decides which files a device shows; the
 * handlers here parse strictly and leave the work to tdisp.c.
 */
#define pr_fmt(fmt) "pci_tsm: " fmt
#define dev_fmt(fmt) "pci_tsm: " fmt

#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/pci.h>
#include <linux/sysfs.h>

#include "pdev.h"

DEFINE_FREE(ptsm_pdev_put, struct ptsm_pdev *, ptsm_pdev_put(_T))

static struct ptsm_pdev *ptsm_dev_pd(struct device *dev)
{
	return ptsm_pdev_find(to_pci_dev(dev));
}

/* Show the name of the TSM @pick returns, read under the slot lock. */
static ssize_t ptsm_show_tsm(struct device *dev, char *buf,
			     struct ptsm_dev *(*pick)(struct ptsm_pdev *pd))
{
	struct ptsm_pdev *pd __free(ptsm_pdev_put) = ptsm_dev_pd(dev);
	struct ptsm_pdev *owner;
	struct ptsm_dev *tsm;
	ssize_t rc;

	if (!pd)
		return -ENODEV;
	rc = ptsm_slot_lock_killable(pd, &owner);
	if (rc)
		return rc;
	tsm = pd->dead ? NULL : pick(pd);
	rc = sysfs_emit(buf, "%s\n", tsm ? dev_name(&tsm->dev) : "");
	ptsm_slot_unlock(owner);
	return rc;
}

static struct ptsm_dev *ptsm_pick_link(struct ptsm_pdev *pd)
{
	return pd->link_tsm;
}

static struct ptsm_dev *ptsm_pick_devsec(struct ptsm_pdev *pd)
{
	return pd->devsec_tsm;
}

static struct ptsm_dev *ptsm_pick_bound(struct ptsm_pdev *pd)
{
	return pd->bound_tsm ?: pd->devsec_tsm;
}

/*
 * Run a verb taking a TSM name: with ptsm_tsm_rwsem read-held (the TSM
 * stays registered) and, for TDISP verbs, the device lock (no driver binds
 * or unbinds meanwhile).
 */
static int ptsm_verb(struct device *dev, const char *buf, bool devlock,
		     int (*verb)(struct ptsm_pdev *pd, const char *buf))
{
	struct ptsm_pdev *pd __free(ptsm_pdev_put) = ptsm_dev_pd(dev);
	int rc;

	if (!pd)
		return -ENODEV;
	if (devlock && device_lock_interruptible(dev))
		return -EINTR;
	rc = down_read_killable(&ptsm_tsm_rwsem);
	if (!rc) {
		rc = verb(pd, buf);
		up_read(&ptsm_tsm_rwsem);
	}
	if (devlock)
		device_unlock(dev);
	return rc;
}

static int ptsm_verb_connect(struct ptsm_pdev *pd, const char *buf)
{
	struct ptsm_dev *tsm;
	int rc;

	tsm = ptsm_live_tsm(buf, PTSM_PCI_MODE_LINK, &rc);
	return tsm ? ptsm_connect(pd, tsm) : rc;
}

static int ptsm_verb_lock(struct ptsm_pdev *pd, const char *buf)
{
	struct ptsm_dev *tsm;
	int rc;

	tsm = ptsm_live_tsm(buf, PTSM_PCI_MODE_DEVSEC, &rc);
	return tsm ? ptsm_lock(pd, tsm) : rc;
}

static int ptsm_verb_accept(struct ptsm_pdev *pd, const char *buf)
{
	return ptsm_accept(pd);
}

/* After a connect or disconnect the slot's other functions gain or lose files. */
static void ptsm_connect_done(struct device *dev)
{
	struct ptsm_pdev *pd __free(ptsm_pdev_put) = ptsm_dev_pd(dev);

	if (pd)
		ptsm_sync_files_slot(pd);
}

static ssize_t connect_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return ptsm_show_tsm(dev, buf, ptsm_pick_link);
}

static ssize_t connect_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t len)
{
	int rc = ptsm_verb(dev, buf, false, ptsm_verb_connect);

	if (rc)
		return rc;
	ptsm_connect_done(dev);
	return len;
}
static DEVICE_ATTR_RW(connect);

static ssize_t disconnect_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t len)
{
	int rc = ptsm_verb(dev, buf, false, ptsm_disconnect);

	if (rc)
		return rc;
	ptsm_connect_done(dev);
	return len;
}
static DEVICE_ATTR_WO(disconnect);

static ssize_t dsm_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct ptsm_pdev *pd __free(ptsm_pdev_put) = ptsm_dev_pd(dev);
	struct ptsm_pdev *owner;
	ssize_t rc;

	if (!pd)
		return -ENODEV;
	rc = ptsm_slot_lock_killable(pd, &owner);
	if (rc)
		return rc;
	rc = sysfs_emit(buf, "%s\n", pd->dsm ? pci_name(pd->dsm->pdev) : "");
	ptsm_slot_unlock(owner);
	return rc;
}
static DEVICE_ATTR_RO(dsm);

static ssize_t bound_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return ptsm_show_tsm(dev, buf, ptsm_pick_bound);
}
static DEVICE_ATTR_RO(bound);

static ssize_t lock_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return ptsm_show_tsm(dev, buf, ptsm_pick_devsec);
}

static ssize_t lock_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t len)
{
	int rc = ptsm_verb(dev, buf, true, ptsm_verb_lock);

	return rc ? rc : len;
}
static DEVICE_ATTR_RW(lock);

static ssize_t unlock_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t len)
{
	int rc = ptsm_verb(dev, buf, true, ptsm_unlock);

	return rc ? rc : len;
}
static DEVICE_ATTR_WO(unlock);

static ssize_t accept_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct ptsm_pdev *pd __free(ptsm_pdev_put) = ptsm_dev_pd(dev);

	if (!pd)
		return -ENODEV;
	return sysfs_emit(buf, "%d\n", READ_ONCE(pd->accepted));
}

static ssize_t accept_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t len)
{
	bool accept;
	int rc;

	/* there is no way back from RUN but unlock: "0" is not a verb */
	if (kstrtobool(buf, &accept) || !accept)
		return -EINVAL;
	rc = ptsm_verb(dev, buf, true, ptsm_verb_accept);
	if (rc)
		return rc;
	/* the caller binds the real driver next */
	ptsm_hold_release(to_pci_dev(dev));
	return len;
}
static DEVICE_ATTR_RW(accept);

static ssize_t evidence_generation_show(struct device *dev,
					struct device_attribute *attr, char *buf)
{
	struct ptsm_pdev *pd __free(ptsm_pdev_put) = ptsm_dev_pd(dev);

	if (!pd)
		return -ENODEV;
	return sysfs_emit(buf, "%u\n", ptsm_evidence_generation(pd));
}
static DEVICE_ATTR_RO(evidence_generation);

static ssize_t mmio_reporting_offset_show(struct device *dev,
					  struct device_attribute *attr, char *buf)
{
	struct ptsm_pdev *pd __free(ptsm_pdev_put) = ptsm_dev_pd(dev);
	struct ptsm_pdev *owner;
	ssize_t rc;

	if (!pd)
		return -ENODEV;
	rc = ptsm_slot_lock_killable(pd, &owner);
	if (rc)
		return rc;
	if (pd->devsec_tsm && pd->has_report_offset)
		rc = sysfs_emit(buf, "0x%llx\n", pd->report_offset);
	else
		rc = sysfs_emit(buf, "\n");
	ptsm_slot_unlock(owner);
	return rc;
}
static DEVICE_ATTR_RO(mmio_reporting_offset);

static ssize_t authenticated_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct ptsm_pdev *pd __free(ptsm_pdev_put) = ptsm_dev_pd(dev);
	struct ptsm_pdev *owner;
	ssize_t rc;

	if (!pd)
		return -ENODEV;
	rc = ptsm_slot_lock_killable(pd, &owner);
	if (rc)
		return rc;
	rc = sysfs_emit(buf, "%d\n", pd->dsm && pd->dsm->link_tsm);
	ptsm_slot_unlock(owner);
	return rc;
}
static DEVICE_ATTR_RO(authenticated);

/* Indexed by PTSM_F_*. */
struct device_attribute *const ptsm_files[PTSM_F_NR] = {
	[PTSM_F_CONNECT] = &dev_attr_connect,
	[PTSM_F_DISCONNECT] = &dev_attr_disconnect,
	[PTSM_F_DSM] = &dev_attr_dsm,
	[PTSM_F_BOUND] = &dev_attr_bound,
	[PTSM_F_LOCK] = &dev_attr_lock,
	[PTSM_F_UNLOCK] = &dev_attr_unlock,
	[PTSM_F_ACCEPT] = &dev_attr_accept,
	[PTSM_F_EVGEN] = &dev_attr_evidence_generation,
	[PTSM_F_OFFSET] = &dev_attr_mmio_reporting_offset,
	[PTSM_F_AUTH] = &dev_attr_authenticated,
};

static struct attribute *ptsm_tsm_attrs[] = {
	&dev_attr_connect.attr,
	&dev_attr_disconnect.attr,
	&dev_attr_dsm.attr,
	&dev_attr_bound.attr,
	&dev_attr_lock.attr,
	&dev_attr_unlock.attr,
	&dev_attr_accept.attr,
	&dev_attr_evidence_generation.attr,
	&dev_attr_mmio_reporting_offset.attr,
	NULL,
};

/*
 * The group only makes the tsm/ directory; core.c adds and removes its
 * files one at a time (sysfs_update_group() would re-create every file of
 * the group and wait for unrelated readers and writers).
 */
static umode_t ptsm_tsm_is_visible(struct kobject *kobj, struct attribute *a,
				   int n)
{
	return 0;
}

const struct attribute_group ptsm_tsm_group = {
	.name = "tsm",
	.attrs = ptsm_tsm_attrs,
	.is_visible = ptsm_tsm_is_visible,
};
