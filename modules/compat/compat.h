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
 * in struct device behind a spinlock; older ones in struct pci_dev behind
 * the device lock. Macros so that this header needs no extra includes.
 * _locked variants: the caller holds the device lock.
 */
#ifdef COMPAT_HAVE_DEVICE_DRIVER_OVERRIDE
#define compat_pci_override_set(pdev, s) \
	device_set_driver_override(&(pdev)->dev, (s))
#define compat_pci_override_clear_locked(pdev) \
	device_set_driver_override(&(pdev)->dev, "")
#define compat_pci_override_test(pdev, s) ({			\
	struct device *__d = &(pdev)->dev;				\
	const char *__s = (s);						\
	bool __r;							\
	spin_lock(&__d->driver_override.lock);				\
	__r = __d->driver_override.name &&				\
	      (!__s || !strcmp(__d->driver_override.name, __s));	\
	spin_unlock(&__d->driver_override.lock);			\
	__r; })
#define compat_pci_override_has(pdev) compat_pci_override_test(pdev, NULL)
#define compat_pci_override_is_locked(pdev, s) compat_pci_override_test(pdev, s)
#else
#define compat_pci_override_set(pdev, s) ({				\
	struct pci_dev *__p = (pdev);					\
	const char *__s = (s);						\
	driver_set_override(&__p->dev, &__p->driver_override, __s, strlen(__s)); })
#define compat_pci_override_clear_locked(pdev) ({			\
	struct pci_dev *__p = (pdev);					\
	kfree(__p->driver_override);					\
	__p->driver_override = NULL;					\
	0; })
#define compat_pci_override_has(pdev) (!!READ_ONCE((pdev)->driver_override))
#define compat_pci_override_is_locked(pdev, s) ({			\
	struct pci_dev *__p = (pdev);					\
	__p->driver_override && !strcmp(__p->driver_override, (s)); })
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

#endif /* PTSM_COMPAT_H */
