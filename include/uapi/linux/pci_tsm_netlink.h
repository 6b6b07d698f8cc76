/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * Generic netlink family "pci-tsm", version 1 (wire-compatible with the
 * upstream PCI/TSM v2 family). Source of truth: pci-tsm.yaml beside this
 * file; docs/ABI.md section 3.1.
 */
#ifndef _UAPI_LINUX_PCI_TSM_NETLINK_H
#define _UAPI_LINUX_PCI_TSM_NETLINK_H

#define PCI_TSM_FAMILY_NAME	"pci-tsm"
#define PCI_TSM_FAMILY_VERSION	1

/* Longest PCI device name accepted in DEV_NAME, without the NUL. */
#define PCI_TSM_DEV_NAME_MAX	31
/* Longest NONCE accepted by the pci-tsm family. */
#define PCI_TSM_NONCE_MAX	256

enum {
	PCI_TSM_A_EVIDENCE_TYPE = 1,		/* u32, reply */
	PCI_TSM_A_EVIDENCE_TYPE_MASK,		/* u32, request, required */
	PCI_TSM_A_EVIDENCE_FLAGS,		/* u32, request */
	PCI_TSM_A_EVIDENCE_DEV_NAME,		/* string, request, required */
	PCI_TSM_A_EVIDENCE_NONCE,		/* binary, request */
	PCI_TSM_A_EVIDENCE_VAL,			/* binary, reply */

	__PCI_TSM_A_EVIDENCE_MAX,
	PCI_TSM_A_EVIDENCE_MAX = (__PCI_TSM_A_EVIDENCE_MAX - 1)
};

enum {
	PCI_TSM_CMD_EVIDENCE_READ = 1,		/* dump, CAP_NET_ADMIN */

	__PCI_TSM_CMD_MAX,
	PCI_TSM_CMD_MAX = (__PCI_TSM_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_PCI_TSM_NETLINK_H */
