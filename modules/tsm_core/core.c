// SPDX-License-Identifier: GPL-2.0-only
/*
 * tsm_core: the "tsm" device class. Platform TSM drivers register here and
 * get /sys/class/tsm/tsmN; subscribers (pci_tsm) are told about every TSM
 * that comes and goes. Also owns the per-bridge tsmN/pciDDDD:BB links.
 */
#define pr_fmt(fmt) "tsm_core: " fmt

#include <linux/error-injection.h>
#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <ptsm/tsm_core.h>

/*
 * struct ptsm_core_dev - tsm_core's private wrapper of a registered TSM
 * @tsm: the public part handed to drivers and subscribers
 * @node: entry in ptsm_list (under ptsm_list_lock)
 * @links: struct ptsm_bridge_link entries (under ptsm_link_lock)
 */
struct ptsm_core_dev {
	struct ptsm_dev tsm;
	struct list_head node;
	struct list_head links;
};

/*
 * struct ptsm_bridge_link - one tsmN/pciDDDD:BB symlink
 * @node: entry in ptsm_core_dev.links
 * @bridge: referenced host bridge device
 * @count: IDE streams through this TSM using @bridge
 * @name: the link name
 */
struct ptsm_bridge_link {
	struct list_head node;
	struct device *bridge;
	unsigned int count;
	char name[24];
};

static struct ptsm_core_dev *to_core(struct ptsm_dev *tsm)
{
	return container_of(tsm, struct ptsm_core_dev, tsm);
}

static DEFINE_IDA(ptsm_ida);

/*
 * Serialises registration, unregistration and the subscriber list, so a
 * subscriber sees each TSM added exactly once and removed exactly once.
 * Subscriber callbacks run under it.
 */
static DEFINE_MUTEX(ptsm_core_lock);
static LIST_HEAD(ptsm_subscribers);

/*
 * Protects ptsm_list for lookups by name. A spinlock, never held across
 * anything that sleeps, so lookups never wait for a subscriber callback.
 */
static DEFINE_SPINLOCK(ptsm_list_lock);
static LIST_HEAD(ptsm_list);

/* Serialises the bridge link lists and their reference counts. */
static DEFINE_MUTEX(ptsm_link_lock);

static const char *const ptsm_mode_names[] = {
	[PTSM_PCI_MODE_NONE] = "none",
	[PTSM_PCI_MODE_LINK] = "link",
	[PTSM_PCI_MODE_DEVSEC] = "devsec",
};

static ssize_t pci_mode_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct ptsm_dev *tsm = to_ptsm_dev(dev);

	return sysfs_emit(buf, "%s\n", ptsm_mode_names[tsm->mode]);
}
static DEVICE_ATTR_RO(pci_mode);

static struct attribute *ptsm_attrs[] = {
	&dev_attr_pci_mode.attr,
	NULL,
};
ATTRIBUTE_GROUPS(ptsm);

static void ptsm_release(struct device *dev)
{
	struct ptsm_core_dev *cd = to_core(to_ptsm_dev(dev));

	ida_free(&ptsm_ida, cd->tsm.id);
	kfree(cd);
}

static struct class ptsm_class = {
	.name = "tsm",
	.dev_groups = ptsm_groups,
};

static bool link_ops_filled(const struct ptsm_link_ops *ops)
{
	return ops->probe || ops->remove || ops->connect || ops->disconnect ||
	       ops->bind || ops->unbind || ops->guest_req;
}

static bool devsec_ops_filled(const struct ptsm_devsec_ops *ops)
{
	return ops->lock || ops->unlock || ops->accept;
}

static int ptsm_ops_mode(const struct ptsm_ops *ops, enum ptsm_pci_mode *mode)
{
	bool link = link_ops_filled(&ops->link);
	bool devsec = devsec_ops_filled(&ops->devsec);

	/* ABI 2.1: both groups is a contradiction; neither is pci_mode none */
	if (link && devsec)
		return -EINVAL;
	if (link && (!ops->link.connect || !ops->link.disconnect))
		return -EINVAL;
	if (devsec && (!ops->devsec.lock || !ops->devsec.unlock ||
		       !ops->devsec.accept))
		return -EINVAL;
	if (link)
		*mode = PTSM_PCI_MODE_LINK;
	else if (devsec)
		*mode = PTSM_PCI_MODE_DEVSEC;
	else
		*mode = PTSM_PCI_MODE_NONE;
	return 0;
}

/* Tell every subscriber about @tsm; on failure undo the ones already told. */
static int __ptsm_notify_add(struct ptsm_dev *tsm)
{
	struct ptsm_subscriber *sub, *undo;
	int rc;

	lockdep_assert_held(&ptsm_core_lock);
	list_for_each_entry(sub, &ptsm_subscribers, node) {
		rc = sub->add(tsm);
		if (!rc)
			continue;
		list_for_each_entry(undo, &ptsm_subscribers, node) {
			if (undo == sub)
				break;
			undo->remove(tsm);
		}
		return rc;
	}
	return 0;
}

static void __ptsm_notify_remove(struct ptsm_dev *tsm)
{
	struct ptsm_subscriber *sub;

	lockdep_assert_held(&ptsm_core_lock);
	list_for_each_entry_reverse(sub, &ptsm_subscribers, node)
		sub->remove(tsm);
}

static struct ptsm_core_dev *ptsm_alloc(struct device *parent,
					const struct ptsm_ops *ops,
					void *drvdata, enum ptsm_pci_mode mode)
{
	struct ptsm_core_dev *cd __free(kfree) = kzalloc(sizeof(*cd), GFP_KERNEL);
	int id;

	if (!cd)
		return ERR_PTR(-ENOMEM);
	id = ida_alloc(&ptsm_ida, GFP_KERNEL);
	if (id < 0)
		return ERR_PTR(id);

	INIT_LIST_HEAD(&cd->node);
	INIT_LIST_HEAD(&cd->links);
	cd->tsm.id = id;
	cd->tsm.ops = ops;
	cd->tsm.mode = mode;
	cd->tsm.drvdata = drvdata;
	device_initialize(&cd->tsm.dev);
	cd->tsm.dev.class = &ptsm_class;
	cd->tsm.dev.parent = parent;
	cd->tsm.dev.release = ptsm_release;
	/* from here on put_device() frees @cd and the id */
	return no_free_ptr(cd);
}

/* Add tsmN and announce it; undo both when a subscriber refuses. */
static int ptsm_add(struct ptsm_core_dev *cd)
{
	int rc;

	guard(mutex)(&ptsm_core_lock);
	rc = device_add(&cd->tsm.dev);
	if (rc)
		return rc;

	spin_lock(&ptsm_list_lock);
	list_add_tail(&cd->node, &ptsm_list);
	spin_unlock(&ptsm_list_lock);

	rc = __ptsm_notify_add(&cd->tsm);
	if (rc) {
		spin_lock(&ptsm_list_lock);
		list_del_init(&cd->node);
		spin_unlock(&ptsm_list_lock);
		device_del(&cd->tsm.dev);
	}
	return rc;
}

/**
 * ptsm_register() - create /sys/class/tsm/tsmN for a TSM driver
 * @parent: the TSM driver's (platform) device; becomes tsmN/device
 * @ops: operations, exactly one of @ops->link / @ops->devsec filled
 * @drvdata: stored in ptsm_dev.drvdata
 *
 * Adds tsmN, then tells every subscriber (pci_tsm announces it to the PCI
 * layer and emits KOBJ_CHANGE). If a subscriber refuses, tsmN is removed.
 *
 * Context: process context, may sleep; takes ptsm_core_lock.
 * Return: the new TSM (pci_mode none when neither op group is filled: the
 * PCI layer ignores it), ERR_PTR(-EINVAL) when both groups are filled, a
 * group misses a mandatory op or @ops is NULL, or another ERR_PTR.
 */
struct ptsm_dev *ptsm_register(struct device *parent,
			       const struct ptsm_ops *ops, void *drvdata)
{
	struct ptsm_core_dev *cd;
	enum ptsm_pci_mode mode;
	int rc;

	if (!ops)
		return ERR_PTR(-EINVAL);
	rc = ptsm_ops_mode(ops, &mode);
	if (rc)
		return ERR_PTR(rc);

	cd = ptsm_alloc(parent, ops, drvdata, mode);
	if (IS_ERR(cd))
		return ERR_CAST(cd);

	rc = dev_set_name(&cd->tsm.dev, "tsm%d", cd->tsm.id);
	if (!rc)
		rc = ptsm_add(cd);
	if (rc) {
		put_device(&cd->tsm.dev);
		return ERR_PTR(rc);
	}
	dev_dbg(&cd->tsm.dev, "registered, pci_mode %s\n", ptsm_mode_names[mode]);
	return &cd->tsm;
}

PTSM_EXPORT(ptsm_register);
/* The fault-injection test of the debug lane fails it (fail_function). */
ALLOW_ERROR_INJECTION(ptsm_register, ERRNO);

static void ptsm_remove_links(struct ptsm_core_dev *cd)
{
	struct ptsm_bridge_link *l, *next;

	guard(mutex)(&ptsm_link_lock);
	list_for_each_entry_safe(l, next, &cd->links, node) {
		dev_warn(&cd->tsm.dev, "dropping link %s with %u users\n",
			 l->name, l->count);
		sysfs_remove_link(&cd->tsm.dev.kobj, l->name);
		list_del(&l->node);
		put_device(l->bridge);
		kfree(l);
	}
}

/**
 * ptsm_unregister() - remove a TSM
 * @tsm: a TSM returned by ptsm_register()
 *
 * Subscribers first tear down every device state the TSM holds
 * (disconnect, unbind, unlock); then its bridge links and tsmN go away.
 *
 * Context: process context, may sleep; takes ptsm_core_lock.
 */
void ptsm_unregister(struct ptsm_dev *tsm)
{
	struct ptsm_core_dev *cd;

	if (IS_ERR_OR_NULL(tsm))
		return;
	cd = to_core(tsm);

	scoped_guard(mutex, &ptsm_core_lock) {
		spin_lock(&ptsm_list_lock);
		list_del_init(&cd->node);
		spin_unlock(&ptsm_list_lock);
		__ptsm_notify_remove(tsm);
	}
	ptsm_remove_links(cd);
	device_unregister(&tsm->dev);
}

PTSM_EXPORT(ptsm_unregister);

/**
 * ptsm_find_by_name() - look up a registered TSM by its "tsmN" name
 * @name: the TSM's device name; a trailing newline is ignored
 *
 * Context: any context that may take a spinlock.
 * Return: a referenced TSM (drop with ptsm_put()) or NULL.
 */
struct ptsm_dev *ptsm_find_by_name(const char *name)
{
	struct ptsm_core_dev *cd;

	if (!name)
		return NULL;
	struct ptsm_dev *found = NULL;

	spin_lock(&ptsm_list_lock);
	list_for_each_entry(cd, &ptsm_list, node) {
		if (sysfs_streq(dev_name(&cd->tsm.dev), name)) {
			found = &cd->tsm;
			get_device(&found->dev);
			break;
		}
	}
	spin_unlock(&ptsm_list_lock);
	return found;
}

PTSM_EXPORT(ptsm_find_by_name);

/**
 * ptsm_put() - drop a reference taken by ptsm_find_by_name()
 * @tsm: the TSM, or NULL
 *
 * Context: process context (the last put frees the TSM).
 */
void ptsm_put(struct ptsm_dev *tsm)
{
	if (tsm)
		put_device(&tsm->dev);
}

PTSM_EXPORT(ptsm_put);

/**
 * ptsm_subscribe() - get told about TSMs coming and going
 * @sub: the subscriber; @sub->add is called for every TSM already
 *	registered before this returns
 *
 * Context: process context, may sleep; takes ptsm_core_lock.
 * Return: 0, or the error of @sub->add for an existing TSM (then nothing
 * stays subscribed and every TSM already added is removed again).
 */
int ptsm_subscribe(struct ptsm_subscriber *sub)
{
	struct ptsm_core_dev *cd, *undo;
	int rc;

	guard(mutex)(&ptsm_core_lock);
	list_for_each_entry(cd, &ptsm_list, node) {
		rc = sub->add(&cd->tsm);
		if (!rc)
			continue;
		list_for_each_entry(undo, &ptsm_list, node) {
			if (undo == cd)
				break;
			sub->remove(&undo->tsm);
		}
		return rc;
	}
	list_add_tail(&sub->node, &ptsm_subscribers);
	return 0;
}

PTSM_EXPORT(ptsm_subscribe);

/**
 * ptsm_unsubscribe() - undo ptsm_subscribe()
 * @sub: the subscriber; @sub->remove is called for every registered TSM
 *
 * Context: process context, may sleep; takes ptsm_core_lock.
 */
void ptsm_unsubscribe(struct ptsm_subscriber *sub)
{
	struct ptsm_core_dev *cd;

	guard(mutex)(&ptsm_core_lock);
	list_del(&sub->node);
	list_for_each_entry_reverse(cd, &ptsm_list, node)
		sub->remove(&cd->tsm);
}

PTSM_EXPORT(ptsm_unsubscribe);

static struct ptsm_bridge_link *__ptsm_link_find(struct ptsm_core_dev *cd,
						 struct device *bridge)
{
	struct ptsm_bridge_link *l;

	lockdep_assert_held(&ptsm_link_lock);
	list_for_each_entry(l, &cd->links, node)
		if (l->bridge == bridge)
			return l;
	return NULL;
}

/**
 * ptsm_bridge_link_get() - take a reference on the tsmN/pciDDDD:BB link
 * @tsm: the TSM establishing an IDE stream
 * @bridge: the host bridge the stream goes through
 *
 * The first reference creates the symlink from tsmN to @bridge, named after
 * the bridge's PCI domain and root bus number.
 *
 * Context: process context, may sleep; takes ptsm_link_lock.
 * Return: 0 or -errno (-ENOMEM, or the error of sysfs_create_link()).
 */
int ptsm_bridge_link_get(struct ptsm_dev *tsm, struct pci_host_bridge *bridge)
{
	struct ptsm_core_dev *cd = to_core(tsm);
	struct ptsm_bridge_link *l;
	int rc;

	if (!bridge || !bridge->bus)
		return -EINVAL;

	guard(mutex)(&ptsm_link_lock);
	l = __ptsm_link_find(cd, &bridge->dev);
	if (l) {
		l->count++;
		return 0;
	}

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	snprintf(l->name, sizeof(l->name), "pci%04x:%02x",
		 pci_domain_nr(bridge->bus), bridge->bus->number);
	rc = sysfs_create_link(&tsm->dev.kobj, &bridge->dev.kobj, l->name);
	if (rc) {
		kfree(l);
		return rc;
	}
	l->bridge = get_device(&bridge->dev);
	l->count = 1;
	list_add_tail(&l->node, &cd->links);
	return 0;
}

PTSM_EXPORT(ptsm_bridge_link_get);
/* The fault-injection test of the debug lane fails it (fail_function). */
ALLOW_ERROR_INJECTION(ptsm_bridge_link_get, ERRNO);

/**
 * ptsm_bridge_link_put() - drop a reference taken by ptsm_bridge_link_get()
 * @tsm: the TSM
 * @bridge: the host bridge
 *
 * The last reference removes the symlink. A put without a get is ignored
 * (the link may already be gone because the TSM is unregistering).
 *
 * Context: process context, may sleep; takes ptsm_link_lock.
 */
void ptsm_bridge_link_put(struct ptsm_dev *tsm, struct pci_host_bridge *bridge)
{
	struct ptsm_core_dev *cd = to_core(tsm);
	struct ptsm_bridge_link *l;

	if (!bridge)
		return;

	guard(mutex)(&ptsm_link_lock);
	l = __ptsm_link_find(cd, &bridge->dev);
	if (!l || --l->count)
		return;
	sysfs_remove_link(&tsm->dev.kobj, l->name);
	list_del(&l->node);
	put_device(l->bridge);
	kfree(l);
}

PTSM_EXPORT(ptsm_bridge_link_put);

static int __init ptsm_core_init(void)
{
	return class_register(&ptsm_class);
}

static void __exit ptsm_core_exit(void)
{
	class_unregister(&ptsm_class);
	ida_destroy(&ptsm_ida);
}

module_init(ptsm_core_init);
module_exit(ptsm_core_exit);

MODULE_DESCRIPTION("TSM class: /sys/class/tsm and the TSM driver registration API");
MODULE_LICENSE("GPL");
MODULE_VERSION(PTSM_VERSION);
