// SPDX-License-Identifier: GPL-2.0-only
/*
 * devsec_pci: sample endpoint driver for the devsec functions (8086:ffff)
 * that lets tests watch tsm_shim's decisions from inside the kernel.
 *
 * It binds only where an administrator asked for it with driver_override:
 * the functions belong to the TSM flow, which decides when a driver may
 * attach. Probe does what an ordinary driver (nvme) does: it requests its
 * memory regions, maps BAR0 with pci_iomap() and holds 4 KiB of coherent
 * DMA until remove; when the ioremap is refused (TEE MMIO on a host that
 * cannot encrypt it) the bind fails with -EINVAL, as it does upstream.
 * MSI-X is enabled when the msix parameter is set.
 *
 * /sys/kernel/debug/devsec_pci/<device>/
 *	selftest  write 1: map a 4 KiB buffer for streaming DMA (is the
 *		  address in the swiotlb pool?), allocate
 *		  coherent memory, ioremap BAR0 and the MSI-X table range;
 *		  read: the outcome of the last run as key=value lines
 *		  (resets=N: function resets the driver went through,
 *		  recoveries=N: PCI error recoveries, error_detected())
 *	hammer    write N: a kernel thread maps and unmaps a 4 KiB buffer N
 *		  times; "N coherent": also allocates and frees 4 KiB of
 *		  coherent memory each time; 0 stops it; read: running, done,
 *		  errors, target
 *	bench     write N: time N map+unmap of 4 KiB and of 64 KiB buffers;
 *		  read: nanoseconds per map+unmap pair of the last run, the
 *		  mean and that of the fastest batch of 64
 *	ioremap   write "OFFSET SIZE": ioremap that range, OFFSET relative to
 *		  BAR0 (may be negative or reach past BAR0, to straddle its
 *		  edges); read: the range and whether it was refused
 *	claim     write "OFFSET SIZE" (inside BAR0): request_mem_region() it
 *		  as a second claimant would; read: claim=granted or busy
 */
#define dev_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cleanup.h>
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kthread.h>
#include <linux/mem_encrypt.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swiotlb.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "devsec.h"

static bool devsec_msix;
module_param_named(msix, devsec_msix, bool, 0444);
MODULE_PARM_DESC(msix, "Enable one MSI-X vector at probe (default: off)");

#define DEVSEC_HAMMER_MAX	100000000U
#define DEVSEC_BENCH_MAX	1000000U
#define DEVSEC_RESULT_SIZE	768

struct devsec_bench {
	u64 mean_ns;	/* over all N pairs */
	u64 best_ns;	/* per pair, in the fastest batch */
};

struct devsec_pci {
	struct pci_dev *pdev;
	void __iomem *bar0;
	void *held_cpu;		/* coherent buffer held from probe to remove */
	dma_addr_t held_dma;
	bool msix_enabled;
	struct dentry *dir;

	/* Serialises the debugfs triggers and guards what they leave behind. */
	struct mutex lock;
	char result[DEVSEC_RESULT_SIZE];
	size_t result_len;
	char ioremap_result[DEVSEC_RESULT_SIZE];
	size_t ioremap_len;
	char claim_result[128];
	size_t claim_len;
	struct devsec_bench bench[2];	/* 4 KiB, 64 KiB */
	unsigned int bench_iters;

	struct task_struct *hammer;
	unsigned int hammer_target;
	bool hammer_coherent;
	atomic_t hammer_done;
	atomic_t hammer_errors;
	bool hammer_running;

	unsigned int resets;	/* function resets gone through (lock) */
	unsigned int recoveries; /* error recoveries gone through (lock) */
};

static struct dentry *devsec_pci_root;

/* ---- selftest ---- */

struct devsec_out {
	char *buf;
	size_t len;
};

static __printf(2, 3) void out(struct devsec_out *o, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	o->len += vscnprintf(o->buf + o->len, DEVSEC_RESULT_SIZE - o->len,
			     fmt, args);
	va_end(args);
}

static void selftest_streaming(struct devsec_pci *dp, struct devsec_out *o)
{
	void *buf __free(kfree) = kzalloc(SZ_4K, GFP_KERNEL);
	struct device *dev = &dp->pdev->dev;
	phys_addr_t phys;
	dma_addr_t addr;

	if (!buf) {
		out(o, "dma=nomem\n");
		return;
	}
	phys = virt_to_phys(buf);
	addr = dma_map_single(dev, buf, SZ_4K, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, addr)) {
		out(o, "dma=error\nphys=0x%llx\n", (u64)phys);
		return;
	}
	out(o, "dma=ok\ndma_addr=0x%llx\nphys=0x%llx\nbounced=%d\nin_swiotlb=%d\n",
	    (u64)addr, (u64)phys, addr != phys,
	    compat_is_swiotlb_buffer(dev, __sme_clr(addr)));
	dma_unmap_single(dev, addr, SZ_4K, DMA_BIDIRECTIONAL);
}

static void selftest_coherent(struct devsec_pci *dp, struct devsec_out *o)
{
	struct device *dev = &dp->pdev->dev;
	dma_addr_t addr;
	void *cpu;

	cpu = dma_alloc_coherent(dev, SZ_4K, &addr, GFP_KERNEL);
	if (!cpu) {
		out(o, "coherent=error\n");
		return;
	}
	out(o, "coherent=ok\ncoherent_dma=0x%llx\n", (u64)addr);
	dma_free_coherent(dev, SZ_4K, cpu, addr);
}

/* ioremap() a range the way a driver would; report whether it was refused */
static void selftest_ioremap(struct devsec_out *o, const char *name,
			     resource_size_t start, resource_size_t size)
{
	void __iomem *p;

	out(o, "%s_range=0x%llx+0x%llx\n", name, (u64)start, (u64)size);
	p = ioremap(start, size);
	out(o, "%s_ioremap=%s\n", name, p ? "ok" : "refused");
	if (p)
		iounmap(p);
}

static void selftest_mmio(struct devsec_pci *dp, struct devsec_out *o)
{
	struct pci_dev *pdev = dp->pdev;
	u32 table;
	int nr;

	selftest_ioremap(o, "bar0", pci_resource_start(pdev, 0),
			 pci_resource_len(pdev, 0));

	nr = pci_msix_vec_count(pdev);
	if (!pdev->msix_cap || nr <= 0) {
		out(o, "msix_ioremap=absent\n");
		return;
	}
	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE, &table);
	selftest_ioremap(o, "msix",
			 pci_resource_start(pdev, table & PCI_MSIX_TABLE_BIR) +
			 (table & PCI_MSIX_TABLE_OFFSET),
			 nr * PCI_MSIX_ENTRY_SIZE);
}

static void devsec_selftest(struct devsec_pci *dp)
{
	struct devsec_out o = { .buf = dp->result };

	lockdep_assert_held(&dp->lock);
	out(&o, "device=%s\nmsix_enabled=%d\nresets=%u\nrecoveries=%u\n",
	    pci_name(dp->pdev), dp->msix_enabled, dp->resets, dp->recoveries);
	selftest_streaming(dp, &o);
	selftest_coherent(dp, &o);
	selftest_mmio(dp, &o);
	dp->result_len = o.len;
}

static ssize_t selftest_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct devsec_pci *dp = file->private_data;
	bool run;
	int ret;

	ret = kstrtobool_from_user(ubuf, count, &run);
	if (ret)
		return ret;
	if (!run)
		return -EINVAL;
	guard(mutex)(&dp->lock);
	devsec_selftest(dp);
	return count;
}

static ssize_t selftest_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct devsec_pci *dp = file->private_data;

	guard(mutex)(&dp->lock);
	if (!dp->result_len)
		return simple_read_from_buffer(ubuf, count, ppos, "\n", 1);
	return simple_read_from_buffer(ubuf, count, ppos, dp->result,
				       dp->result_len);
}

static const struct file_operations selftest_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = selftest_read,
	.write = selftest_write,
	.llseek = default_llseek,
};

/* ---- ioremap: one arbitrary range around BAR0 ---- */

static ssize_t ioremap_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct devsec_pci *dp = file->private_data;
	resource_size_t len = pci_resource_len(dp->pdev, 0);
	struct devsec_out o = { .buf = dp->ioremap_result };
	long long off, size;
	char buf[64];

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%lli %lli", &off, &size) != 2)
		return -EINVAL;
	/* stay within one BAR size of BAR0 on either side */
	if (!len || size <= 0 || size > 2 * (long long)len ||
	    off < -(long long)len || off > 2 * (long long)len)
		return -ERANGE;

	guard(mutex)(&dp->lock);
	selftest_ioremap(&o, "range", pci_resource_start(dp->pdev, 0) + off,
			 size);
	dp->ioremap_len = o.len;
	return count;
}

static ssize_t ioremap_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct devsec_pci *dp = file->private_data;

	guard(mutex)(&dp->lock);
	if (!dp->ioremap_len)
		return simple_read_from_buffer(ubuf, count, ppos, "\n", 1);
	return simple_read_from_buffer(ubuf, count, ppos, dp->ioremap_result,
				       dp->ioremap_len);
}

static const struct file_operations ioremap_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = ioremap_read,
	.write = ioremap_write,
	.llseek = default_llseek,
};

/* ---- claim: a second claimant's request_mem_region() ---- */

/*
 * Stands for another driver: requests "OFFSET SIZE" (relative to BAR0)
 * under a name of its own and releases it at once. While this driver
 * holds its regions, any range inside BAR0 must come back busy.
 */
static ssize_t claim_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	struct devsec_pci *dp = file->private_data;
	resource_size_t len = pci_resource_len(dp->pdev, 0);
	struct devsec_out o = { .buf = dp->claim_result };
	resource_size_t start;
	long long off, size;
	struct resource *r;
	char buf[64];

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%lli %lli", &off, &size) != 2)
		return -EINVAL;
	if (!len || size <= 0 || off < 0 || off + size > (long long)len)
		return -ERANGE;

	guard(mutex)(&dp->lock);
	start = pci_resource_start(dp->pdev, 0) + off;
	r = request_mem_region(start, size, "devsec_pci claim");
	out(&o, "claim_range=0x%llx+0x%llx\nclaim=%s\n", (u64)start,
	    (u64)size, r ? "granted" : "busy");
	if (r)
		release_mem_region(start, size);
	dp->claim_len = o.len;
	return count;
}

static ssize_t claim_read(struct file *file, char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	struct devsec_pci *dp = file->private_data;

	guard(mutex)(&dp->lock);
	if (!dp->claim_len)
		return simple_read_from_buffer(ubuf, count, ppos, "\n", 1);
	return simple_read_from_buffer(ubuf, count, ppos, dp->claim_result,
				       dp->claim_len);
}

static const struct file_operations claim_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = claim_read,
	.write = claim_write,
	.llseek = default_llseek,
};

/* ---- hammer: map/unmap from a kernel thread ---- */

static int devsec_hammer_fn(void *data)
{
	struct devsec_pci *dp = data;
	struct device *dev = &dp->pdev->dev;
	unsigned int i;
	void *buf;

	buf = kzalloc(SZ_4K, GFP_KERNEL);
	for (i = 0; buf && i < dp->hammer_target && !kthread_should_stop(); i++) {
		dma_addr_t addr = dma_map_single(dev, buf, SZ_4K, DMA_TO_DEVICE);

		if (dma_mapping_error(dev, addr))
			atomic_inc(&dp->hammer_errors);
		else
			dma_unmap_single(dev, addr, SZ_4K, DMA_TO_DEVICE);
		if (dp->hammer_coherent) {
			dma_addr_t handle;
			void *cpu = dma_alloc_coherent(dev, SZ_4K, &handle,
						       GFP_KERNEL);

			if (cpu)
				dma_free_coherent(dev, SZ_4K, cpu, handle);
			else
				atomic_inc(&dp->hammer_errors);
		}
		atomic_inc(&dp->hammer_done);
		cond_resched();
	}
	if (!buf)
		atomic_inc(&dp->hammer_errors);
	kfree(buf);
	WRITE_ONCE(dp->hammer_running, false);

	/* stay until kthread_stop(), so the task is always there to stop */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void __devsec_hammer_stop(struct devsec_pci *dp)
{
	lockdep_assert_held(&dp->lock);
	if (!dp->hammer)
		return;
	kthread_stop(dp->hammer);
	dp->hammer = NULL;
	WRITE_ONCE(dp->hammer_running, false);
}

static ssize_t hammer_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct devsec_pci *dp = file->private_data;
	bool coherent = false;
	struct task_struct *t;
	char buf[32], *mode;
	unsigned int n;
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	mode = strim(buf);
	ret = kstrtouint(strsep(&mode, " "), 0, &n);
	if (ret)
		return ret;
	if (mode) {
		if (strcmp(strim(mode), "coherent"))
			return -EINVAL;
		coherent = true;
	}
	if (n > DEVSEC_HAMMER_MAX)
		return -ERANGE;

	guard(mutex)(&dp->lock);
	if (n && READ_ONCE(dp->hammer_running))
		return -EBUSY;
	__devsec_hammer_stop(dp);
	if (!n)
		return count;

	dp->hammer_target = n;
	dp->hammer_coherent = coherent;
	atomic_set(&dp->hammer_done, 0);
	atomic_set(&dp->hammer_errors, 0);
	WRITE_ONCE(dp->hammer_running, true);
	t = kthread_run(devsec_hammer_fn, dp, "devsec_hammer/%s",
			pci_name(dp->pdev));
	if (IS_ERR(t)) {
		WRITE_ONCE(dp->hammer_running, false);
		return PTR_ERR(t);
	}
	dp->hammer = t;
	return count;
}

static ssize_t hammer_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	struct devsec_pci *dp = file->private_data;
	char buf[128];
	int len;

	len = scnprintf(buf, sizeof(buf),
			"running=%d\ndone=%d\nerrors=%d\ntarget=%u\ncoherent=%d\n",
			READ_ONCE(dp->hammer_running),
			atomic_read(&dp->hammer_done),
			atomic_read(&dp->hammer_errors),
			READ_ONCE(dp->hammer_target),
			READ_ONCE(dp->hammer_coherent));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations hammer_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = hammer_read,
	.write = hammer_write,
	.llseek = default_llseek,
};

/* ---- bench: cost of one streaming map+unmap ---- */

#define DEVSEC_BENCH_BATCH	64

/*
 * Time @n map+unmap pairs of @size bytes in batches. The fastest batch
 * filters out time the vCPU spent preempted by the host, which dominates
 * the mean on a busy machine.
 */
static int devsec_bench_one(struct devsec_pci *dp, size_t size,
			    unsigned int n, struct devsec_bench *b)
{
	void *buf __free(kfree) = kzalloc(size, GFP_KERNEL);
	struct device *dev = &dp->pdev->dev;
	unsigned int done, i, k;
	u64 t0, dt, total = 0;

	if (!buf)
		return -ENOMEM;
	b->best_ns = U64_MAX;
	for (done = 0; done < n; done += k) {
		k = min(n - done, DEVSEC_BENCH_BATCH);
		t0 = ktime_get_ns();
		for (i = 0; i < k; i++) {
			dma_addr_t addr = dma_map_single(dev, buf, size,
							 DMA_TO_DEVICE);

			if (dma_mapping_error(dev, addr))
				return -EIO;
			dma_unmap_single(dev, addr, size, DMA_TO_DEVICE);
		}
		dt = ktime_get_ns() - t0;
		total += dt;
		b->best_ns = min(b->best_ns, div_u64(dt, k));
		cond_resched();
	}
	b->mean_ns = div_u64(total, n);
	return 0;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	struct devsec_pci *dp = file->private_data;
	unsigned int n;
	int ret;

	ret = kstrtouint_from_user(ubuf, count, 0, &n);
	if (ret)
		return ret;
	if (!n || n > DEVSEC_BENCH_MAX)
		return -ERANGE;

	guard(mutex)(&dp->lock);
	dp->bench_iters = 0;
	ret = devsec_bench_one(dp, SZ_4K, n, &dp->bench[0]);
	if (!ret)
		ret = devsec_bench_one(dp, SZ_64K, n, &dp->bench[1]);
	if (ret)
		return ret;
	dp->bench_iters = n;
	return count;
}

static ssize_t bench_read(struct file *file, char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	struct devsec_pci *dp = file->private_data;
	char buf[160];
	int len;

	scoped_guard(mutex, &dp->lock)
		len = scnprintf(buf, sizeof(buf),
				"iterations=%u\nns_4k=%llu\nns_64k=%llu\nbest_ns_4k=%llu\nbest_ns_64k=%llu\n",
				dp->bench_iters, dp->bench[0].mean_ns,
				dp->bench[1].mean_ns, dp->bench[0].best_ns,
				dp->bench[1].best_ns);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = bench_read,
	.write = bench_write,
	.llseek = default_llseek,
};

/* ---- probe / remove: the steps of an ordinary PCI driver ---- */

static void devsec_pci_teardown(struct devsec_pci *dp)
{
	struct pci_dev *pdev = dp->pdev;

	/* waits for readers and writers still inside the triggers */
	debugfs_remove_recursive(dp->dir);
	scoped_guard(mutex, &dp->lock)
		__devsec_hammer_stop(dp);
	if (dp->msix_enabled)
		pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	dma_free_coherent(&pdev->dev, SZ_4K, dp->held_cpu, dp->held_dma);
	pci_iounmap(pdev, dp->bar0);
	pci_release_mem_regions(pdev);
	pci_disable_device(pdev);
}

/*
 * What nvme, virtio-pci and mlx5 do: enable, request every memory BAR as
 * this driver's region, map BAR0 and keep a coherent buffer until unbind.
 * On an accepted function BAR0 is TEE MMIO: the mapping is encrypted, or
 * refused on a host that cannot encrypt it, and the bind then fails with
 * -EINVAL as it does upstream.
 */
static int devsec_pci_probe(struct pci_dev *pdev,
			    const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct devsec_pci *dp;
	int ret;

	dp = devm_kzalloc(dev, sizeof(*dp), GFP_KERNEL);
	if (!dp)
		return -ENOMEM;
	dp->pdev = pdev;
	mutex_init(&dp->lock);

	ret = pci_enable_device_mem(pdev);
	if (ret)
		return ret;
	ret = pci_request_mem_regions(pdev, KBUILD_MODNAME);
	if (ret) {
		pci_err(pdev, "cannot request memory regions: %d\n", ret);
		goto err_disable;
	}
	dp->bar0 = pci_iomap(pdev, 0, 0);
	if (!dp->bar0) {
		pci_err(pdev, "cannot map BAR0 %pR\n", &pdev->resource[0]);
		ret = -EINVAL;
		goto err_release;
	}
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_unmap;
	dp->held_cpu = dma_alloc_coherent(dev, SZ_4K, &dp->held_dma, GFP_KERNEL);
	if (!dp->held_cpu) {
		ret = -ENOMEM;
		goto err_unmap;
	}

	if (devsec_msix) {
		ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
		if (ret < 0)
			pci_warn(pdev, "MSI-X not enabled: %d\n", ret);
		else
			dp->msix_enabled = true;
	}
	pci_set_master(pdev);

	dp->dir = debugfs_create_dir(pci_name(pdev), devsec_pci_root);
	debugfs_create_file("selftest", 0600, dp->dir, dp, &selftest_fops);
	debugfs_create_file("hammer", 0600, dp->dir, dp, &hammer_fops);
	debugfs_create_file("bench", 0600, dp->dir, dp, &bench_fops);
	debugfs_create_file("ioremap", 0600, dp->dir, dp, &ioremap_fops);
	debugfs_create_file("claim", 0600, dp->dir, dp, &claim_fops);

	pci_set_drvdata(pdev, dp);
	pci_info(pdev, "bound: BAR0 %pR%s\n", &pdev->resource[0],
		 dp->msix_enabled ? ", MSI-X on" : "");
	return 0;

err_unmap:
	pci_iounmap(pdev, dp->bar0);
err_release:
	pci_release_mem_regions(pdev);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

/*
 * A function reset (sysfs reset, pci_reset_function()), as nvme takes it:
 * quiesce (no DMA in flight, Bus Master off) before, resume after. What it
 * holds (BAR0 mapping, coherent buffer) stays: on an accepted function
 * pci_tsm either accepts it again on the same evidence before it is used,
 * or unbinds the driver (docs/ABI.md 5.1).
 */
static void devsec_pci_reset_prepare(struct pci_dev *pdev)
{
	struct devsec_pci *dp = pci_get_drvdata(pdev);

	scoped_guard(mutex, &dp->lock) {
		__devsec_hammer_stop(dp);
		dp->resets++;
	}
	pci_clear_master(pdev);
}

static void devsec_pci_reset_done(struct pci_dev *pdev)
{
	pci_set_master(pdev);
	pci_info(pdev, "reset done\n");
}

/*
 * PCI error recovery (AER, DPC, EDR: pcie_do_recovery()), as a driver
 * that can recover takes it: quiesce at error_detected(); with the channel
 * frozen ask for the reset (the port's link or bus reset already ran) and
 * restore the config space in slot_reset(); resume DMA at resume(). What
 * it holds stays, as for a function reset: pci_tsm took the function out
 * of RUN when the recovery began, and accepts it again on the same
 * evidence or unbinds this driver once the recovery is over.
 */
static pci_ers_result_t devsec_pci_error_detected(struct pci_dev *pdev,
						  pci_channel_state_t state)
{
	struct devsec_pci *dp = pci_get_drvdata(pdev);

	scoped_guard(mutex, &dp->lock) {
		__devsec_hammer_stop(dp);
		dp->recoveries++;
	}
	pci_info(pdev, "error detected (channel state %d)\n", state);
	if (state == pci_channel_io_perm_failure)
		return PCI_ERS_RESULT_DISCONNECT;
	pci_clear_master(pdev);
	return state == pci_channel_io_frozen ? PCI_ERS_RESULT_NEED_RESET :
						 PCI_ERS_RESULT_CAN_RECOVER;
}

static pci_ers_result_t devsec_pci_slot_reset(struct pci_dev *pdev)
{
	pci_restore_state(pdev);
	return PCI_ERS_RESULT_RECOVERED;
}

static void devsec_pci_error_resume(struct pci_dev *pdev)
{
	pci_set_master(pdev);
	pci_info(pdev, "error recovery done\n");
}

static const struct pci_error_handlers devsec_pci_err = {
	.error_detected = devsec_pci_error_detected,
	.slot_reset = devsec_pci_slot_reset,
	.resume = devsec_pci_error_resume,
	.reset_prepare = devsec_pci_reset_prepare,
	.reset_done = devsec_pci_reset_done,
};

/*
 * System sleep: quiesce as for a reset. Having callbacks lets the PCI core
 * put the function in D3hot (the sample endpoint has PM); back in D0 its
 * TDI is in ERROR, and pci_tsm recovers it as for a reset (docs/ABI.md
 * 5.1).
 */
static int devsec_pci_suspend(struct device *dev)
{
	struct devsec_pci *dp = dev_get_drvdata(dev);

	scoped_guard(mutex, &dp->lock)
		__devsec_hammer_stop(dp);
	return 0;
}

static int devsec_pci_resume(struct device *dev)
{
	pci_info(to_pci_dev(dev), "resumed\n");
	return 0;
}

static DEFINE_SIMPLE_DEV_PM_OPS(devsec_pci_pm, devsec_pci_suspend,
				devsec_pci_resume);

static void devsec_pci_remove(struct pci_dev *pdev)
{
	struct devsec_pci *dp = pci_get_drvdata(pdev);

	devsec_pci_teardown(dp);
	pci_info(pdev, "unbound\n");
}

/*
 * Match only through driver_override. The flag's name says VFIO, but
 * pci_match_device() only tests it for non-zero: an entry with it matches
 * when driver_override names this driver, never on IDs alone. No
 * MODULE_DEVICE_TABLE: nothing should autoload this sample.
 */
static const struct pci_device_id devsec_pci_ids[] = {
	{ PCI_DEVICE_DRIVER_OVERRIDE(DEVSEC_VENDOR_ID, DEVSEC_DEVICE_ID,
				     PCI_ID_F_VFIO_DRIVER_OVERRIDE) },
	{ }
};

static struct pci_driver devsec_pci_driver = {
	.name = KBUILD_MODNAME,
	.id_table = devsec_pci_ids,
	.probe = devsec_pci_probe,
	.remove = devsec_pci_remove,
	.err_handler = &devsec_pci_err,
	.driver.pm = pm_sleep_ptr(&devsec_pci_pm),
};

static int __init devsec_pci_init(void)
{
	int ret;

	devsec_pci_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	ret = pci_register_driver(&devsec_pci_driver);
	if (ret)
		debugfs_remove_recursive(devsec_pci_root);
	return ret;
}

static void __exit devsec_pci_exit(void)
{
	pci_unregister_driver(&devsec_pci_driver);
	debugfs_remove_recursive(devsec_pci_root);
}

module_init(devsec_pci_init);
module_exit(devsec_pci_exit);

MODULE_DESCRIPTION("devsec sample endpoint driver: DMA and MMIO self-tests for tsm_shim");
MODULE_LICENSE("GPL");
MODULE_VERSION(PTSM_VERSION);
