// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic netlink family "device-evidence", version 1 (pci-tsm extension,
 * docs/ABI.md 3.2):
 *   READ      dump: like pci-tsm's EVIDENCE_READ, plus GENERATION and
 *             LENGTH in the first message of every object; a 32-byte NONCE
 *             first asks the TSM to refresh signed evidence over it.
 *   VALIDATE  do: record that userspace validated a generation (ESTALE if
 *             it is no longer current); tsm/accept may require it.
 *
 * Spec: include/uapi/linux/device-evidence.yaml. The policy and op tables
 * below are written by hand from it; keep them in step with the spec.
 */
#include <uapi/linux/device_evidence.h>

#include "netlink_common.h"

static const struct nla_policy
ptsm_nl_devev_read_policy[DEVICE_EVIDENCE_A_NONCE + 1] = {
	[DEVICE_EVIDENCE_A_TYPE_MASK]	= { .type = NLA_U32 },
	[DEVICE_EVIDENCE_A_FLAGS]	= { .type = NLA_U32 },
	[DEVICE_EVIDENCE_A_SUBSYS]	= { .type = NLA_NUL_STRING,
					    .len = DEVICE_EVIDENCE_SUBSYS_MAX },
	[DEVICE_EVIDENCE_A_DEV_NAME]	= { .type = NLA_NUL_STRING,
					    .len = DEVICE_EVIDENCE_DEV_NAME_MAX },
	[DEVICE_EVIDENCE_A_NONCE]	= NLA_POLICY_EXACT_LEN(DEVICE_EVIDENCE_NONCE_SIZE),
};

static const struct nla_policy
ptsm_nl_devev_validate_policy[DEVICE_EVIDENCE_A_GENERATION + 1] = {
	[DEVICE_EVIDENCE_A_SUBSYS]	= { .type = NLA_NUL_STRING,
					    .len = DEVICE_EVIDENCE_SUBSYS_MAX },
	[DEVICE_EVIDENCE_A_DEV_NAME]	= { .type = NLA_NUL_STRING,
					    .len = DEVICE_EVIDENCE_DEV_NAME_MAX },
	[DEVICE_EVIDENCE_A_GENERATION]	= { .type = NLA_U32 },
};

static const struct ptsm_nl_proto ptsm_nl_devev_read_proto = {
	.family		= &ptsm_nl_devev_family,
	.cmd		= DEVICE_EVIDENCE_CMD_READ,
	.a_type		= DEVICE_EVIDENCE_A_TYPE,
	.a_val		= DEVICE_EVIDENCE_A_VAL,
	.a_generation	= DEVICE_EVIDENCE_A_GENERATION,
	.a_length	= DEVICE_EVIDENCE_A_LENGTH,
	.r_mask		= DEVICE_EVIDENCE_A_TYPE_MASK,
	.r_flags	= DEVICE_EVIDENCE_A_FLAGS,
	.r_dev_name	= DEVICE_EVIDENCE_A_DEV_NAME,
	.r_nonce	= DEVICE_EVIDENCE_A_NONCE,
	.r_subsys	= DEVICE_EVIDENCE_A_SUBSYS,
};

static int ptsm_nl_devev_read_start(struct netlink_callback *cb)
{
	return ptsm_nl_dump_start(&ptsm_nl_devev_read_proto, cb);
}

static int ptsm_nl_devev_read_dumpit(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	return ptsm_nl_dump_dumpit(&ptsm_nl_devev_read_proto, skb, cb);
}

/*
 * Messages here are constant on kernels whose extack cannot hold a
 * formatted one (6.1): a do callback has nowhere to keep the text until
 * the core sends the ack.
 */
static int ptsm_nl_devev_validate_doit(struct sk_buff *skb,
				       struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct ptsm_pdev *pd;
	u32 generation, current_gen;
	int rc;

	/* VALIDATE lets accept through: the privilege of accept itself */
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(extack, "VALIDATE needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (GENL_REQ_ATTR_CHECK(info, DEVICE_EVIDENCE_A_SUBSYS)) {
		NL_SET_ERR_MSG(extack, "missing subsystem");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, DEVICE_EVIDENCE_A_DEV_NAME)) {
		NL_SET_ERR_MSG(extack, "missing device name");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, DEVICE_EVIDENCE_A_GENERATION)) {
		NL_SET_ERR_MSG(extack, "missing generation");
		return -EINVAL;
	}

	rc = ptsm_nl_check_subsys(info->attrs[DEVICE_EVIDENCE_A_SUBSYS], NULL,
				  extack);
	if (rc)
		return rc;
	rc = ptsm_nl_lookup(info->attrs[DEVICE_EVIDENCE_A_DEV_NAME], &pd, NULL,
			    extack);
	if (rc)
		return rc;

	generation = nla_get_u32(info->attrs[DEVICE_EVIDENCE_A_GENERATION]);
	rc = ptsm_evidence_validate(pd, generation);
	if (rc == -ESTALE) {
		current_gen = ptsm_evidence_generation(pd);
		ptsm_nl_errf(extack, NULL, "generation is not current",
			     "generation %u is not current (%u)", generation,
			     current_gen);
		NL_SET_BAD_ATTR(extack,
				info->attrs[DEVICE_EVIDENCE_A_GENERATION]);
	} else if (rc) {
		ptsm_nl_errf(extack, NULL, "validate failed",
			     "validate failed: %d", rc);
	}
	ptsm_pdev_put(pd);
	return rc;
}

static const struct ptsm_genl_ops ptsm_nl_devev_ops[] = {
	{
		.cmd		= DEVICE_EVIDENCE_CMD_READ,
		.start		= ptsm_nl_devev_read_start,
		.dumpit		= ptsm_nl_devev_read_dumpit,
		.done		= ptsm_nl_dump_done,
		.policy		= ptsm_nl_devev_read_policy,
		.maxattr	= DEVICE_EVIDENCE_A_NONCE,
		.flags		= GENL_ADMIN_PERM | PTSM_GENL_CAP_DUMP,
	},
	{
		.cmd		= DEVICE_EVIDENCE_CMD_VALIDATE,
		.doit		= ptsm_nl_devev_validate_doit,
		.policy		= ptsm_nl_devev_validate_policy,
		.maxattr	= DEVICE_EVIDENCE_A_GENERATION,
		.flags		= GENL_ADMIN_PERM | PTSM_GENL_CAP_DO,
	},
};

struct genl_family ptsm_nl_devev_family __ro_after_init = {
	.name		= DEVICE_EVIDENCE_FAMILY_NAME,
	.version	= DEVICE_EVIDENCE_FAMILY_VERSION,
	.module		= THIS_MODULE,
	.parallel_ops	= true,
#ifdef COMPAT_HAVE_GENL_SPLIT_OPS
	.split_ops	= ptsm_nl_devev_ops,
	.n_split_ops	= ARRAY_SIZE(ptsm_nl_devev_ops),
#else
	.ops		= ptsm_nl_devev_ops,
	.n_ops		= ARRAY_SIZE(ptsm_nl_devev_ops),
#endif
};
