// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA decisions for accepted devices.
 *
 * Streaming DMA. dma-direct bounces every streaming mapping of a device
 * through swiotlb when is_swiotlb_force_bounce(dev) says so, which reads
 * dev->dma_io_tlb_mem->force_bounce (6.1 and 6.12 alike). A device in
 * RUN is pointed at a copy of its pool's descriptor without force_bounce
 * (the kernel's own per-device pattern: restricted-dma-pool sets
 * dev->dma_io_tlb_mem), and back when it leaves RUN. dma-direct then maps
 * it directly by itself (phys_to_dma(), its DMA mask, bus offsets), and
 * no other device's map path runs a single extra instruction. Unmap and
 * sync decide by address (is_swiotlb_buffer(), swiotlb_find_pool()), and
 * the copy covers the same range with the same slots, so mappings
 * outstanding across either switch are unmapped as they were made.
 *
 * Coherent DMA. force_dma_unencrypted(dev) decides whether dma-direct
 * decrypts (shares) coherent memory. It answers false for an accepted
 * device. In testing mode it answers true for every other device, as in a
 * confidential guest where shared is the default; without memory
 * encryption set_memory_decrypted() and pgprot_decrypted() change nothing,
 * so that is harmless.
 *
 * Each handler answers the canary device of inforce.c first, then asks
 * ptsm_dev_accepted(); while nothing is accepted that is one static-branch
 * test.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/dma-direct.h>
#include <linux/mem_encrypt.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include <ptsm/pci_tsm.h>

#include "shim.h"

/*
 * The io_tlb_mem every redirected device points at: a copy of the one it
 * bounced through (shim_bounce_mem) with force_bounce cleared. It shares
 * that pool's slots, areas and their locks through its pointers, and has
 * the same address range, so a mapping bounced before the switch unmaps
 * and syncs through it exactly as through the original, and one that
 * bounces after it (a buffer the DMA mask cannot reach) takes slots from
 * the same pool. Both set once under shim_lock, at the first redirect.
 */
static struct io_tlb_mem shim_direct_mem;
static struct io_tlb_mem *shim_bounce_mem;

/* A device whose io_tlb_mem we replaced (shim_lock). */
struct shim_direct {
	struct list_head node;
	struct pci_dev *pdev;	/* referenced */
};

static LIST_HEAD(shim_directs);
static unsigned int shim_nr_directs;

static struct shim_direct *shim_direct_find(struct pci_dev *pdev)
{
	struct shim_direct *sd;

	list_for_each_entry(sd, &shim_directs, node)
		if (sd->pdev == pdev)
			return sd;
	return NULL;
}

/**
 * shim_dma_attach() - stop bouncing @pdev's streaming DMA
 * @pdev: a device that just entered RUN
 *
 * Only a device that bounces because its pool forces it, through the one
 * pool (io_tlb_default_mem on x86) the copy was made from, is switched;
 * any other keeps what dma-direct decides for it.
 *
 * Context: shim_lock held.
 * Return: "direct" (switched), or why streaming DMA stays as it was.
 */
const char *shim_dma_attach(struct pci_dev *pdev)
{
	struct device *dev = &pdev->dev;
	struct io_tlb_mem *mem = READ_ONCE(dev->dma_io_tlb_mem);
	struct shim_direct *sd;

	lockdep_assert_held(&shim_lock);
	if (mem == &shim_direct_mem)
		return "direct";
	if (!mem || !mem->force_bounce)
		return "direct (not forced to bounce)";
	if (shim_bounce_mem && mem != shim_bounce_mem)
		return "bounced (device has its own swiotlb pool)";
	sd = kzalloc(sizeof(*sd), GFP_KERNEL);
	if (!sd)
		return "bounced (out of memory)";
	if (!shim_bounce_mem) {
		shim_direct_mem = *mem;
		compat_swiotlb_stats_reset(&shim_direct_mem);
		shim_direct_mem.force_bounce = false;
		WRITE_ONCE(shim_bounce_mem, mem);
	}
	sd->pdev = pci_dev_get(pdev);
	list_add_tail(&sd->node, &shim_directs);
	shim_nr_directs++;
	/* ORDER: publish only a complete copy */
	smp_store_release(&dev->dma_io_tlb_mem, &shim_direct_mem);
	shim_count(dev, SHIM_DIRECT_SWITCHES);
	return "direct";
}

static void shim_direct_drop(struct shim_direct *sd)
{
	struct device *dev = &sd->pdev->dev;

	/* only ours is restored: something else written there is left alone */
	cmpxchg(&dev->dma_io_tlb_mem, &shim_direct_mem, shim_bounce_mem);
	compat_swiotlb_stats_fold(shim_bounce_mem, &shim_direct_mem);
	list_del(&sd->node);
	shim_nr_directs--;
	pci_dev_put(sd->pdev);
	kfree(sd);
}

/**
 * shim_dma_detach() - bounce @pdev's streaming DMA again (if we stopped it)
 * @pdev: a device leaving RUN, or reported lost
 *
 * Context: shim_lock held.
 */
void shim_dma_detach(struct pci_dev *pdev)
{
	struct shim_direct *sd;

	lockdep_assert_held(&shim_lock);
	sd = shim_direct_find(pdev);
	if (sd)
		shim_direct_drop(sd);
}

/**
 * shim_dma_untrusted() - bounce @pdev's streaming DMA again right away
 * @pdev: a device that stopped counting as accepted (pci_tsm's reset
 *	probe, a lost redirect); its entry goes at shim_dma_detach()
 *
 * Context: any but NMI (lockless: one cmpxchg).
 */
void shim_dma_untrusted(struct pci_dev *pdev)
{
	struct io_tlb_mem *orig = READ_ONCE(shim_bounce_mem);

	/* ORDER: pci_tsm cleared accepted before; cmpxchg orders the two */
	if (orig)
		cmpxchg(&pdev->dev.dma_io_tlb_mem, &shim_direct_mem, orig);
}

/* At unload (nothing can be accepted then): restore any leftover. */
void shim_dma_exit(void)
{
	struct shim_direct *sd, *tmp;

	guard(mutex)(&shim_lock);
	list_for_each_entry_safe(sd, tmp, &shim_directs, node)
		shim_direct_drop(sd);
}

/* Did we ever hand out shim_direct_mem? (then unload waits for readers) */
bool shim_dma_used(void)
{
	return READ_ONCE(shim_bounce_mem);
}

/**
 * shim_dma_check() - is every streaming redirect still in force?
 * @why: filled with the first problem found
 * @len: size of @why
 *
 * What dma-direct reads for each map is the device's io_tlb_mem and its
 * force_bounce flag; so the proof is those two values. Nothing in these
 * kernels writes dev->dma_io_tlb_mem of a live x86 PCI device
 * (device_initialize() and restricted-dma-pool setup are the writers), but
 * another module could.
 *
 * Context: shim_lock held.
 * Return: 0 or -1.
 */
int shim_dma_check(char *why, size_t len)
{
	struct shim_direct *sd;

	lockdep_assert_held(&shim_lock);
	if (IS_ENABLED(CONFIG_SWIOTLB_DYNAMIC)) {
		/* shim_direct_mem would copy the list head of mem->pools */
		scnprintf(why, len,
			  "CONFIG_SWIOTLB_DYNAMIC is not supported: no private streaming DMA");
		return -1;
	}
	if (shim_bounce_mem && READ_ONCE(shim_direct_mem.force_bounce)) {
		scnprintf(why, len,
			  "the direct swiotlb descriptor forces bouncing: no private streaming DMA");
		return -1;
	}
	list_for_each_entry(sd, &shim_directs, node) {
		struct device *dev = &sd->pdev->dev;
		bool ours = READ_ONCE(dev->dma_io_tlb_mem) == &shim_direct_mem;

		/*
		 * ORDER: pointer, then accepted; shim_dma_untrusted() restores
		 * the pointer after the device stopped counting as accepted
		 */
		smp_rmb();
		if (!ours && ptsm_dev_accepted(dev)) {
			scnprintf(why, len,
				  "%s: dma_io_tlb_mem was changed by someone else: no private streaming DMA",
				  pci_name(sd->pdev));
			return -1;
		}
	}
	return 0;
}

/* For the status file: devices switched to direct streaming DMA now */
unsigned int shim_dma_nr_direct(void)
{
	lockdep_assert_held(&shim_lock);
	return shim_nr_directs;
}

/*
 * Test hook: make @pdev bounce again behind the shim's back, as a module
 * writing dev->dma_io_tlb_mem would; the next check must catch it.
 */
int shim_dma_test_reset(struct pci_dev *pdev)
{
	guard(mutex)(&shim_lock);
	if (!shim_direct_find(pdev))
		return -ENOENT;
	WRITE_ONCE(pdev->dev.dma_io_tlb_mem, shim_bounce_mem);
	return 0;
}

/* force_dma_unencrypted() entry: di = dev (int3 probe: called from NMI-like context) */
int shim_force_dma_unencrypted_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct device *dev = (struct device *)regs->di;

	if (unlikely(dev == &shim_canary_dev))
		return shim_return(regs, READ_ONCE(shim_canary_fdu));
	if (dev && ptsm_dev_accepted(dev))
		return shim_return(regs, false);
	if (shim_testing)
		return shim_return(regs, true);
	return 0;
}

NOKPROBE_SYMBOL(shim_force_dma_unencrypted_pre);

/*
 * dma_direct_alloc() entry: di = dev. Only counts: force_dma_unencrypted()
 * is asked several times per allocation, this is asked once.
 */
int shim_dma_direct_alloc_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct device *dev = (struct device *)regs->di;

	if (ptsm_dev_accepted(dev))
		shim_count(dev, SHIM_PRIVATE_ALLOCS);
	else if (shim_confidential)
		shim_count(dev, SHIM_SHARED_ALLOCS);
	return 0;
}

NOKPROBE_SYMBOL(shim_dma_direct_alloc_pre);
