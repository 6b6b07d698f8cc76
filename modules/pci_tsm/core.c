// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_tsm core: a context for every PCI device, kept in step with the PCI
 * bus by a notifier; the sysfs files of each context, created and removed
 * as devices and TSMs come and go; TSM arrival and departure.
 */
#define pr_fmt(fmt) "pci_tsm: " fmt
#define dev_fmt(fmt) "pci_tsm: " fmt

#include <linux/cleanup.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "pdev.h"

/*
 * Serialises context creation and destruction (ptsm_pdevs insertions and
 * removals), the TSM counts below, and every walk that changes the sysfs
 * files of many devices. Never taken by a sysfs show or store.
 */
static DEFINE_MUTEX(ptsm_pdevs_lock);
/* Contexts by ptsm_key(); read under RCU, written under ptsm_pdevs_lock. */
static DEFINE_XARRAY(ptsm_pdevs);
/* Registered TSMs per kind (ptsm_pdevs_lock; read with READ_ONCE). */
static unsigned int ptsm_nr_link, ptsm_nr_devsec;

/*
 * TSM liveness: written to admit a TSM into ptsm_live or to retire it (and
 * tear down everything it holds); read across every call of a TSM op, so
 * a TSM cannot go away under a verb.
 */
DECLARE_RWSEM(ptsm_tsm_rwsem);
/* TSMs usable by verbs, by id (ptsm_tsm_rwsem). */
static DEFINE_XARRAY(ptsm_live);

/* Deferred state work (TDISP ERROR); drained at module exit. */
struct workqueue_struct *ptsm_wq;

static unsigned long ptsm_key(struct pci_dev *pdev)
{
	return ((unsigned long)pci_domain_nr(pdev->bus) << 16) |
	       (pdev->bus->number << 8) | pdev->devfn;
}

static void ptsm_pdev_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct ptsm_pdev, rcu));
}

static void ptsm_pdev_release(struct kref *kref)
{
	struct ptsm_pdev *pd = container_of(kref, struct ptsm_pdev, kref);

	pci_dev_put(pd->pdev);
	call_rcu(&pd->rcu, ptsm_pdev_free_rcu);
}

/**
 * ptsm_pdev_put() - drop a context reference
 * @pd: the context, or NULL
 *
 * Context: process context.
 */
void ptsm_pdev_put(struct ptsm_pdev *pd)
{
	if (pd)
		kref_put(&pd->kref, ptsm_pdev_release);
}

/**
 * ptsm_pdev_pci() - the PCI device of a context
 * @pd: a referenced context
 *
 * Return: the device; valid while @pd is referenced.
 */
struct pci_dev *ptsm_pdev_pci(struct ptsm_pdev *pd)
{
	return pd->pdev;
}

/**
 * ptsm_pdev_find() - the context of @pdev
 * @pdev: a PCI device
 *
 * Context: any; lockless (RCU).
 * Return: a referenced context (drop with ptsm_pdev_put()) or NULL.
 */
struct ptsm_pdev *ptsm_pdev_find(struct pci_dev *pdev)
{
	struct ptsm_pdev *pd;

	rcu_read_lock();
	pd = xa_load(&ptsm_pdevs, ptsm_key(pdev));
	if (pd && (pd->pdev != pdev || !kref_get_unless_zero(&pd->kref)))
		pd = NULL;
	rcu_read_unlock();
	return pd;
}

/**
 * ptsm_pdev_lookup() - find the context of the PCI device named @name
 * @name: PCI device name ("DDDD:BB:DD.F"), NUL-terminated
 * @out: set to a referenced context on success
 *
 * Context: process context.
 * Return: 0; -ENODEV if there is no PCI device of that name; -ENXIO if the
 * device has no context.
 */
int ptsm_pdev_lookup(const char *name, struct ptsm_pdev **out)
{
	struct device *dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
	struct ptsm_pdev *pd;

	if (!dev)
		return -ENODEV;
	pd = ptsm_pdev_find(to_pci_dev(dev));
	put_device(dev);
	if (!pd)
		return -ENXIO;
	*out = pd;
	return 0;
}

/* The context whose lock guards @pd's slot, referenced. */
static struct ptsm_pdev *ptsm_slot_owner(struct ptsm_pdev *pd)
{
	struct pci_dev *pdev = pd->pdev;
	struct ptsm_pdev *owner = NULL;
	struct pci_dev *pf0;

	if (PCI_FUNC(pdev->devfn)) {
		pf0 = pci_get_slot(pdev->bus, PCI_DEVFN(PCI_SLOT(pdev->devfn), 0));
		if (pf0) {
			owner = ptsm_pdev_find(pf0);
			pci_dev_put(pf0);
		}
	}
	if (!owner) {
		kref_get(&pd->kref);
		owner = pd;
	}
	return owner;
}

/*
 * A function-0 context that died (its teardown, done under its lock,
 * already released every function of the slot) no longer guards the
 * slot: the remaining functions fall back to their own lock.
 */
static bool ptsm_slot_owner_valid(struct ptsm_pdev *owner, struct ptsm_pdev *pd)
{
	if (owner == pd || !owner->dead)
		return true;
	mutex_unlock(&owner->lock);
	ptsm_pdev_put(owner);
	return false;
}

/**
 * ptsm_slot_lock() - take the lock serialising @pd's slot
 * @pd: a referenced context
 *
 * Context: process context, may sleep.
 * Return: the referenced, locked owner; release with ptsm_slot_unlock().
 */
struct ptsm_pdev *ptsm_slot_lock(struct ptsm_pdev *pd)
{
	struct ptsm_pdev *owner = ptsm_slot_owner(pd);

	mutex_lock(&owner->lock);
	if (ptsm_slot_owner_valid(owner, pd))
		return owner;
	kref_get(&pd->kref);
	mutex_lock(&pd->lock);
	return pd;
}

/**
 * ptsm_slot_lock_killable() - ptsm_slot_lock() for user-driven paths
 * @pd: a referenced context
 * @owner: set to the referenced, locked owner on success
 *
 * Context: process context, may sleep.
 * Return: 0 or -EINTR.
 */
int ptsm_slot_lock_killable(struct ptsm_pdev *pd, struct ptsm_pdev **owner)
{
	struct ptsm_pdev *o = ptsm_slot_owner(pd);

	if (mutex_lock_killable(&o->lock)) {
		ptsm_pdev_put(o);
		return -EINTR;
	}
	if (!ptsm_slot_owner_valid(o, pd)) {
		o = pd;
		kref_get(&o->kref);
		if (mutex_lock_killable(&o->lock)) {
			ptsm_pdev_put(o);
			return -EINTR;
		}
	}
	*owner = o;
	return 0;
}

/**
 * ptsm_slot_is_locked() - for lockdep assertions in __ helpers
 * @pd: a referenced context
 *
 * Return: true when the current task holds the lock guarding @pd's slot
 * (with lockdep; always true without it).
 */
bool ptsm_slot_is_locked(struct ptsm_pdev *pd)
{
	struct ptsm_pdev *owner;
	bool held;

	if (!IS_ENABLED(CONFIG_LOCKDEP))
		return true;
	owner = ptsm_slot_owner(pd);
	held = lockdep_is_held(&owner->lock) || lockdep_is_held(&pd->lock);
	ptsm_pdev_put(owner);
	return held;
}

/**
 * ptsm_slot_unlock() - release a slot lock
 * @owner: what ptsm_slot_lock() returned
 */
void ptsm_slot_unlock(struct ptsm_pdev *owner)
{
	mutex_unlock(&owner->lock);
	ptsm_pdev_put(owner);
}

/**
 * ptsm_pdev_peek() - the context of @pdev without a reference
 * @pdev: a PCI device
 *
 * Context: rcu_read_lock() held; the context stays allocated until the
 * read side ends. Safe in atomic and kprobe context.
 * Return: the context or NULL.
 */
struct ptsm_pdev *ptsm_pdev_peek(struct pci_dev *pdev)
{
	struct ptsm_pdev *pd = xa_load(&ptsm_pdevs, ptsm_key(pdev));

	return pd && pd->pdev == pdev ? pd : NULL;
}

/* ---- TSMs ---- */

/**
 * ptsm_live_tsm() - parse "tsmN" and find that live TSM of @mode
 * @buf: the written string (a trailing newline is allowed)
 * @mode: the kind the verb needs
 * @err: set to -EINVAL for a malformed name, -ENXIO for no such TSM of
 *	that kind, when NULL is returned
 *
 * Context: ptsm_tsm_rwsem held; the TSM stays valid while it is held.
 * Return: the TSM or NULL.
 */
struct ptsm_dev *ptsm_live_tsm(const char *buf, enum ptsm_pci_mode mode,
			       int *err)
{
	struct ptsm_dev *tsm;
	char name[16];
	size_t len;
	int id;

	lockdep_assert_held(&ptsm_tsm_rwsem);
	len = strcspn(buf, "\n");
	if (len < 4 || len >= sizeof(name) || strncmp(buf, "tsm", 3) ||
	    buf[3] == '+' || buf[3] == '-' || (buf[len] && buf[len + 1])) {
		*err = -EINVAL;
		return NULL;
	}
	memcpy(name, buf, len);
	name[len] = '\0';
	if (kstrtoint(name + 3, 10, &id) || id < 0) {
		*err = -EINVAL;
		return NULL;
	}
	tsm = xa_load(&ptsm_live, id);
	if (!tsm || tsm->mode != mode) {
		*err = -ENXIO;
		return NULL;
	}
	return tsm;
}

/**
 * ptsm_tsm_is_live() - may verbs use @tsm?
 * @tsm: a TSM pointer, possibly of a TSM already unregistered and freed
 *	(never dereferenced)
 *
 * Context: ptsm_tsm_rwsem held.
 * Return: true while @tsm is registered with pci_tsm.
 */
bool ptsm_tsm_is_live(struct ptsm_dev *tsm)
{
	struct ptsm_dev *t;
	unsigned long id;

	lockdep_assert_held(&ptsm_tsm_rwsem);
	/* compare pointers only: a caller may hold a stale one */
	xa_for_each(&ptsm_live, id, t)
		if (t == tsm)
			return true;
	return false;
}

/* ---- sysfs files ---- */

static bool ptsm_is_sibling(struct ptsm_pdev *pd)
{
	struct pci_dev *pdev = pd->pdev;
	struct ptsm_pdev *pf0pd = NULL;
	struct pci_dev *pf0;
	bool ret;

	if (!PCI_FUNC(pdev->devfn) || pdev->is_virtfn)
		return false;
	pf0 = pci_get_slot(pdev->bus, PCI_DEVFN(PCI_SLOT(pdev->devfn), 0));
	if (pf0) {
		pf0pd = ptsm_pdev_find(pf0);
		pci_dev_put(pf0);
	}
	ret = pf0pd && pf0pd->is_pf0;
	ptsm_pdev_put(pf0pd);
	return ret;
}

static unsigned long ptsm_files_wanted(struct ptsm_pdev *pd, bool *group)
{
	bool link = READ_ONCE(ptsm_nr_link);
	bool devsec = READ_ONCE(ptsm_nr_devsec);
	bool sibling = link && ptsm_is_sibling(pd);
	unsigned long want = 0;

	if (link && pd->is_pf0)
		want |= BIT(PTSM_F_CONNECT) | BIT(PTSM_F_DISCONNECT) |
			BIT(PTSM_F_DSM) | BIT(PTSM_F_BOUND) | BIT(PTSM_F_AUTH);
	if (sibling) {
		want |= BIT(PTSM_F_AUTH);
		if (READ_ONCE(pd->dsm))
			want |= BIT(PTSM_F_DSM) | BIT(PTSM_F_BOUND);
	}
	/*
	 * dsm and bound belong to the link side: upstream shows neither on an
	 * unmanaged function (bound still names a devsec TSM where visible).
	 */
	if (devsec && pd->tee)
		want |= BIT(PTSM_F_LOCK) | BIT(PTSM_F_UNLOCK) |
			BIT(PTSM_F_ACCEPT) | BIT(PTSM_F_OFFSET) |
			BIT(PTSM_F_TRUST) | BIT(PTSM_F_REACCEPT) |
			BIT(PTSM_F_DIGESTS);
	if (want & (BIT(PTSM_F_NR_GROUP) - 1))
		want |= BIT(PTSM_F_EVGEN);
	/*
	 * The directory exists for every candidate while a TSM of its kind is
	 * registered, even with nothing in it yet: a function that becomes
	 * managed later only gains files, it never gains a directory.
	 */
	*group = (link && (pd->is_pf0 || sibling)) || (devsec && pd->tee);
	return want;
}

/*
 * Remove tsm/: its files first, then the directory. kobject_del() clears
 * the directory's ->sd before it waits for the stores still running, and
 * a store about to leave its active reference looks its file up there
 * (ptsm_dir_store()); removing a file waits for that store instead.
 */
static void __ptsm_remove_dir(struct ptsm_pdev *pd)
{
	int i;

	lockdep_assert_held(&pd->files_lock);
	for_each_set_bit(i, &pd->files, PTSM_F_NR_GROUP)
		sysfs_remove_file(pd->dir, &ptsm_files[i]->attr);
	pd->files &= BIT(PTSM_F_AUTH);
	ptsm_dir_del(pd->dir);
	pd->dir = NULL;
}

static void __ptsm_sync_files(struct ptsm_pdev *pd)
{
	struct kobject *kobj = &pd->pdev->dev.kobj;
	unsigned long want, changed;
	struct kobject *dir;
	bool group;
	int i, rc;

	lockdep_assert_held(&pd->files_lock);
	if (pd->files_gone)
		return;

	want = ptsm_files_wanted(pd, &group);
	if (group && !pd->dir) {
		dir = ptsm_dir_add(&pd->pdev->dev);
		if (IS_ERR(dir))
			pci_warn(pd->pdev, "cannot create tsm/: %pe\n", dir);
		else
			pd->dir = dir;
	} else if (!group && pd->dir) {
		__ptsm_remove_dir(pd);
	}
	if (!pd->dir)
		want &= BIT(PTSM_F_AUTH);

	changed = want ^ pd->files;
	for_each_set_bit(i, &changed, PTSM_F_NR) {
		const struct attribute *attr = &ptsm_files[i]->attr;
		struct kobject *parent = i == PTSM_F_AUTH ? kobj : pd->dir;

		if (!(want & BIT(i))) {
			sysfs_remove_file(parent, attr);
			__clear_bit(i, &pd->files);
			continue;
		}
		rc = sysfs_create_file(parent, attr);
		if (rc)
			pci_warn(pd->pdev, "cannot create %s: %d\n", attr->name, rc);
		else
			__set_bit(i, &pd->files);
	}
}

static void ptsm_sync_files(struct ptsm_pdev *pd)
{
	guard(mutex)(&pd->files_lock);
	__ptsm_sync_files(pd);
}

/* Delete every file and stop touching sysfs; waits for running calls. */
static void ptsm_remove_files(struct ptsm_pdev *pd)
{
	struct kobject *kobj = &pd->pdev->dev.kobj;

	guard(mutex)(&pd->files_lock);
	if (pd->files & BIT(PTSM_F_AUTH))
		sysfs_remove_file(kobj, &ptsm_files[PTSM_F_AUTH]->attr);
	if (pd->dir)
		__ptsm_remove_dir(pd);
	pd->files = 0;
	pd->files_gone = true;
}

/**
 * ptsm_sync_files_slot() - refresh the files of the other functions of a
 *	slot after its PF0 connected or disconnected (they gain or lose
 *	dsm and bound)
 * @pf0: the referenced PF0 context
 *
 * Context: process context with no pci_tsm lock held (typically at the end
 * of the connect or disconnect store of @pf0, whose own files never change).
 */
void ptsm_sync_files_slot(struct ptsm_pdev *pf0)
{
	struct pci_dev *pdev = pf0->pdev;
	struct ptsm_pdev *pd;
	struct pci_dev *fn;
	int i;

	for (i = 1; i < 8; i++) {
		fn = pci_get_slot(pdev->bus, PCI_DEVFN(PCI_SLOT(pdev->devfn), i));
		if (!fn)
			continue;
		pd = ptsm_pdev_find(fn);
		pci_dev_put(fn);
		if (!pd)
			continue;
		ptsm_sync_files(pd);
		ptsm_pdev_put(pd);
	}
}

/**
 * ptsm_pdevs_each() - call @fn for the PCI device of every context
 * @fn: called under rcu_read_lock(); must not sleep
 * @data: passed to @fn
 */
void ptsm_pdevs_each(void (*fn)(struct pci_dev *pdev, void *data), void *data)
{
	struct ptsm_pdev *pd;
	unsigned long idx;

	rcu_read_lock();
	xa_for_each(&ptsm_pdevs, idx, pd)
		fn(pd->pdev, data);
	rcu_read_unlock();
}

static void __ptsm_sync_all_files(void)
{
	struct ptsm_pdev *pd;
	unsigned long idx;

	lockdep_assert_held(&ptsm_pdevs_lock);
	xa_for_each(&ptsm_pdevs, idx, pd)
		ptsm_sync_files(pd);
}

/* ---- contexts ---- */

static bool ptsm_has_tee(struct pci_dev *pdev)
{
	u32 cap;

	if (!pci_is_pcie(pdev))
		return false;
	if (pcie_capability_read_dword(pdev, PCI_EXP_DEVCAP, &cap))
		return false;
	return cap & PCI_EXP_DEVCAP_TEE;
}

static bool ptsm_is_pf0(struct pci_dev *pdev, bool tee)
{
	if (!pci_is_pcie(pdev) || pdev->is_virtfn || PCI_FUNC(pdev->devfn))
		return false;
	switch (pci_pcie_type(pdev)) {
	case PCI_EXP_TYPE_ENDPOINT:
	case PCI_EXP_TYPE_UPSTREAM:
	case PCI_EXP_TYPE_RC_END:
		break;
	default:
		return false;
	}
	return tee || pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_IDE);
}

static struct ptsm_pdev *ptsm_pdev_alloc(struct pci_dev *pdev)
{
	struct ptsm_pdev *pd = kzalloc(sizeof(*pd), GFP_KERNEL);

	if (!pd)
		return NULL;
	kref_init(&pd->kref);
	pd->pdev = pci_dev_get(pdev);
	pd->key = ptsm_key(pdev);
	pd->tee = ptsm_has_tee(pdev);
	pd->is_pf0 = ptsm_is_pf0(pdev, pd->tee);
	mutex_init(&pd->files_lock);
	mutex_init(&pd->lock);
	pd->state = PCI_TSM_TDISP_UNLOCKED;
	INIT_WORK(&pd->error_work, ptsm_error_work);
	ptsm_recovery_init_pdev(pd);
	mutex_init(&pd->refresh_lock);
	spin_lock_init(&pd->ev_lock);
	INIT_LIST_HEAD(&pd->refresh_node);
	return pd;
}

/*
 * Create the context of @pdev (if it has none). @probing: the device is
 * being added and not yet probed (bus notifier), so a TEE-capable one is
 * held by setting driver_override. Devices present at load are held later,
 * by ptsm_hold_existing_fn(), outside ptsm_pdevs_lock (attaching a driver
 * runs the bus notifier chain, which nests ptsm_pdevs_lock inside it).
 *
 * Fails closed: a new TEE-capable device whose context cannot be made is
 * held all the same; at load the error fails pci_tsm's init.
 */
static int __ptsm_pdev_add(struct pci_dev *pdev, bool probing)
{
	struct ptsm_pdev *pd;
	int rc;

	lockdep_assert_held(&ptsm_pdevs_lock);
	if (xa_load(&ptsm_pdevs, ptsm_key(pdev)))
		return 0;
	pd = ptsm_pdev_alloc(pdev);
	if (!pd) {
		rc = -ENOMEM;
		pci_err(pdev, "no memory for a TSM context\n");
		goto err;
	}
	rc = xa_insert(&ptsm_pdevs, pd->key, pd, GFP_KERNEL);
	if (rc) {
		pci_err(pdev, "cannot track TSM context: %d\n", rc);
		ptsm_pdev_put(pd);
		goto err;
	}
	ptsm_sync_files(pd);
	if (pd->tee && probing)
		ptsm_hold_new_device(pd);
	return 0;

err:
	if (probing && ptsm_has_tee(pdev))
		ptsm_hold_new_untracked(pdev);
	return rc;
}

/* Tear down @pd completely: files, state, then the index entry. */
static void __ptsm_pdev_del(struct ptsm_pdev *pd)
{
	bool in_run;

	lockdep_assert_held(&ptsm_pdevs_lock);
	/*
	 * ORDER: a refresh of the device gives up first (it holds no lock
	 * the teardown needs; it then publishes nothing), then the files,
	 * so no verb runs or starts during teardown.
	 */
	ptsm_evidence_refresh_abort(pd);
	ptsm_remove_files(pd);
	scoped_guard(rwsem_read, &ptsm_tsm_rwsem) {
		in_run = READ_ONCE(pd->state) == PCI_TSM_TDISP_RUN;
		__ptsm_teardown(pd, NULL);
	}
	if (in_run)
		ptsm_recovery_gone(pd, PTSM_CAUSE_REMOVE);
	flush_work(&pd->error_work);
	ptsm_recovery_flush(pd);
	ptsm_evidence_clear(pd);
	ptsm_hold_forget(pd);
	xa_erase(&ptsm_pdevs, pd->key);
	/* a function 0 that goes takes dsm/bound/authenticated of its slot */
	if (!PCI_FUNC(pd->pdev->devfn))
		ptsm_sync_files_slot(pd);
	ptsm_pdev_put(pd);
}

static int ptsm_pci_notify(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	struct ptsm_pdev *pd;

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE: {
		guard(mutex)(&ptsm_pdevs_lock);
		__ptsm_pdev_add(pdev, true);
		break;
	}
	case BUS_NOTIFY_DEL_DEVICE: {
		guard(mutex)(&ptsm_pdevs_lock);
		pd = xa_load(&ptsm_pdevs, ptsm_key(pdev));
		if (pd && pd->pdev == pdev)
			__ptsm_pdev_del(pd);
		break;
	}
	}
	return NOTIFY_DONE;
}

static struct notifier_block ptsm_pci_nb = {
	.notifier_call = ptsm_pci_notify,
};

/* ---- TSM subscriber ---- */

static int ptsm_tsm_add(struct ptsm_dev *tsm)
{
	int rc;

	if (tsm->mode == PTSM_PCI_MODE_NONE)
		return 0;

	guard(mutex)(&ptsm_pdevs_lock);
	if (tsm->mode == PTSM_PCI_MODE_LINK)
		WRITE_ONCE(ptsm_nr_link, ptsm_nr_link + 1);
	else
		WRITE_ONCE(ptsm_nr_devsec, ptsm_nr_devsec + 1);
	/* ORDER: files before the TSM becomes usable by verbs */
	__ptsm_sync_all_files();

	scoped_guard(rwsem_write, &ptsm_tsm_rwsem)
		rc = xa_insert(&ptsm_live, tsm->id, tsm, GFP_KERNEL);
	if (rc) {
		if (tsm->mode == PTSM_PCI_MODE_LINK)
			WRITE_ONCE(ptsm_nr_link, ptsm_nr_link - 1);
		else
			WRITE_ONCE(ptsm_nr_devsec, ptsm_nr_devsec - 1);
		__ptsm_sync_all_files();
		return rc;
	}
	kobject_uevent(&tsm->dev.kobj, KOBJ_CHANGE);
	return 0;
}

/*
 * Unlock every function devsec TSM @tsm locked, one at a time and without
 * ptsm_pdevs_lock: the driver of a function in RUN is unbound first
 * (ptsm_devsec_release()), and its remove() may remove devices (VFs).
 */
static void ptsm_tsm_release_devsec(struct ptsm_dev *tsm)
{
	unsigned long idx = 0;
	struct ptsm_pdev *pd;

	for (;;) {
		scoped_guard(mutex, &ptsm_pdevs_lock) {
			pd = xa_find(&ptsm_pdevs, &idx, ULONG_MAX, XA_PRESENT);
			if (pd)
				kref_get(&pd->kref);
		}
		if (!pd)
			return;
		ptsm_devsec_release(pd, tsm);
		ptsm_pdev_put(pd);
		idx++;
	}
}

static void ptsm_tsm_remove(struct ptsm_dev *tsm)
{
	struct ptsm_pdev *pd;
	unsigned long idx;

	if (tsm->mode == PTSM_PCI_MODE_NONE)
		return;

	/*
	 * ORDER: first no verb can lock or accept through the TSM and no
	 * refresh can start through it, then the refreshes running through
	 * it end, then its functions leave RUN drivers first, then whatever
	 * is left of its state is torn down.
	 */
	scoped_guard(rwsem_write, &ptsm_tsm_rwsem)
		xa_erase(&ptsm_live, tsm->id);
	ptsm_evidence_refresh_drain(tsm);
	if (tsm->mode == PTSM_PCI_MODE_DEVSEC)
		ptsm_tsm_release_devsec(tsm);

	guard(mutex)(&ptsm_pdevs_lock);
	scoped_guard(rwsem_write, &ptsm_tsm_rwsem) {
		xa_for_each(&ptsm_pdevs, idx, pd)
			__ptsm_teardown(pd, tsm);
	}
	if (tsm->mode == PTSM_PCI_MODE_LINK)
		WRITE_ONCE(ptsm_nr_link, ptsm_nr_link - 1);
	else
		WRITE_ONCE(ptsm_nr_devsec, ptsm_nr_devsec - 1);
	/*
	 * ORDER: outside ptsm_tsm_rwsem, see pdev.h. Removing the files
	 * waits, under ptsm_pdevs_lock, for the shows and stores that keep
	 * their kernfs reference: none of them waits for a device lock (the
	 * lock, unlock and accept stores leave it first, sysfs.c), whose
	 * holder may be adding a VF and wait for ptsm_pdevs_lock.
	 */
	__ptsm_sync_all_files();
}

static struct ptsm_subscriber ptsm_pci_subscriber = {
	.add = ptsm_tsm_add,
	.remove = ptsm_tsm_remove,
};

/* ---- module ---- */

static int ptsm_add_existing_fn(struct device *dev, void *data)
{
	return __ptsm_pdev_add(to_pci_dev(dev), false);
}

static int ptsm_hold_existing_fn(struct device *dev, void *data)
{
	struct ptsm_pdev *pd = ptsm_pdev_find(to_pci_dev(dev));
	int rc = 0;

	if (pd && pd->tee)
		rc = ptsm_hold_existing(pd);
	ptsm_pdev_put(pd);
	return rc;
}

/*
 * Track and hold the devices present at load. A device that could not be
 * tracked or held fails the load: pci_tsm then leaves no device half
 * managed, where a loaded pci_tsm would leave a TEE-capable one free to
 * bind unverified.
 */
static int ptsm_add_existing(void)
{
	int rc;

	/* device removal runs under the rescan lock: no half-removed device */
	pci_lock_rescan_remove();
	scoped_guard(mutex, &ptsm_pdevs_lock)
		rc = bus_for_each_dev(&pci_bus_type, NULL, NULL, ptsm_add_existing_fn);
	/* ORDER: outside ptsm_pdevs_lock, see __ptsm_pdev_add() */
	if (!rc)
		rc = bus_for_each_dev(&pci_bus_type, NULL, NULL, ptsm_hold_existing_fn);
	pci_unlock_rescan_remove();
	return rc;
}

static void ptsm_del_all(void)
{
	struct ptsm_pdev *pd;
	unsigned long idx;

	guard(mutex)(&ptsm_pdevs_lock);
	xa_for_each(&ptsm_pdevs, idx, pd)
		__ptsm_pdev_del(pd);
}

static int __init ptsm_pci_init(void)
{
	int rc;

	ptsm_wq = alloc_workqueue("pci_tsm", 0, 0);
	if (!ptsm_wq)
		return -ENOMEM;
	rc = ptsm_evidence_init();
	if (rc)
		goto err_wq;
	/* ORDER: the hold driver exists before any device is held */
	rc = pci_register_driver(&ptsm_hold_driver);
	if (rc)
		goto err_evidence;
	rc = bus_register_notifier(&pci_bus_type, &ptsm_pci_nb);
	if (rc)
		goto err_driver;
	rc = ptsm_add_existing();
	if (rc)
		goto err_notifier;
	rc = ptsm_subscribe(&ptsm_pci_subscriber);
	if (rc)
		goto err_notifier;
	rc = ptsm_netlink_init();
	if (rc)
		goto err_subscribe;
	return ptsm_recovery_init();

err_subscribe:
	ptsm_unsubscribe(&ptsm_pci_subscriber);
err_notifier:
	bus_unregister_notifier(&pci_bus_type, &ptsm_pci_nb);
	ptsm_del_all();
err_driver:
	pci_unregister_driver(&ptsm_hold_driver);
err_evidence:
	ptsm_evidence_exit();
err_wq:
	destroy_workqueue(ptsm_wq);
	return rc;
}

static void __exit ptsm_pci_exit(void)
{
	/* ORDER: no reset handler runs once the contexts go */
	ptsm_recovery_exit();
	ptsm_netlink_exit();
	ptsm_unsubscribe(&ptsm_pci_subscriber);
	bus_unregister_notifier(&pci_bus_type, &ptsm_pci_nb);
	ptsm_del_all();
	ptsm_recovery_free();
	pci_unregister_driver(&ptsm_hold_driver);
	ptsm_evidence_exit();
	destroy_workqueue(ptsm_wq);
	rcu_barrier();
}

module_init(ptsm_pci_init);
module_exit(ptsm_pci_exit);

MODULE_DESCRIPTION("PCI TSM: per-device TEE I/O context, sysfs, evidence store, driver hold");
MODULE_LICENSE("GPL");
MODULE_VERSION(PTSM_VERSION);
PTSM_IMPORT_NS();
