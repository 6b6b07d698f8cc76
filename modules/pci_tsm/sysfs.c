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
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "pdev.h"

DEFINE_FREE(ptsm_pdev_put, struct ptsm_pdev *, ptsm_pdev_put(_T))

static struct ptsm_pdev *ptsm_dev_pd(struct device *dev)
{
	return ptsm_pdev_find(to_pci_dev(dev));
}

/* Show what @emit writes for @dev's context, under the slot lock. */
ssize_t ptsm_show_locked(struct device *dev, char *buf,
			 ssize_t (*emit)(struct ptsm_pdev *pd, char *buf))
{
	struct ptsm_pdev *pd __free(ptsm_pdev_put) = ptsm_dev_pd(dev);
	struct ptsm_pdev *owner;
	ssize_t rc;

	if (!pd)
		return -ENODEV;
	rc = ptsm_slot_lock_killable(pd, &owner);
	if (rc)
		return rc;
	rc = emit(pd, buf);
	ptsm_slot_unlock(owner);
	return rc;
}

/* The name of @tsm, or an empty line (also once the device is gone) */
static ssize_t ptsm_emit_tsm(struct ptsm_pdev *pd, char *buf,
			     struct ptsm_dev *tsm)
{
	if (pd->dead)
		tsm = NULL;
	return sysfs_emit(buf, "%s\n", tsm ? dev_name(&tsm->dev) : "");
}

static ssize_t ptsm_emit_connect(struct ptsm_pdev *pd, char *buf)
{
	return ptsm_emit_tsm(pd, buf, pd->link_tsm);
}

static ssize_t ptsm_emit_lock(struct ptsm_pdev *pd, char *buf)
{
	return ptsm_emit_tsm(pd, buf, pd->devsec_tsm);
}

static ssize_t ptsm_emit_bound(struct ptsm_pdev *pd, char *buf)
{
	return ptsm_emit_tsm(pd, buf, pd->bound_tsm ?: pd->devsec_tsm);
}

static ssize_t ptsm_emit_dsm(struct ptsm_pdev *pd, char *buf)
{
	return sysfs_emit(buf, "%s\n", pd->dsm ? pci_name(pd->dsm->pdev) : "");
}

static ssize_t ptsm_emit_offset(struct ptsm_pdev *pd, char *buf)
{
	if (pd->devsec_tsm && pd->has_report_offset)
		return sysfs_emit(buf, "0x%llx\n", pd->report_offset);
	return sysfs_emit(buf, "\n");
}

static ssize_t ptsm_emit_authenticated(struct ptsm_pdev *pd, char *buf)
{
	return sysfs_emit(buf, "%d\n", pd->dsm && pd->dsm->link_tsm);
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

/* connect/disconnect: no device lock */
static ssize_t ptsm_link_store(struct device *dev, const char *buf, size_t len,
			       int (*verb)(struct ptsm_pdev *pd, const char *buf))
{
	int rc = ptsm_verb(dev, buf, false, verb);

	if (rc)
		return rc;
	ptsm_connect_done(dev);
	return len;
}

/* lock/unlock: under the device lock */
static ssize_t ptsm_tdisp_store(struct device *dev, const char *buf, size_t len,
				int (*verb)(struct ptsm_pdev *pd, const char *buf))
{
	int rc = ptsm_verb(dev, buf, true, verb);

	return rc ? rc : len;
}

static ssize_t connect_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return ptsm_show_locked(dev, buf, ptsm_emit_connect);
}

static ssize_t connect_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t len)
{
	return ptsm_link_store(dev, buf, len, ptsm_verb_connect);
}
static DEVICE_ATTR_RW(connect);

static ssize_t disconnect_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t len)
{
	return ptsm_link_store(dev, buf, len, ptsm_disconnect);
}
static DEVICE_ATTR_WO(disconnect);

static ssize_t dsm_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return ptsm_show_locked(dev, buf, ptsm_emit_dsm);
}
static DEVICE_ATTR_RO(dsm);

static ssize_t bound_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return ptsm_show_locked(dev, buf, ptsm_emit_bound);
}
static DEVICE_ATTR_RO(bound);

static ssize_t lock_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return ptsm_show_locked(dev, buf, ptsm_emit_lock);
}

static ssize_t lock_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t len)
{
	return ptsm_tdisp_store(dev, buf, len, ptsm_verb_lock);
}
static DEVICE_ATTR_RW(lock);

static ssize_t unlock_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t len)
{
	return ptsm_tdisp_store(dev, buf, len, ptsm_unlock);
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
	return ptsm_show_locked(dev, buf, ptsm_emit_offset);
}
static DEVICE_ATTR_RO(mmio_reporting_offset);

static ssize_t authenticated_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return ptsm_show_locked(dev, buf, ptsm_emit_authenticated);
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
	[PTSM_F_TRUST] = &dev_attr_trust_level,
	[PTSM_F_REACCEPT] = &dev_attr_reaccept,
	[PTSM_F_DIGESTS] = &dev_attr_accepted_digests,
	[PTSM_F_AUTH] = &dev_attr_authenticated,
};

/*
 * tsm/ is a kobject of its own rather than a named attribute group: only a
 * file whose directory has a kobject can leave its kernfs active reference
 * (sysfs_break_active_protection()), and these stores must. connect and
 * disconnect change the files of the slot's other functions, and accept
 * releases the hold driver, which runs the PCI bus notifier chain. Device
 * removal runs in that chain and waits for every running show and store
 * of the device's tsm/ files: a store that kept its reference while
 * waiting for the chain (or for another function's files_lock, taken
 * around such waits) could deadlock with it.
 *
 * lock, unlock and accept wait for the device lock, and its holder may run
 * that chain too: a PF driver's sriov_configure adds and removes VFs under
 * its PF's device lock (sriov_numvfs), and each VF takes ptsm_pdevs_lock
 * in pci_tsm's bus notifier. The holder of ptsm_pdevs_lock in turn may
 * remove this very file and wait for its stores (a TSM's removal drops
 * every function's lock file). With its reference kept across the wait
 * for the device lock, rmmod devsec_tsm, a lock store of a PF and a write
 * of the PF's sriov_numvfs deadlocked each other (issue 14 E;
 * tests/vm/tests/core-devlock.sh).
 */
static bool ptsm_store_unprotected(const struct attribute *attr)
{
	return attr == &dev_attr_connect.attr ||
	       attr == &dev_attr_disconnect.attr ||
	       attr == &dev_attr_lock.attr ||
	       attr == &dev_attr_unlock.attr ||
	       attr == &dev_attr_accept.attr;
}

static ssize_t ptsm_dir_show(struct kobject *kobj, struct attribute *attr,
			     char *buf)
{
	struct device_attribute *da = container_of(attr, struct device_attribute, attr);

	if (!da->show)
		return -EIO;
	return da->show(kobj_to_dev(kobj->parent), da, buf);
}

static ssize_t ptsm_dir_store(struct kobject *kobj, struct attribute *attr,
			      const char *buf, size_t len)
{
	struct device_attribute *da = container_of(attr, struct device_attribute, attr);
	struct device *dev = kobj_to_dev(kobj->parent);
	struct kernfs_node *kn;
	ssize_t rc;

	if (!da->store)
		return -EIO;
	if (!ptsm_store_unprotected(attr))
		return da->store(dev, da, buf, len);
	/*
	 * Without its active reference nothing keeps rmmod or the device's
	 * removal from finishing under the store: hold the module (a store
	 * that races the unload is refused) and the device (the verbs see a
	 * removed one as dead). kobj->sd is still set: core.c removes the
	 * files before the directory, and removing this one waits for us.
	 */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	get_device(dev);
	kn = sysfs_break_active_protection(kobj, attr);
	rc = da->store(dev, da, buf, len);
	if (kn)
		sysfs_unbreak_active_protection(kn);
	put_device(dev);
	module_put(THIS_MODULE);
	return rc;
}

static const struct sysfs_ops ptsm_dir_sysfs_ops = {
	.show = ptsm_dir_show,
	.store = ptsm_dir_store,
};

static void ptsm_dir_release(struct kobject *kobj)
{
	kfree(kobj);
}

static const struct kobj_type ptsm_dir_ktype = {
	.release = ptsm_dir_release,
	.sysfs_ops = &ptsm_dir_sysfs_ops,
};

/**
 * ptsm_dir_add() - create the empty tsm/ directory of a device
 * @dev: the device
 *
 * Return: the directory's kobject, or an ERR_PTR(). core.c adds and
 * removes the files one at a time (sysfs_create_file()).
 */
struct kobject *ptsm_dir_add(struct device *dev)
{
	struct kobject *dir = kzalloc(sizeof(*dir), GFP_KERNEL);
	int rc;

	if (!dir)
		return ERR_PTR(-ENOMEM);
	rc = kobject_init_and_add(dir, &ptsm_dir_ktype, &dev->kobj, "tsm");
	if (rc) {
		kobject_put(dir);
		return ERR_PTR(rc);
	}
	return dir;
}

/* Remove the (emptied, see core.c) tsm/ directory. */
void ptsm_dir_del(struct kobject *dir)
{
	kobject_del(dir);
	kobject_put(dir);
}
