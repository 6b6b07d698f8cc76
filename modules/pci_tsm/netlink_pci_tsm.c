// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic netlink family "pci-tsm", version 1: EVIDENCE_READ, a dump of a
 * PCI device's evidence objects, wire-compatible with the upstream PCI/TSM
 * v2 family (docs/ABI.md 3.1).
 *
 * Spec: include/uapi/linux/pci-tsm.yaml. The policy and op tables below are
 * written by hand from it (no generator is run at build time); keep them in
 * step with the spec.
 *
 * NONCE: upstream passes it to the TSM to refresh signed evidence before
 * the read. So does this family: a 32-byte nonce refreshes (as on the
 * device-evidence family), any other length fails with EOPNOTSUPP, and a
 * TSM that cannot refresh fails the read. A nonce is never silently
 * ignored, so a client never gets evidence signed over another nonce.
 */

#include "netlink_common.h"

static const struct nla_policy
ptsm_nl_evidence_read_policy[PCI_TSM_A_EVIDENCE_NONCE + 1] = {
	[PCI_TSM_A_EVIDENCE_TYPE_MASK]	= { .type = NLA_U32 },
	[PCI_TSM_A_EVIDENCE_FLAGS]	= { .type = NLA_U32 },
	[PCI_TSM_A_EVIDENCE_DEV_NAME]	= { .type = NLA_NUL_STRING,
					    .len = PCI_TSM_DEV_NAME_MAX },
	[PCI_TSM_A_EVIDENCE_NONCE]	= { .type = NLA_BINARY,
					    .len = PCI_TSM_NONCE_MAX },
};

static const struct ptsm_nl_proto ptsm_nl_evidence_read_proto = {
	.family		= &ptsm_nl_pci_tsm_family,
	.cmd		= PCI_TSM_CMD_EVIDENCE_READ,
	.a_type		= PCI_TSM_A_EVIDENCE_TYPE,
	.a_val		= PCI_TSM_A_EVIDENCE_VAL,
	.r_mask		= PCI_TSM_A_EVIDENCE_TYPE_MASK,
	.r_flags	= PCI_TSM_A_EVIDENCE_FLAGS,
	.r_dev_name	= PCI_TSM_A_EVIDENCE_DEV_NAME,
	.r_nonce	= PCI_TSM_A_EVIDENCE_NONCE,
};

static int ptsm_nl_evidence_read_start(struct netlink_callback *cb)
{
	return ptsm_nl_dump_start(&ptsm_nl_evidence_read_proto, cb);
}

static int ptsm_nl_evidence_read_dumpit(struct sk_buff *skb,
					struct netlink_callback *cb)
{
	return ptsm_nl_dump_dumpit(&ptsm_nl_evidence_read_proto, skb, cb);
}

static const struct ptsm_genl_ops ptsm_nl_pci_tsm_ops[] = {
	{
		.cmd		= PCI_TSM_CMD_EVIDENCE_READ,
		.start		= ptsm_nl_evidence_read_start,
		.dumpit		= ptsm_nl_evidence_read_dumpit,
		.done		= ptsm_nl_dump_done,
		.policy		= ptsm_nl_evidence_read_policy,
		.maxattr	= PCI_TSM_A_EVIDENCE_NONCE,
		.flags		= GENL_ADMIN_PERM | PTSM_GENL_CAP_DUMP,
	},
};

struct genl_family ptsm_nl_pci_tsm_family __ro_after_init = {
	.name		= PCI_TSM_FAMILY_NAME,
	.version	= PCI_TSM_FAMILY_VERSION,
	.module		= THIS_MODULE,
	.parallel_ops	= true,
#ifdef COMPAT_HAVE_GENL_SPLIT_OPS
	.split_ops	= ptsm_nl_pci_tsm_ops,
	.n_split_ops	= ARRAY_SIZE(ptsm_nl_pci_tsm_ops),
#else
	.ops		= ptsm_nl_pci_tsm_ops,
	.n_ops		= ARRAY_SIZE(ptsm_nl_pci_tsm_ops),
#endif
};
