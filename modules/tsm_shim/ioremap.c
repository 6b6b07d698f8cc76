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

/* ioremap(..., 0) calls seen by the probe: proves the probe fires */
static atomic_t shim_canary_hits = ATOMIC_INIT(0);

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
		atomic_inc(&shim_canary_hits);
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

/*
 * shim_ioremap_canary() - does the __ioremap_caller probe fire right now?
 *
 * A registered probe can still be inert: "echo 0 >
 * /sys/kernel/debug/kprobes/enabled" disarms every kprobe without telling
 * their owners. ioremap() of zero bytes reaches __ioremap_caller(), which
 * returns NULL at once; the probe counts such calls. All our probes are
 * disarmed together, so one canary speaks for all of them.
 *
 * Context: process context.
 */
bool shim_ioremap_canary(void)
{
	int before = atomic_read(&shim_canary_hits);
	void __iomem *p = ioremap(0, 0);

	if (p)		/* cannot happen: zero-sized maps are refused */
		iounmap(p);
	return atomic_read(&shim_canary_hits) != before;
}
