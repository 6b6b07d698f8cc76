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
#define PTSM_EXPORT(sym) EXPORT_SYMBOL_NS_GPL(sym, PCI_TSM_OOT)
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

#endif /* PTSM_COMPAT_H */
