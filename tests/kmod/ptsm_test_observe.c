// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptsm_test_observe: test-only module for tests/vm/tests/shim-observe.sh.
 * It observes what the kernel's DMA and ioremap code *did* for a device,
 * independent of tsm_shim's own counters:
 *
 *	echo DEV > /sys/kernel/debug/ptsm_test_observe/run
 *	cat /sys/kernel/debug/ptsm_test_observe/run
 *
 * reads key=value lines:
 *  fdu=shared|private	force_dma_unencrypted(dev) called directly (it is
 *			not exported: its address comes from a kprobe that
 *			is registered and removed at load) returned true|false
 *  map=direct|bounced|other|error  dma_map_single() of a 4 KiB buffer: the
 *			DMA address is the buffer's physical address, or lies
 *			in the swiotlb pool; dma=, phys= the addresses
 *  coherent=shared|private|error  dma_alloc_coherent() of 4 KiB: dma-direct
 *			called set_memory_decrypted() on the buffer it returned
 *			(shared: the kernel decrypts it; in a confidential guest
 *			that makes it host-visible), or did not
 *  bar0=encrypted|plain|refused|absent  ioremap() of the whole of BAR0:
 *			__ioremap_caller() built the mapping's protection with
 *			pgprot_encrypted() (cc_mkenc) or pgprot_decrypted()
 *			(cc_mkdec), or returned NULL
 *  msix=...		the same for the MSI-X table range (absent: no MSI-X)
 * The test driver (bound by override) appends such a line per remove() to
 * "removed", and per reset_prepare()/reset_done() ("prepare DEV ...",
 * "done DEV ...") and per system sleep callback ("suspend DEV ...",
 * "resume_noirq DEV ...", "resume DEV ...": resume_noirq runs once the
 * PCI core restored the config space, Bus Master included) to "resets";
 * writing either clears it.
 * Without memory encryption cc_mkenc/cc_mkdec and set_memory_decrypted()
 * change no bits, but they are the kernel's decision made visible: the
 * calls it makes in a confidential guest. Each observation counts only
 * calls made by the task running it. Never installed, never part of the
 * product.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/freezer.h>
#include <linux/ftrace.h>
#include <linux/io.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_buf.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* pci_tsm's query for the shims (ptsm/pci_tsm.h), taken with symbol_get() */
bool ptsm_dev_accepted(struct device *dev);

static DEFINE_MUTEX(obs_lock);
static struct dentry *obs_dir;
static char obs_out[1024];
/* one line per remove() of the test driver (obs_lock) */
static char obs_removed[2048];
/* one line per reset_prepare()/reset_done() of the test driver (obs_lock) */
static char obs_resets[2048];
static bool (*obs_fdu)(struct device *dev);

/* what the observing task saw the kernel do (written from kprobe handlers) */
static struct task_struct *obs_task;
static atomic_t obs_enc, obs_dec;
static unsigned long obs_decrypted_addr;

static int obs_mkenc_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (current == READ_ONCE(obs_task))
		atomic_inc(&obs_enc);
	return 0;
}

static int obs_mkdec_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (current == READ_ONCE(obs_task))
		atomic_inc(&obs_dec);
	return 0;
}

/* set_memory_decrypted(addr, numpages): di = addr */
static int obs_decrypt_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (current == READ_ONCE(obs_task))
		WRITE_ONCE(obs_decrypted_addr, regs->di);
	return 0;
}

static struct kprobe obs_kp_mkenc = { .symbol_name = "cc_mkenc", .pre_handler = obs_mkenc_pre };
static struct kprobe obs_kp_mkdec = { .symbol_name = "cc_mkdec", .pre_handler = obs_mkdec_pre };
static struct kprobe obs_kp_decrypt = {
	.symbol_name = "set_memory_decrypted",
	.pre_handler = obs_decrypt_pre,
};

static struct kprobe *obs_kps[] = { &obs_kp_mkenc, &obs_kp_mkdec, &obs_kp_decrypt };

/* The entry of the function @sym: kprobes sit after an ENDBR (6.12). */
static void *obs_lookup(const char *sym)
{
	static const u8 endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	struct kprobe kp = { .symbol_name = sym };
	u8 *addr;

	if (register_kprobe(&kp))
		return NULL;
	addr = (u8 *)kp.addr;
	unregister_kprobe(&kp);
	if (!memcmp(addr - 4, endbr64, sizeof(endbr64)))
		addr -= 4;
	return addr;
}

static void obs_ioremap(struct seq_buf *s, const char *key,
			resource_size_t start, resource_size_t len)
{
	void __iomem *p;
	int enc, dec;

	if (!len) {
		seq_buf_printf(s, "%s=absent\n", key);
		return;
	}
	atomic_set(&obs_enc, 0);
	atomic_set(&obs_dec, 0);
	WRITE_ONCE(obs_task, current);
	p = ioremap(start, len);
	WRITE_ONCE(obs_task, NULL);
	enc = atomic_read(&obs_enc);
	dec = atomic_read(&obs_dec);
	if (p)
		iounmap(p);
	if (!p)
		seq_buf_printf(s, "%s=refused\n", key);
	else if (enc && !dec)
		seq_buf_printf(s, "%s=encrypted\n", key);
	else if (dec && !enc)
		seq_buf_printf(s, "%s=plain\n", key);
	else
		seq_buf_printf(s, "%s=unknown enc=%d dec=%d\n", key, enc, dec);
	seq_buf_printf(s, "%s_range=0x%llx+0x%llx\n", key, (u64)start, (u64)len);
}

/* The MSI-X table of @pdev: its physical start and length, or length 0. */
static resource_size_t obs_msix_table(struct pci_dev *pdev, resource_size_t *start)
{
	u32 table;
	u16 flags;

	if (!pdev->msix_cap)
		return 0;
	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &flags);
	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE, &table);
	*start = pci_resource_start(pdev, table & PCI_MSIX_TABLE_BIR) +
		 (table & PCI_MSIX_TABLE_OFFSET);
	return ((flags & PCI_MSIX_FLAGS_QSIZE) + 1) * PCI_MSIX_ENTRY_SIZE;
}

static void obs_dma(struct seq_buf *s, struct device *dev)
{
	dma_addr_t dma;
	phys_addr_t phys;
	void *buf;

	buf = kmalloc(SZ_4K, GFP_KERNEL);
	if (!buf) {
		seq_buf_printf(s, "map=error\n");
		return;
	}
	phys = virt_to_phys(buf);
	dma = dma_map_single(dev, buf, SZ_4K, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, dma)) {
		seq_buf_printf(s, "map=error\n");
	} else {
		if (__sme_clr(dma) == phys)
			seq_buf_printf(s, "map=direct\n");
		else if (compat_is_swiotlb_buffer(dev, __sme_clr(dma)))
			seq_buf_printf(s, "map=bounced\n");
		else
			seq_buf_printf(s, "map=other\n");
		seq_buf_printf(s, "dma=0x%llx\nphys=0x%llx\n", (u64)dma, (u64)phys);
		dma_unmap_single(dev, dma, SZ_4K, DMA_TO_DEVICE);
	}
	kfree(buf);

	WRITE_ONCE(obs_decrypted_addr, 0);
	WRITE_ONCE(obs_task, current);
	buf = dma_alloc_coherent(dev, SZ_4K, &dma, GFP_KERNEL);
	WRITE_ONCE(obs_task, NULL);
	if (!buf) {
		seq_buf_printf(s, "coherent=error\n");
		return;
	}
	seq_buf_printf(s, "coherent=%s\n",
		       READ_ONCE(obs_decrypted_addr) == (unsigned long)buf ?
		       "shared" : "private");
	dma_free_coherent(dev, SZ_4K, buf, dma);
}

static void obs_run(struct pci_dev *pdev)
{
	struct device *dev = &pdev->dev;
	resource_size_t start = 0, len;
	struct seq_buf s;

	seq_buf_init(&s, obs_out, sizeof(obs_out));
	seq_buf_printf(&s, "dev=%s\n", pci_name(pdev));
	seq_buf_printf(&s, "fdu=%s\n", obs_fdu(dev) ? "shared" : "private");
	obs_dma(&s, dev);
	len = (pci_resource_flags(pdev, 0) & IORESOURCE_MEM) ?
	      pci_resource_len(pdev, 0) : 0;
	obs_ioremap(&s, "bar0", pci_resource_start(pdev, 0), len);
	len = obs_msix_table(pdev, &start);
	obs_ioremap(&s, "msix", start, len);
}

/* ---- the test driver: holds coherent DMA and an iomap for its whole bind ---- */

struct obs_drv {
	void __iomem *bar0;
	void *cpu;
	dma_addr_t dma;
	bool bar0_enc;		/* the probe's pci_iomap() was built encrypted */
	bool cpu_shared;	/* dma-direct decrypted the held buffer */
};

/* what pci_tsm tells the shims; "-" without pci_tsm */
static const char *obs_accepted(struct device *dev)
{
	bool (*acc)(struct device *dev) = symbol_get(ptsm_dev_accepted);
	bool ret;

	if (!acc)
		return "-";
	ret = acc(dev);
	symbol_put(ptsm_dev_accepted);
	return ret ? "1" : "0";
}

static int obs_drv_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct obs_drv *d;
	int ret;

	d = devm_kzalloc(dev, sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	ret = pci_enable_device_mem(pdev);
	if (ret)
		return ret;
	ret = pci_request_mem_regions(pdev, KBUILD_MODNAME);
	if (ret)
		goto err_disable;
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_release;

	mutex_lock(&obs_lock);
	atomic_set(&obs_enc, 0);
	atomic_set(&obs_dec, 0);
	WRITE_ONCE(obs_decrypted_addr, 0);
	WRITE_ONCE(obs_task, current);
	d->bar0 = pci_iomap(pdev, 0, 0);
	d->cpu = dma_alloc_coherent(dev, SZ_4K, &d->dma, GFP_KERNEL);
	WRITE_ONCE(obs_task, NULL);
	d->bar0_enc = atomic_read(&obs_enc) && !atomic_read(&obs_dec);
	d->cpu_shared = d->cpu && READ_ONCE(obs_decrypted_addr) == (unsigned long)d->cpu;
	mutex_unlock(&obs_lock);
	if (!d->bar0 || !d->cpu) {
		ret = -ENOMEM;
		goto err_free;
	}
	pci_set_drvdata(pdev, d);
	pci_info(pdev, "bound: held_bar0=%s held_coherent=%s accept=%s\n",
		 d->bar0_enc ? "encrypted" : "plain",
		 d->cpu_shared ? "shared" : "private", obs_accepted(dev));
	return 0;

err_free:
	if (d->cpu)
		dma_free_coherent(dev, SZ_4K, d->cpu, d->dma);
	if (d->bar0)
		pci_iounmap(pdev, d->bar0);
err_release:
	pci_release_mem_regions(pdev);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

/*
 * Observe @pdev as obs_run() does, as one line appended to @buf (@size
 * bytes): "DEV accept=A k=v ...", with "WHAT " first when @what is set.
 */
static void obs_drv_record(struct pci_dev *pdev, char *buf, size_t size,
			   const char *what)
{
	static char line[sizeof(obs_out)];	/* obs_lock */
	size_t len = strlen(buf);
	char *p;

	lockdep_assert_held(&obs_lock);
	obs_run(pdev);
	/* "dev=DEV\\nk=v\\n..." -> "DEV accept=A k=v ..." */
	scnprintf(line, sizeof(line), "%s%s%s accept=%s %s", what ?: "",
		  what ? " " : "", pci_name(pdev), obs_accepted(&pdev->dev),
		  obs_out + strcspn(obs_out, "\n") + 1);
	for (p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	strim(line);
	pci_info(pdev, "%s: %s\n", what ?: "remove", line);
	if (len + strlen(line) + 2 > size)
		len = 0;	/* full: start over, the tests clear it anyway */
	scnprintf(buf + len, size - len, "%s\n", line);
}

/*
 * A function reset: what the kernel does for the device before it (the
 * driver quiesces) and after it (Bus Master is back: it can do DMA).
 */
static void obs_drv_reset_prepare(struct pci_dev *pdev)
{
	guard(mutex)(&obs_lock);
	obs_drv_record(pdev, obs_resets, sizeof(obs_resets), "prepare");
}

static void obs_drv_reset_done(struct pci_dev *pdev)
{
	guard(mutex)(&obs_lock);
	obs_drv_record(pdev, obs_resets, sizeof(obs_resets), "done");
}

/*
 * PCI error recovery: what the kernel does for the device when the driver
 * hears of the error (error_detected()), after the port's reset
 * (slot_reset(), frozen channel only) and when it may resume (resume()):
 * "detected DEV ...", "slot_reset DEV ...", "resume DEV ..." lines in
 * "resets". Frozen asks for the reset, normal recovers without one.
 */
static pci_ers_result_t obs_drv_error_detected(struct pci_dev *pdev,
					       pci_channel_state_t state)
{
	scoped_guard(mutex, &obs_lock)
		obs_drv_record(pdev, obs_resets, sizeof(obs_resets), "detected");
	if (state == pci_channel_io_perm_failure)
		return PCI_ERS_RESULT_DISCONNECT;
	return state == pci_channel_io_frozen ? PCI_ERS_RESULT_NEED_RESET :
						 PCI_ERS_RESULT_CAN_RECOVER;
}

static pci_ers_result_t obs_drv_slot_reset(struct pci_dev *pdev)
{
	guard(mutex)(&obs_lock);
	obs_drv_record(pdev, obs_resets, sizeof(obs_resets), "slot_reset");
	return PCI_ERS_RESULT_RECOVERED;
}

static void obs_drv_error_resume(struct pci_dev *pdev)
{
	guard(mutex)(&obs_lock);
	obs_drv_record(pdev, obs_resets, sizeof(obs_resets), "resume");
}

static const struct pci_error_handlers obs_drv_err = {
	.error_detected = obs_drv_error_detected,
	.slot_reset = obs_drv_slot_reset,
	.resume = obs_drv_error_resume,
	.reset_prepare = obs_drv_reset_prepare,
	.reset_done = obs_drv_reset_done,
};

/*
 * System sleep: with these callbacks the PCI core puts the function in
 * D3hot at suspend_noirq (it has PM) and back in D0 at resume_noirq,
 * before ours.
 */
static int obs_drv_suspend(struct device *dev)
{
	guard(mutex)(&obs_lock);
	obs_drv_record(to_pci_dev(dev), obs_resets, sizeof(obs_resets), "suspend");
	return 0;
}

static int obs_drv_resume_noirq(struct device *dev)
{
	guard(mutex)(&obs_lock);
	obs_drv_record(to_pci_dev(dev), obs_resets, sizeof(obs_resets),
		       "resume_noirq");
	return 0;
}

static int obs_drv_resume(struct device *dev)
{
	guard(mutex)(&obs_lock);
	obs_drv_record(to_pci_dev(dev), obs_resets, sizeof(obs_resets), "resume");
	return 0;
}

static const struct dev_pm_ops obs_drv_pm = {
	.suspend = obs_drv_suspend,
	.resume_noirq = obs_drv_resume_noirq,
	.resume = obs_drv_resume,
};

static void obs_drv_remove(struct pci_dev *pdev)
{
	struct obs_drv *d = pci_get_drvdata(pdev);

	/* ORDER: observe first, while the mapping and the buffer are held */
	scoped_guard(mutex, &obs_lock)
		obs_drv_record(pdev, obs_removed, sizeof(obs_removed), NULL);
	dma_free_coherent(&pdev->dev, SZ_4K, d->cpu, d->dma);
	pci_iounmap(pdev, d->bar0);
	pci_release_mem_regions(pdev);
	pci_disable_device(pdev);
}

/* the devsec sample functions (modules/devsec/devsec.h), by override only */
static const struct pci_device_id obs_drv_ids[] = {
	{ PCI_DEVICE_DRIVER_OVERRIDE(0x8086, 0xffff, PCI_ID_F_VFIO_DRIVER_OVERRIDE) },
	{ }
};

static struct pci_driver obs_drv = {
	.name = KBUILD_MODNAME,
	.id_table = obs_drv_ids,
	.probe = obs_drv_probe,
	.remove = obs_drv_remove,
	.err_handler = &obs_drv_err,
	.driver.pm = &obs_drv_pm,
};

static ssize_t obs_removed_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	const char *buf = file->private_data;

	guard(mutex)(&obs_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, strlen(buf));
}

static ssize_t obs_removed_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char *buf = file->private_data;

	guard(mutex)(&obs_lock);
	buf[0] = '\0';
	return count;
}

static const struct file_operations obs_removed_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = obs_removed_read,
	.write = obs_removed_write,
	.llseek = default_llseek,
};

/*
 * obs_get_pdev() - the PCI device a debugfs write names
 *
 * Return: the device with a reference (pci_dev_put() it), or an ERR_PTR.
 */
static struct pci_dev *obs_get_pdev(const char __user *ubuf, size_t count)
{
	char *name __free(kfree) = NULL;
	struct device *dev;

	if (!count || count >= 32)
		return ERR_PTR(-EINVAL);
	name = memdup_user_nul(ubuf, count);
	if (IS_ERR(name))
		return ERR_CAST(name);
	dev = bus_find_device_by_name(&pci_bus_type, NULL, strim(name));
	return dev ? to_pci_dev(dev) : ERR_PTR(-ENODEV);
}

/*
 * obs_split() - a debugfs write "DEV REST" copied into @buf (@size bytes)
 * and cut after its first word, DEV
 *
 * Return: REST (in @buf, which now starts with DEV), or an ERR_PTR.
 */
static char *obs_split(char *buf, size_t size, const char __user *ubuf,
		       size_t count)
{
	char *sp;

	if (!count || count >= size)
		return ERR_PTR(-EINVAL);
	if (copy_from_user(buf, ubuf, count))
		return ERR_PTR(-EFAULT);
	buf[count] = '\0';
	sp = strchr(strim(buf), ' ');
	if (!sp)
		return ERR_PTR(-EINVAL);
	*sp = '\0';
	return sp + 1;
}

static ssize_t obs_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	struct pci_dev *pdev = obs_get_pdev(ubuf, count);

	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	scoped_guard(mutex, &obs_lock)
		obs_run(pdev);
	pci_dev_put(pdev);
	return count;
}

static ssize_t obs_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	guard(mutex)(&obs_lock);
	return simple_read_from_buffer(ubuf, count, ppos, obs_out,
				       strnlen(obs_out, sizeof(obs_out)));
}

static const struct file_operations obs_fops = {
	.owner = THIS_MODULE,
	.write = obs_write,
	.read = obs_read,
	.llseek = default_llseek,
};

/*
 * "bus_reset": writing a PCI device name runs pci_reset_bus() on it, as
 * vfio's hot reset does: a secondary bus reset of its parent bridge, with
 * every driver below taken through reset_prepare()/reset_done().
 */
static ssize_t obs_bus_reset_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct pci_dev *pdev = obs_get_pdev(ubuf, count);
	int ret;

	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	ret = pci_reset_bus(pdev);
	pci_dev_put(pdev);
	return ret ? ret : count;
}

static const struct file_operations obs_bus_reset_fops = {
	.owner = THIS_MODULE,
	.write = obs_bus_reset_write,
};

/*
 * "reset_loop": writing "DEV N [PAUSE]" starts a kernel thread that runs
 * pci_reset_function() on DEV N times, with pauses between them (PAUSE ms,
 * default 100, after every tenth) (the recovery hammer: a reset costs no
 * fork). The write returns at once: a writer sleeping in the kernel until
 * the end would be frozen by a system suspend with the file system's write
 * lock held, which lockdep rightly reports. The thread is freezable and
 * parks between resets. Reading gives "running" until the loop is over,
 * then "DEV resets=N failed=M" of the last loop.
 */
struct obs_loop {
	struct pci_dev *pdev;
	unsigned int n;
	unsigned int pause;
};

static char obs_loop_result[64];
/* the last loop's thread, referenced until the next loop or unload (obs_lock) */
static struct task_struct *obs_loop_task;
static bool obs_loop_running;

static int obs_reset_loop_fn(void *data)
{
	struct obs_loop *loop = data;
	unsigned int i, failed = 0;

	set_freezable();
	for (i = 0; i < loop->n && !kthread_should_stop(); i++) {
		/* a system suspend parks the loop here, between resets */
		try_to_freeze();
		if (pci_reset_function(loop->pdev))
			failed++;
		/*
		 * windows of 5 to 45 ms for the verbs (lock and accept
		 * between two resets) and the recovery work, PAUSE ms more
		 * every tenth: about 35 ms a reset on average with 100
		 */
		msleep(5 + (i % 5) * 10 + (i % 10 == 9 ? loop->pause : 0));
	}
	scoped_guard(mutex, &obs_lock) {
		scnprintf(obs_loop_result, sizeof(obs_loop_result),
			  "%s resets=%u failed=%u\n", pci_name(loop->pdev), i,
			  failed);
		obs_loop_running = false;
	}
	pci_dev_put(loop->pdev);
	kfree(loop);
	return 0;
}

/* Reap a loop's thread; it must not run module code once we are unloaded. */
static void obs_loop_reap(struct task_struct *task)
{
	if (task) {
		kthread_stop(task);
		put_task_struct(task);
	}
}

static ssize_t obs_reset_loop_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	unsigned int n, pause = 100;
	struct task_struct *task;
	struct obs_loop *loop;
	struct device *dev;
	char buf[48], *sp, *sp2;

	sp = obs_split(buf, sizeof(buf), ubuf, count);
	if (IS_ERR(sp))
		return PTR_ERR(sp);
	sp2 = strchr(sp, ' ');
	if (sp2) {
		*sp2++ = '\0';
		if (kstrtouint(sp2, 0, &pause) || pause > 10000)
			return -EINVAL;
	}
	if (kstrtouint(sp, 0, &n) || !n || n > 100000)
		return -EINVAL;
	loop = kzalloc(sizeof(*loop), GFP_KERNEL);
	if (!loop)
		return -ENOMEM;
	dev = bus_find_device_by_name(&pci_bus_type, NULL, buf);
	if (!dev) {
		kfree(loop);
		return -ENODEV;
	}
	loop->pdev = to_pci_dev(dev);
	loop->n = n;
	loop->pause = pause;
	scoped_guard(mutex, &obs_lock) {
		if (obs_loop_running) {
			put_device(dev);
			kfree(loop);
			return -EBUSY;
		}
		/* the previous loop has ended: its thread returns at once */
		obs_loop_reap(obs_loop_task);
		obs_loop_task = NULL;
		task = kthread_create(obs_reset_loop_fn, loop, "ptsm_reset_loop");
		if (IS_ERR(task)) {
			put_device(dev);
			kfree(loop);
			return PTR_ERR(task);
		}
		get_task_struct(task);
		obs_loop_task = task;
		obs_loop_running = true;
		strscpy(obs_loop_result, "running\n", sizeof(obs_loop_result));
		wake_up_process(task);
	}
	return count;
}

/* a debugfs read of @res, one of the result lines obs_lock guards */
static ssize_t obs_result_read(char __user *ubuf, size_t count, loff_t *ppos,
			       const char *res)
{
	guard(mutex)(&obs_lock);
	return simple_read_from_buffer(ubuf, count, ppos, res, strlen(res));
}

/*
 * The file operations of a debugfs file whose write (NAME_write) starts
 * something and whose read gives the result line @res it left.
 */
#define OBS_RESULT_FOPS(name, res)					\
static ssize_t name##_read(struct file *file, char __user *ubuf,	\
			   size_t count, loff_t *ppos)			\
{									\
	return obs_result_read(ubuf, count, ppos, res);			\
}									\
static const struct file_operations name##_fops = {			\
	.owner = THIS_MODULE,						\
	.write = name##_write,						\
	.read = name##_read,						\
	.llseek = default_llseek,					\
}

OBS_RESULT_FOPS(obs_reset_loop, obs_loop_result);

/*
 * "aer": writing "DEV frozen|normal" runs the PCI core's error recovery,
 * pcie_do_recovery(DEV, state, reset), on DEV, as the AER, DPC and EDR
 * service drivers call it for the function or port that reported an
 * error. It is what aer_inject cannot reach here: the devsec root ports
 * have no AER capability and claim no port service, and the firmware-first
 * path (aer_recover_queue()) carries a u16 segment, short of the sample's
 * domains 0x10000 and up. pcie_do_recovery() is not exported: its address
 * comes from a kprobe registered and removed at load (absent in a kernel
 * without PCIEAER: the write then fails with ENOENT). The reset callback
 * stands for the port service's link reset (aer_root_reset(),
 * dpc_reset_link()): a secondary bus reset of the port, and then, as the
 * drivers' slot_reset() would, the config space of the functions below
 * restored. Reading gives "DEV STATE result=R" of the last write, R the
 * pci_ers_result_t returned (5: recovered).
 */
static pci_ers_result_t (*obs_do_recovery)(struct pci_dev *dev,
					   pci_channel_state_t state,
					   pci_ers_result_t (*reset)(struct pci_dev *));
static char obs_aer_result[64];

static int obs_save_one(struct pci_dev *pdev, void *unused)
{
	pci_save_state(pdev);
	return 0;
}

static int obs_restore_one(struct pci_dev *pdev, void *unused)
{
	pci_restore_state(pdev);
	return 0;
}

static pci_ers_result_t obs_aer_reset(struct pci_dev *bridge)
{
	if (!bridge->subordinate)
		return PCI_ERS_RESULT_RECOVERED;
	pci_walk_bus(bridge->subordinate, obs_save_one, NULL);
	pci_bridge_secondary_bus_reset(bridge);
	pci_walk_bus(bridge->subordinate, obs_restore_one, NULL);
	return PCI_ERS_RESULT_RECOVERED;
}

static ssize_t obs_aer_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	pci_channel_state_t state;
	struct pci_dev *pdev;
	struct device *dev;
	char buf[48], *sp;
	pci_ers_result_t r;

	if (!obs_do_recovery)
		return -ENOENT;
	sp = obs_split(buf, sizeof(buf), ubuf, count);
	if (IS_ERR(sp))
		return PTR_ERR(sp);
	if (!strcmp(sp, "frozen"))
		state = pci_channel_io_frozen;
	else if (!strcmp(sp, "normal"))
		state = pci_channel_io_normal;
	else
		return -EINVAL;
	dev = bus_find_device_by_name(&pci_bus_type, NULL, buf);
	if (!dev)
		return -ENODEV;
	pdev = to_pci_dev(dev);
	r = obs_do_recovery(pdev, state, obs_aer_reset);
	scoped_guard(mutex, &obs_lock)
		scnprintf(obs_aer_result, sizeof(obs_aer_result),
			  "%s %s result=%u\n", buf, sp, (__force unsigned int)r);
	pci_dev_put(pdev);
	return count;
}

OBS_RESULT_FOPS(obs_aer, obs_aer_result);

/*
 * "ipmodify": writing a function name attaches an ftrace_ops that may
 * modify the IP (as livepatch does) to it; writing "-" detaches it. A
 * kprobe with a post_handler on that function cannot be armed meanwhile
 * (ftrace allows one IP modifier per function): the test's way to make
 * pci_tsm's arming of its recovery probes fail with kprobes otherwise
 * working (tsm_shim's checks then still pass).
 */
static void obs_ipmodify_fn(unsigned long ip, unsigned long parent_ip,
			    struct ftrace_ops *op, struct ftrace_regs *fregs)
{
}

static struct ftrace_ops obs_ipmodify_ops = {
	.func = obs_ipmodify_fn,
	.flags = FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_SAVE_REGS,
};

static unsigned long obs_ipmodify_ip;	/* obs_lock */

static ssize_t obs_ipmodify_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	char *buf __free(kfree) = NULL;
	struct kprobe kp = { .flags = KPROBE_FLAG_DISABLED };
	unsigned long ip;
	char *name;
	int ret;

	if (!count || count >= KSYM_NAME_LEN)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	name = strim(buf);
	guard(mutex)(&obs_lock);
	if (!strcmp(name, "-")) {
		if (!obs_ipmodify_ip)
			return -ENOENT;
		unregister_ftrace_function(&obs_ipmodify_ops);
		ftrace_set_filter_ip(&obs_ipmodify_ops, obs_ipmodify_ip, 1, 0);
		obs_ipmodify_ip = 0;
		return count;
	}
	if (obs_ipmodify_ip)
		return -EBUSY;
	/* the function's ftrace site: where a disabled kprobe would sit */
	kp.symbol_name = name;
	ret = register_kprobe(&kp);
	if (ret)
		return ret;
	ip = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	ret = ftrace_set_filter_ip(&obs_ipmodify_ops, ip, 0, 0);
	if (ret)
		return ret;
	ret = register_ftrace_function(&obs_ipmodify_ops);
	if (ret) {
		ftrace_set_filter_ip(&obs_ipmodify_ops, ip, 1, 0);
		return ret;
	}
	obs_ipmodify_ip = ip;
	return count;
}

static const struct file_operations obs_ipmodify_fops = {
	.owner = THIS_MODULE,
	.write = obs_ipmodify_write,
};

static int __init obs_init(void)
{
	int ret;

	obs_fdu = obs_lookup("force_dma_unencrypted");
	if (!obs_fdu) {
		pr_err("cannot find force_dma_unencrypted\n");
		return -ENOENT;
	}
	/* NULL without PCIEAER: the "aer" file then says ENOENT */
	obs_do_recovery = obs_lookup("pcie_do_recovery");
	ret = register_kprobes(obs_kps, ARRAY_SIZE(obs_kps));
	if (ret) {
		pr_err("cannot probe cc_mkenc/cc_mkdec/set_memory_decrypted: %d\n", ret);
		return ret;
	}
	obs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("run", 0600, obs_dir, NULL, &obs_fops);
	debugfs_create_file("removed", 0600, obs_dir, obs_removed, &obs_removed_fops);
	debugfs_create_file("resets", 0600, obs_dir, obs_resets, &obs_removed_fops);
	debugfs_create_file("bus_reset", 0200, obs_dir, NULL, &obs_bus_reset_fops);
	debugfs_create_file("reset_loop", 0600, obs_dir, NULL, &obs_reset_loop_fops);
	debugfs_create_file("aer", 0600, obs_dir, NULL, &obs_aer_fops);
	debugfs_create_file("ipmodify", 0200, obs_dir, NULL, &obs_ipmodify_fops);
	ret = pci_register_driver(&obs_drv);
	if (ret) {
		debugfs_remove_recursive(obs_dir);
		unregister_kprobes(obs_kps, ARRAY_SIZE(obs_kps));
	}
	return ret;
}
module_init(obs_init);

static void __exit obs_exit(void)
{
	struct task_struct *task;

	scoped_guard(mutex, &obs_lock) {
		task = obs_loop_task;
		obs_loop_task = NULL;
	}
	obs_loop_reap(task);
	pci_unregister_driver(&obs_drv);
	debugfs_remove_recursive(obs_dir);
	if (obs_ipmodify_ip) {
		unregister_ftrace_function(&obs_ipmodify_ops);
		ftrace_set_filter_ip(&obs_ipmodify_ops, obs_ipmodify_ip, 1, 0);
	}
	unregister_kprobes(obs_kps, ARRAY_SIZE(obs_kps));
}
module_exit(obs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pci-tsm test: what DMA and ioremap did for a device");
