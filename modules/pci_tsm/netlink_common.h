/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pci_tsm netlink: what netlink_pci_tsm.c and netlink_device_evidence.c
 * share -- the evidence dump engine (request checks, device lookup,
 * optional refresh, chunked framing) and formatted extack messages.
 *
 * The policy tables and op tables in the two family files are written by
 * hand, following include/uapi/linux/pci-tsm.yaml and device-evidence.yaml
 * (the specs are the source of truth; keep the tables in step with them).
 */
#ifndef PTSM_PCI_TSM_NETLINK_COMMON_H
#define PTSM_PCI_TSM_NETLINK_COMMON_H

#include <linux/netlink.h>
#include <net/genetlink.h>
#include <uapi/linux/pci_tsm_netlink.h>

#include "internal.h"

/*
 * Largest VAL payload in one attribute: nla_len is 16 bits and counts the
 * 4-byte attribute header, so a chunk must stay below 64 KiB whatever room
 * the dump skb offers (a large receive buffer must not overflow nla_len).
 */
#define PTSM_NL_VAL_MAX		round_down(U16_MAX - NLA_HDRLEN, NLA_ALIGNTO)

/*
 * Do not start a chunk smaller than this in a partly filled skb; the next
 * skb will carry it. Only avoids silly 4-byte tails, not a framing rule.
 */
#define PTSM_NL_VAL_MIN		512

/**
 * struct ptsm_nl_proto - how one family spells an evidence dump
 * @family: the family (for genlmsg_put())
 * @cmd: the dump command
 * @a_type: reply attribute carrying the object type (first message)
 * @a_val: reply attribute carrying a chunk of the object
 * @a_generation: reply attribute for the generation, 0 if not sent
 * @a_length: reply attribute for the object length, 0 if not sent
 * @r_mask: request attribute: type mask (required)
 * @r_flags: request attribute: flags (optional)
 * @r_dev_name: request attribute: PCI device name (required)
 * @r_nonce: request attribute: nonce asking for a refresh (optional)
 * @r_subsys: request attribute: subsystem name (required), 0 if none
 */
struct ptsm_nl_proto {
	struct genl_family *family;
	u8 cmd;
	u16 a_type;
	u16 a_val;
	u16 a_generation;
	u16 a_length;
	u16 r_mask;
	u16 r_flags;
	u16 r_dev_name;
	u16 r_nonce;
	u16 r_subsys;
};

/**
 * struct ptsm_nl_dump - state of one evidence dump, kept in cb->ctx
 * @pd: referenced device context, NULL until the request was accepted
 * @set: referenced evidence set, held from setup to done so that every
 *	chunk comes from one consistent set
 * @msg: formatted extack text on kernels whose extack has no buffer of
 *	its own; freed in done, after the core sent NLMSG_DONE
 * @mask: requested types
 * @flags: request flags (PCI_TSM_EVIDENCE_FLAG_*)
 * @offset: bytes of object @type already sent
 * @type: object being sent; PCI_TSM_EVIDENCE_TYPE_NR when finished
 */
struct ptsm_nl_dump {
	struct ptsm_pdev *pd;
	struct ptsm_evidence_set *set;
	char *msg;
	u32 mask;
	u32 flags;
	u32 offset;
	u32 gen;		/* generation current with @set */
	u8 type;
	bool cap_sys_admin;	/* the requester may refresh (nonce) */
};

static inline bool ptsm_nl_may_refresh(const struct ptsm_nl_dump *d)
{
	return d->cap_sys_admin;
}

static inline struct ptsm_nl_dump *ptsm_nl_dump_ctx(struct netlink_callback *cb)
{
	NL_ASSERT_DUMP_CTX_FITS(struct ptsm_nl_dump);
	return (struct ptsm_nl_dump *)cb->ctx;
}

int ptsm_nl_dump_start(const struct ptsm_nl_proto *proto,
		       struct netlink_callback *cb);
int ptsm_nl_dump_dumpit(const struct ptsm_nl_proto *proto,
			struct sk_buff *skb, struct netlink_callback *cb);
int ptsm_nl_dump_done(struct netlink_callback *cb);

int ptsm_nl_check_subsys(const struct nlattr *attr, char **store,
			 struct netlink_ext_ack *extack);
int ptsm_nl_lookup(const struct nlattr *attr, struct ptsm_pdev **out,
		   char **store, struct netlink_ext_ack *extack);

__printf(4, 5)
void ptsm_nl_errf(struct netlink_ext_ack *extack, char **store,
		  const char *fallback, const char *fmt, ...);

extern struct genl_family ptsm_nl_pci_tsm_family;
extern struct genl_family ptsm_nl_devev_family;

#endif /* PTSM_PCI_TSM_NETLINK_COMMON_H */
