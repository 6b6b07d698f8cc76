/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * Generic netlink family "device-evidence", version 1 (pci-tsm extension).
 * Source of truth: device-evidence.yaml beside this file; docs/ABI.md 3.2.
 */
#ifndef _UAPI_LINUX_DEVICE_EVIDENCE_H
#define _UAPI_LINUX_DEVICE_EVIDENCE_H

#define DEVICE_EVIDENCE_FAMILY_NAME	"device-evidence"
#define DEVICE_EVIDENCE_FAMILY_VERSION	1

#define DEVICE_EVIDENCE_SUBSYS_PCI	"pci"

/* Longest SUBSYS and DEV_NAME accepted, without the NUL. */
#define DEVICE_EVIDENCE_SUBSYS_MAX	15
#define DEVICE_EVIDENCE_DEV_NAME_MAX	31
/* NONCE length (exactly). */
#define DEVICE_EVIDENCE_NONCE_SIZE	32

enum {
	DEVICE_EVIDENCE_A_TYPE = 1,		/* u32, reply */
	DEVICE_EVIDENCE_A_TYPE_MASK,		/* u32, READ request, required */
	DEVICE_EVIDENCE_A_FLAGS,		/* u32, READ request */
	DEVICE_EVIDENCE_A_SUBSYS,		/* string, request, required ("pci") */
	DEVICE_EVIDENCE_A_DEV_NAME,		/* string, request, required */
	DEVICE_EVIDENCE_A_NONCE,		/* binary, exactly 32 bytes */
	DEVICE_EVIDENCE_A_GENERATION,		/* u32 */
	DEVICE_EVIDENCE_A_COUNT,		/* u64, reserved: not sent by v1 */
	DEVICE_EVIDENCE_A_LENGTH,		/* u32, VAL bytes of the object */
	DEVICE_EVIDENCE_A_VAL,			/* binary, reply */

	__DEVICE_EVIDENCE_A_MAX,
	DEVICE_EVIDENCE_A_MAX = (__DEVICE_EVIDENCE_A_MAX - 1)
};

enum {
	DEVICE_EVIDENCE_CMD_READ = 1,		/* dump, CAP_NET_ADMIN */
	DEVICE_EVIDENCE_CMD_VALIDATE,		/* do, CAP_NET_ADMIN */

	__DEVICE_EVIDENCE_CMD_MAX,
	DEVICE_EVIDENCE_CMD_MAX = (__DEVICE_EVIDENCE_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_DEVICE_EVIDENCE_H */
