// SPDX-License-Identifier: GPL-2.0-only
/*
 * MMIO decisions for accepted devices.
 *
 * Every x86 ioremap flavour ends in the static __ioremap_caller(phys_addr,
 * size, pcm, caller, encrypted), whose last argument selects an encrypted
 * mapping (same order on 6.1 and 6.12). pci_tsm classifies a range against
 * the MMIO ranges accepted devices reported:
 *  - PLAIN: no TEE memory, including the MSI-X table and PBA holes the
 *    report marks non-TEE: untouched.
 *  - TEE: inside one accepted device's reported ranges. In a confidential
 *    guest (or testing mode) the mapping is forced encrypted; on a host
 *    that cannot encrypt it is refused, so a driver binding to the device
 *    fails (upstream semantics).
 *  - MIXED: TEE memory and memory outside the report in one mapping:
 *    always refused, one mapping cannot be both.
 * A refusal makes __ioremap_caller() return NULL without running.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>

#include <ptsm/pci_tsm.h>

#include "shim.h"

static DEFINE_RATELIMIT_STATE(shim_refuse_rs, 5 * HZ, 10);

static void shim_refuse(struct pci_dev *owner, resource_size_t start,
			unsigned long size, const char *why)
{
	resource_size_t end = start + size - 1;

	shim_count(owner ? &owner->dev : NULL, SHIM_REFUSED_IOREMAPS);
	if (__ratelimit(&shim_refuse_rs))
		pr_warn("%s: refused ioremap [mem %pa-%pa]: %s\n",
			owner ? pci_name(owner) : "?", &start, &end, why);
}

NOKPROBE_SYMBOL(shim_refuse);

/* __ioremap_caller() entry: di = phys_addr, si = size, r8 = encrypted */
int shim_ioremap_pre(struct kprobe *p, struct pt_regs *regs)
{
	resource_size_t start = regs->di;
	unsigned long size = regs->si;
	struct pci_dev *owner = NULL;

	if (unlikely(!size)) {
		/* inforce.c's canary; any other zero-sized map fails by itself */
		if (start == SHIM_CANARY_PHYS)
			return shim_return(regs, (unsigned long)shim_canary_iomem);
		return 0;
	}
	/* __ioremap_caller() refuses a wrapping range by itself */
	if (start + size - 1 < start)
		return 0;

	switch (ptsm_mmio_classify(start, size, &owner)) {
	case PTSM_MMIO_PLAIN:
		return 0;
	case PTSM_MMIO_TEE:
		if (shim_confidential) {
			regs->r8 = true;
			shim_count(owner ? &owner->dev : NULL,
				   SHIM_ENCRYPTED_IOREMAPS);
			return 0;
		}
		shim_refuse(owner, start, size,
			    "TEE MMIO and this host cannot map it encrypted");
		break;
	case PTSM_MMIO_MIXED:
		shim_refuse(owner, start, size,
			    "range mixes TEE and non-TEE MMIO");
		break;
	default:
		shim_refuse(owner, start, size, "unknown MMIO class");
		break;
	}
	return shim_return(regs, 0);
}

NOKPROBE_SYMBOL(shim_ioremap_pre);
