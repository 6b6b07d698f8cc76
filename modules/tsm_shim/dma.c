// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA decisions for accepted devices.
 *
 * Streaming DMA. When bouncing is forced for every device (a confidential
 * guest, or swiotlb=force), dma_direct_map_page() hands each mapping to
 * swiotlb_map(dev, paddr, size, dir, attrs) and returns its result. For an
 * accepted device we answer with the direct address instead, so the device
 * reaches private memory without a bounce buffer. Unmap and sync need no
 * help: they bounce only addresses inside the swiotlb pool, and a direct
 * address never is. A device whose DMA mask cannot reach the buffer keeps
 * bouncing, as dma-direct itself would do.
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
 * test. The swiotlb_map probe itself is only armed while some device holds
 * the shim (main.c), so other devices pay nothing for it before that.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-direct.h>
#include <linux/mem_encrypt.h>

#include <ptsm/pci_tsm.h>

#include "shim.h"

/* swiotlb_map() entry: di = dev, si = paddr, dx = size */
int shim_swiotlb_map_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct device *dev = (struct device *)regs->di;
	phys_addr_t paddr = regs->si;
	size_t size = regs->dx;
	dma_addr_t addr;

	if (unlikely(dev == &shim_canary_dev))
		return shim_return(regs, SHIM_CANARY_DMA);
	if (!ptsm_dev_accepted(dev))
		return 0;
	/*
	 * This is phys_to_dma() without its bus-offset branch: a device with
	 * a dma_range_map needs translate_phys_to_dma(), which is not
	 * exported, so it keeps bouncing (correct, only slower).
	 */
	if (dev->dma_range_map)
		return 0;
	addr = __sme_set(paddr);
	if (!dma_capable(dev, addr, size, true))
		return 0;

	shim_count(dev, SHIM_BYPASSED_MAPS);
	return shim_return(regs, addr);
}

NOKPROBE_SYMBOL(shim_swiotlb_map_pre);

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
