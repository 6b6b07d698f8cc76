// SPDX-License-Identifier: GPL-2.0-only
/*
 * Observability: /sys/kernel/debug/tsm_shim/
 *	status		readiness, mode, probes and totals (key=value lines)
 *	<pci device>/	one directory per PCI device, one file per counter
 *	test_bounce	test hook: undo a device's direct streaming DMA
 *
 * Handlers count from kprobe context (ftrace or int3, the latter NMI-like),
 * so a record is found under RCU in a hash keyed by the struct device
 * pointer. Records follow the PCI bus: created for every device present at
 * load and on BUS_NOTIFY_ADD_DEVICE, removed on BUS_NOTIFY_DEL_DEVICE.
 * Counts for devices without a record (not PCI) only reach the totals.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cleanup.h>
#include <linux/debugfs.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "shim.h"

const char *const shim_counter_names[SHIM_NR_COUNTERS] = {
	[SHIM_DIRECT_SWITCHES]		= "direct_switches",
	[SHIM_PRIVATE_ALLOCS]		= "private_allocs",
	[SHIM_SHARED_ALLOCS]		= "shared_allocs",
	[SHIM_ENCRYPTED_IOREMAPS]	= "encrypted_ioremaps",
	[SHIM_REFUSED_IOREMAPS]		= "refused_ioremaps",
};

struct shim_dev {
	struct hlist_node node;
	struct device *dev;	/* key only, never dereferenced by handlers */
	struct dentry *dir;
	atomic_t count[SHIM_NR_COUNTERS];
	struct rcu_head rcu;
};

#define SHIM_DEV_HASH_BITS 6
static DEFINE_HASHTABLE(shim_devs, SHIM_DEV_HASH_BITS);
/* Serialises adding and removing records; handlers only read, under RCU. */
static DEFINE_MUTEX(shim_devs_lock);

static atomic_t shim_total[SHIM_NR_COUNTERS];
static struct dentry *shim_root;

/* Context: rcu_read_lock() held (kprobe handlers: any context) */
static struct shim_dev *shim_find(struct device *dev)
{
	struct shim_dev *sd;

	hash_for_each_possible_rcu(shim_devs, sd, node, (unsigned long)dev)
		if (sd->dev == dev)
			return sd;
	return NULL;
}

NOKPROBE_SYMBOL(shim_find);

static struct shim_dev *__shim_find(struct device *dev)
{
	struct shim_dev *sd;

	lockdep_assert_held(&shim_devs_lock);
	hash_for_each_possible(shim_devs, sd, node, (unsigned long)dev)
		if (sd->dev == dev)
			return sd;
	return NULL;
}

/*
 * shim_count() - count one decision for @dev (NULL: only the total)
 * Context: any, including kprobe handlers in NMI-like context.
 */
void shim_count(struct device *dev, enum shim_counter c)
{
	struct shim_dev *sd;

	atomic_inc(&shim_total[c]);
	if (!dev)
		return;
	rcu_read_lock();
	sd = shim_find(dev);
	if (sd)
		atomic_inc(&sd->count[c]);
	rcu_read_unlock();
}

NOKPROBE_SYMBOL(shim_count);

unsigned int shim_dev_counter(struct device *dev, enum shim_counter c)
{
	struct shim_dev *sd;
	unsigned int v = 0;

	rcu_read_lock();
	sd = shim_find(dev);
	if (sd)
		v = atomic_read(&sd->count[c]);
	rcu_read_unlock();
	return v;
}

static void shim_dev_add(struct device *dev)
{
	struct shim_dev *sd;
	int i;

	guard(mutex)(&shim_devs_lock);
	if (__shim_find(dev))
		return;
	sd = kzalloc(sizeof(*sd), GFP_KERNEL);
	if (!sd)
		return;		/* the device just gets no counters */
	sd->dev = dev;
	sd->dir = debugfs_create_dir(dev_name(dev), shim_root);
	for (i = 0; i < SHIM_NR_COUNTERS; i++)
		debugfs_create_atomic_t(shim_counter_names[i], 0444, sd->dir,
					&sd->count[i]);
	hash_add_rcu(shim_devs, &sd->node, (unsigned long)dev);
}

static void __shim_dev_del(struct shim_dev *sd)
{
	lockdep_assert_held(&shim_devs_lock);
	hash_del_rcu(&sd->node);
	/* waits for open readers of the counter files */
	debugfs_remove_recursive(sd->dir);
	kfree_rcu(sd, rcu);
}

static void shim_dev_del(struct device *dev)
{
	struct shim_dev *sd;

	guard(mutex)(&shim_devs_lock);
	sd = __shim_find(dev);
	if (sd)
		__shim_dev_del(sd);
}

static int shim_bus_notify(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	if (action == BUS_NOTIFY_ADD_DEVICE)
		shim_dev_add(data);
	else if (action == BUS_NOTIFY_DEL_DEVICE)
		shim_dev_del(data);
	return NOTIFY_DONE;
}

static struct notifier_block shim_bus_nb = {
	.notifier_call = shim_bus_notify,
};

static int shim_dev_add_fn(struct device *dev, void *unused)
{
	shim_dev_add(dev);
	return 0;
}

static int status_show(struct seq_file *m, void *unused)
{
	char why[160] = "";
	bool ready = shim_status_ready(why, sizeof(why));
	int i;

	seq_printf(m, "ready=%d\n", ready);
	seq_printf(m, "reason=%s\n", ready ? "" : why);
	seq_printf(m, "testing=%d\n", shim_testing);
	seq_printf(m, "confidential=%d\n", shim_confidential);
	shim_show_probes(m);
	for (i = 0; i < SHIM_NR_COUNTERS; i++)
		seq_printf(m, "%s=%d\n", shim_counter_names[i],
			   atomic_read(&shim_total[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(status);

/*
 * test_bounce: write a PCI device name to point its dma_io_tlb_mem back at
 * the bouncing pool behind the shim's back, as another module could; the
 * watchdog must report the device (shim-inforce).
 */
static ssize_t test_bounce_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char *name __free(kfree) = NULL;
	struct device *dev;
	int ret;

	if (!count || count >= 32)
		return -EINVAL;
	name = memdup_user_nul(ubuf, count);
	if (IS_ERR(name))
		return PTR_ERR(name);
	dev = bus_find_device_by_name(&pci_bus_type, NULL, strim(name));
	if (!dev)
		return -ENODEV;
	ret = shim_dma_test_reset(to_pci_dev(dev));
	put_device(dev);
	return ret ?: count;
}

static const struct file_operations test_bounce_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = test_bounce_write,
	.llseek = noop_llseek,
};

int shim_debugfs_init(void)
{
	int ret;

	shim_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("status", 0444, shim_root, NULL, &status_fops);
	debugfs_create_file("test_bounce", 0200, shim_root, NULL, &test_bounce_fops);

	/* ORDER: notifier first, then the walk; shim_dev_add() skips duplicates */
	ret = bus_register_notifier(&pci_bus_type, &shim_bus_nb);
	if (ret) {
		debugfs_remove_recursive(shim_root);
		return ret;
	}
	/* holds off PCI device removal during the walk */
	pci_lock_rescan_remove();
	bus_for_each_dev(&pci_bus_type, NULL, NULL, shim_dev_add_fn);
	pci_unlock_rescan_remove();
	return 0;
}

void shim_debugfs_exit(void)
{
	struct hlist_node *tmp;
	struct shim_dev *sd;
	int bkt;

	bus_unregister_notifier(&pci_bus_type, &shim_bus_nb);
	scoped_guard(mutex, &shim_devs_lock)
		hash_for_each_safe(shim_devs, bkt, tmp, sd, node)
			__shim_dev_del(sd);
	debugfs_remove_recursive(shim_root);
}
