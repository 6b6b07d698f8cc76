/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one place that knows how supported kernels differ. Force-included
 * into every pci-tsm module (Kbuild); Kbuild.include probes the target
 * headers and defines COMPAT_* capability macros. .c files test those
 * capabilities, never LINUX_VERSION_CODE.
 */
#ifndef PTSM_COMPAT_H
#define PTSM_COMPAT_H

#include <linux/version.h>
#include <linux/types.h>

/* Our symbol namespace; 6.13+ would want a string literal here. */
#define PTSM_NS PCI_TSM_OOT
#define PTSM_EXPORT(sym) \
	EXPORT_SYMBOL_NS_GPL(sym, PCI_TSM_OOT)
#define PTSM_IMPORT_NS() MODULE_IMPORT_NS(PCI_TSM_OOT)

/* PCIe registers absent from older pci_regs.h */
#include <uapi/linux/pci_regs.h>
#ifndef PCI_EXP_DEVCAP_TEE
#define PCI_EXP_DEVCAP_TEE		0x40000000	/* TEE-IO (TDISP) supported */
#endif
#ifndef PCI_EXT_CAP_ID_IDE
#define PCI_EXT_CAP_ID_IDE		0x30		/* Integrity and Data Encryption */
#endif
#ifndef PCI_EXT_CAP_ID_DOE
#define PCI_EXT_CAP_ID_DOE		0x2E
#endif

/*
 * ---- generic netlink (netlink_*.c of pci_tsm; maintained by the netlink
 * helper). Macros only: nothing here includes the netlink headers, so the
 * section costs the other modules nothing.
 */

/* One op table for both shapes: split ops where the kernel has them. */
#ifdef COMPAT_HAVE_GENL_SPLIT_OPS
#define ptsm_genl_ops		genl_split_ops
#define PTSM_GENL_CAP_DO	GENL_CMD_CAP_DO
#define PTSM_GENL_CAP_DUMP	GENL_CMD_CAP_DUMP
#else
#define ptsm_genl_ops		genl_ops
#define PTSM_GENL_CAP_DO	0
#define PTSM_GENL_CAP_DUMP	0
#endif

/* The request attributes parsed by the genl core for a dump. */
#ifdef COMPAT_HAVE_GENL_INFO_DUMP
#define ptsm_genl_dump_attrs(cb)	(genl_info_dump(cb)->attrs)
#else
#define ptsm_genl_dump_attrs(cb)	(genl_dumpit_info(cb)->attrs)
#endif

#ifndef COMPAT_HAVE_NL_ASSERT_DUMP_CTX_FITS
#define NL_ASSERT_DUMP_CTX_FITS(type_name)				\
	BUILD_BUG_ON(sizeof(type_name) >				\
		     sizeof_field(struct netlink_callback, ctx))
#endif
/* ---- end of generic netlink section */

/*
 * driver_override (added by the core helper): newer stable kernels keep it
 * in struct device behind a spinlock, read and written only through the
 * device_*_driver_override() helpers; older ones in struct pci_dev, written
 * under the device lock (driver_set_override() takes it). _locked
 * variants: the caller holds the device lock, which on 6.1 keeps a
 * concurrent driver_override store from freeing the string we compare or
 * free. @drv is a struct device_driver.
 */
#ifdef COMPAT_HAVE_DEVICE_DRIVER_OVERRIDE
#define compat_pci_override_set(pdev, s) \
	device_set_driver_override(&(pdev)->dev, (s))
#define compat_pci_override_clear_locked(pdev) \
	device_set_driver_override(&(pdev)->dev, "")
#ifdef __CHECKER__
/* sparse cannot follow the guard(spinlock) inside these helpers */
#define compat_pci_override_has(pdev) ((void)&(pdev)->dev, false)
#define compat_pci_override_is_locked(pdev, drv) \
	((void)&(pdev)->dev, (void)(drv)->name, false)
#else
#define compat_pci_override_has(pdev) \
	device_has_driver_override(&(pdev)->dev)
#define compat_pci_override_is_locked(pdev, drv) \
	(device_match_driver_override(&(pdev)->dev, (drv)) > 0)
#endif
#else
#define compat_pci_override_set(pdev, s) ({				\
	struct pci_dev *__p = (pdev);					\
	const char *__s = (s);						\
	driver_set_override(&__p->dev, &__p->driver_override, __s, strlen(__s)); })
#define compat_pci_override_clear_locked(pdev) ({			\
	struct pci_dev *__p = (pdev);					\
	device_lock_assert(&__p->dev);					\
	kfree(__p->driver_override);					\
	__p->driver_override = NULL;					\
	0; })
/* only tests the pointer: needs no lock */
#define compat_pci_override_has(pdev) (!!READ_ONCE((pdev)->driver_override))
#define compat_pci_override_is_locked(pdev, drv) ({			\
	struct pci_dev *__p = (pdev);					\
	device_lock_assert(&__p->dev);					\
	__p->driver_override && !strcmp(__p->driver_override, (drv)->name); })
#endif

/*
 * shim helper: is @paddr inside @dev's swiotlb pool? Expands where
 * <linux/swiotlb.h> is included (devsec_pci self-test).
 */
#ifdef COMPAT_HAVE_SWIOTLB_FIND_POOL
#define compat_is_swiotlb_buffer(dev, paddr) (!!swiotlb_find_pool((dev), (paddr)))
#else
#define compat_is_swiotlb_buffer(dev, paddr) is_swiotlb_buffer((dev), (paddr))
#endif

/*
 * shim helper: tsm_shim's copy of a struct io_tlb_mem (dma.c) starts its
 * own used-slot statistics at zero and hands what it counted back to the
 * original when a device stops using it. Only 6.12 (with debugfs) keeps
 * them in the struct; 6.1 counts in the shared areas, nothing to do.
 */
#if defined(COMPAT_HAVE_SWIOTLB_TOTAL_USED) && defined(CONFIG_DEBUG_FS)
#define compat_swiotlb_stats_reset(mem) do {				\
	struct io_tlb_mem *__m = (mem);					\
	atomic_long_set(&__m->total_used, 0);				\
	atomic_long_set(&__m->used_hiwater, 0);				\
} while (0)
#define compat_swiotlb_stats_fold(to, from)				\
	atomic_long_add(atomic_long_xchg(&(from)->total_used, 0),	\
			&(to)->total_used)
#else
#define compat_swiotlb_stats_reset(mem) do { } while (0)
#define compat_swiotlb_stats_fold(to, from) do { } while (0)
#endif

#endif /* PTSM_COMPAT_H */
