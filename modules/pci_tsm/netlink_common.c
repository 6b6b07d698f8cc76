// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_tsm netlink: the evidence dump shared by the "pci-tsm" and
 * "device-evidence" families, and their registration.
 *
 * A dump takes a reference on the device context and on the evidence set
 * published when the request was accepted (with a NONCE: the set that
 * request's refresh published), and keeps both until done. It remembers
 * the generation current with that set; every dumpit call compares the
 * device's current generation with it: if the generation moved meanwhile
 * the dump fails with EAGAIN, so a client never assembles objects from two
 * different sets. A generation bumped without new evidence moves on with
 * the same set, so only a dump running across the bump fails; the next
 * one reports the new generation.
 *
 * Requests are checked in the start callback when the core hands it an
 * extack (newer kernels); otherwise (6.1) the start callback only records
 * that and the first dumpit call checks them, because only there can an
 * error carry its message (in NLMSG_DONE instead of NLMSG_ERROR).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/device_evidence.h>

#include "netlink_common.h"

/**
 * ptsm_nl_errf() - set a formatted extack message
 * @extack: the extack, may be NULL
 * @store: where to keep the text on kernels whose extack has no message
 *	buffer (it must outlive the reply: the dump context does), or NULL
 * @fallback: constant text used when the text cannot be formatted
 * @fmt: format of the message
 */
void ptsm_nl_errf(struct netlink_ext_ack *extack, char **store,
		  const char *fallback, const char *fmt, ...)
{
	va_list args;

	if (!extack)
		return;
#ifdef COMPAT_HAVE_NL_SET_ERR_MSG_FMT
	va_start(args, fmt);
	vsnprintf(extack->_msg_buf, sizeof(extack->_msg_buf), fmt, args);
	va_end(args);
	extack->_msg = extack->_msg_buf;
#else
	extack->_msg = fallback;
	if (store) {
		kfree(*store);
		va_start(args, fmt);
		*store = kvasprintf(GFP_KERNEL, fmt, args);
		va_end(args);
		if (*store)
			extack->_msg = *store;
	}
#endif
	do_trace_netlink_extack(extack->_msg);
}

int ptsm_nl_check_subsys(const struct nlattr *attr, char **store,
			 struct netlink_ext_ack *extack)
{
	if (!nla_strcmp(attr, DEVICE_EVIDENCE_SUBSYS_PCI))
		return 0;

	/* the policy guarantees a NUL-terminated string */
	ptsm_nl_errf(extack, store, "unsupported subsystem",
		     "unsupported subsystem '%s'", (const char *)nla_data(attr));
	NL_SET_BAD_ATTR(extack, attr);
	return -EOPNOTSUPP;
}

/**
 * ptsm_nl_lookup() - find the context of the device named by @attr
 * @attr: a DEV_NAME attribute (NUL-terminated string, checked by policy)
 * @out: the referenced context on success
 * @store: see ptsm_nl_errf()
 * @extack: for the error message
 *
 * Return: 0, -EINVAL, -ENODEV (no such PCI device) or -ENXIO (no context).
 */
int ptsm_nl_lookup(const struct nlattr *attr, struct ptsm_pdev **out,
		   char **store, struct netlink_ext_ack *extack)
{
	char name[PCI_TSM_DEV_NAME_MAX + 1];
	int rc;

	if (nla_strscpy(name, attr, sizeof(name)) < 0) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "device name too long");
		return -EINVAL;
	}

	rc = ptsm_pdev_lookup(name, out);
	switch (rc) {
	case 0:
		return 0;
	case -ENODEV:
		ptsm_nl_errf(extack, store, "device not found",
			     "device '%s' not found", name);
		break;
	case -ENXIO:
		ptsm_nl_errf(extack, store, "device has no TSM context",
			     "device '%s' has no TSM context", name);
		break;
	default:
		ptsm_nl_errf(extack, store, "device lookup failed",
			     "device '%s' lookup failed: %d", name, rc);
		break;
	}
	NL_SET_BAD_ATTR(extack, attr);
	return rc;
}

/*
 * Ask the TSM for evidence signed over the nonce in @attr. A nonce the TSM
 * cannot use is an error: never answer a nonce with evidence signed over
 * another one.
 */
static int ptsm_nl_refresh(struct ptsm_pdev *pd, const struct nlattr *attr,
			   struct ptsm_nl_dump *d, char **store,
			   struct netlink_ext_ack *extack)
{
	u32 len = nla_len(attr);
	int rc;

	if (len != PCI_TSM_NONCE_SIZE) {
		ptsm_nl_errf(extack, store, "nonce length cannot refresh evidence",
			     "a %u-byte nonce cannot refresh evidence (needs %u)",
			     len, PCI_TSM_NONCE_SIZE);
		NL_SET_BAD_ATTR(extack, attr);
		return -EOPNOTSUPP;
	}

	rc = ptsm_evidence_refresh(pd, nla_data(attr), len, &d->set, &d->gen);
	switch (rc) {
	case 0:
		return 0;
	case -EOPNOTSUPP:
		NL_SET_ERR_MSG(extack, "TSM cannot refresh evidence");
		break;
	case -ETIMEDOUT:
		NL_SET_ERR_MSG(extack, "evidence refresh timed out");
		break;
	case -ENXIO:
		NL_SET_ERR_MSG(extack, "no TSM owns the device's evidence");
		break;
	case -EPROTO:
		NL_SET_ERR_MSG(extack, "TSM answered with evidence not over the nonce");
		break;
	case -EINTR:
	case -ERESTARTSYS:
		/* -EINTR from a dump start means "started, no ack" to the core */
		NL_SET_ERR_MSG(extack, "evidence refresh interrupted");
		rc = -EAGAIN;
		break;
	default:
		ptsm_nl_errf(extack, store, "evidence refresh failed",
			     "evidence refresh failed: %d", rc);
		break;
	}
	return rc;
}

static u8 ptsm_nl_next_type(u32 mask, unsigned int from)
{
	unsigned int type;

	for (type = from; type < PCI_TSM_EVIDENCE_TYPE_NR; type++)
		if (mask & BIT(type))
			break;
	return type;
}

/* Check the request's mask and flags (and subsystem) into @d. */
static int ptsm_nl_parse(const struct ptsm_nl_proto *p, struct ptsm_nl_dump *d,
			 struct nlattr **attrs, char **store,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *attr;
	u32 unknown;
	int rc;

	/* a nonce makes the TSM refresh, which influences accept */
	if (attrs[p->r_nonce] && !ptsm_nl_may_refresh(d)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[p->r_nonce],
				    "a nonce needs CAP_SYS_ADMIN");
		return -EPERM;
	}

	if (p->r_subsys) {
		if (NL_REQ_ATTR_CHECK(extack, NULL, attrs, p->r_subsys)) {
			NL_SET_ERR_MSG(extack, "missing subsystem");
			return -EINVAL;
		}
		rc = ptsm_nl_check_subsys(attrs[p->r_subsys], store, extack);
		if (rc)
			return rc;
	}

	if (NL_REQ_ATTR_CHECK(extack, NULL, attrs, p->r_mask)) {
		NL_SET_ERR_MSG(extack, "missing object request mask");
		return -EINVAL;
	}
	attr = attrs[p->r_mask];
	d->mask = nla_get_u32(attr);
	unknown = d->mask & ~PCI_TSM_EVIDENCE_TYPE_MASK_ALL;
	if (unknown) {
		ptsm_nl_errf(extack, store, "unsupported object request",
			     "unsupported object request %#x", unknown);
		NL_SET_BAD_ATTR(extack, attr);
		return -EINVAL;
	}
	if (!d->mask) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "no evidence type requested");
		return -EINVAL;
	}

	attr = attrs[p->r_flags];
	d->flags = attr ? nla_get_u32(attr) : 0;
	unknown = d->flags & ~PCI_TSM_EVIDENCE_FLAG_DIGEST;
	if (unknown) {
		ptsm_nl_errf(extack, store, "unsupported flags",
			     "unsupported flags %#x", unknown);
		NL_SET_BAD_ATTR(extack, attr);
		return -EINVAL;
	}

	if (NL_REQ_ATTR_CHECK(extack, NULL, attrs, p->r_dev_name)) {
		NL_SET_ERR_MSG(extack, "missing device name");
		return -EINVAL;
	}
	return 0;
}

/* Refresh if asked to, then reference the evidence set of @pd. */
static int ptsm_nl_get_set(const struct ptsm_nl_proto *p,
			   struct ptsm_nl_dump *d, struct ptsm_pdev *pd,
			   struct nlattr **attrs, char **store,
			   struct netlink_ext_ack *extack)
{
	/* the set the refresh published, not whatever is current after it */
	if (attrs[p->r_nonce])
		return ptsm_nl_refresh(pd, attrs[p->r_nonce], d, store, extack);

	d->set = ptsm_evidence_get(pd, &d->gen);
	if (!d->set) {
		ptsm_nl_errf(extack, store, "no evidence available",
			     "no evidence available for '%s'",
			     pci_name(ptsm_pdev_pci(pd)));
		return -ENXIO;
	}
	return 0;
}

/* Look the device up and hold it and its evidence for the whole dump. */
static int ptsm_nl_attach(const struct ptsm_nl_proto *p,
			  struct ptsm_nl_dump *d, struct nlattr **attrs,
			  char **store, struct netlink_ext_ack *extack)
{
	struct ptsm_pdev *pd;
	int rc;

	rc = ptsm_nl_lookup(attrs[p->r_dev_name], &pd, store, extack);
	if (rc)
		return rc;

	rc = ptsm_nl_get_set(p, d, pd, attrs, store, extack);
	if (rc) {
		ptsm_pdev_put(pd);
		return rc;
	}

	d->pd = pd;
	d->type = ptsm_nl_next_type(d->mask, 0);
	d->offset = 0;
	return 0;
}

static int ptsm_nl_dump_setup(const struct ptsm_nl_proto *p,
			      struct ptsm_nl_dump *d, struct nlattr **attrs,
			      char **store, struct netlink_ext_ack *extack)
{
	int rc;

	rc = ptsm_nl_parse(p, d, attrs, store, extack);
	if (rc)
		return rc;
	return ptsm_nl_attach(p, d, attrs, store, extack);
}

/**
 * ptsm_nl_dump_start() - start callback of an evidence dump
 * @proto: the family's spelling
 * @cb: the dump; cb->ctx was zeroed by the core
 *
 * Context: process context, may sleep (the refresh waits for the TSM).
 * Return: 0 or a negative errno, with an extack message.
 */
int ptsm_nl_dump_start(const struct ptsm_nl_proto *proto,
		       struct netlink_callback *cb)
{
	struct ptsm_nl_dump *d = ptsm_nl_dump_ctx(cb);

	/* the requester's capability, judged where the request arrived */
	d->cap_sys_admin = netlink_capable(cb->skb, CAP_SYS_ADMIN);

	/*
	 * Without an extack here an error would reach userspace without its
	 * message: leave the checks to the first dumpit call. No text
	 * store either: on failure the done callback is not called.
	 */
	if (!cb->extack)
		return 0;
	return ptsm_nl_dump_setup(proto, d, ptsm_genl_dump_attrs(cb), NULL,
				  cb->extack);
}

/*
 * Bytes to send for the current object: the object itself, or with the
 * DIGEST flag its SHA-384 digest. An empty object stays empty.
 */
static u32 ptsm_nl_object(const struct ptsm_nl_dump *d, const void **data)
{
	const struct ptsm_evidence_set *set = d->set;
	u8 type = d->type;

	if (!set->obj[type].len) {
		*data = NULL;
		return 0;
	}
	if (d->flags & PCI_TSM_EVIDENCE_FLAG_DIGEST) {
		*data = set->obj[type].digest;
		return sizeof(set->obj[type].digest);
	}
	*data = set->obj[type].data;
	return set->obj[type].len;
}

static int ptsm_nl_put_first(const struct ptsm_nl_proto *p,
			     const struct ptsm_nl_dump *d, struct sk_buff *skb,
			     u32 len)
{
	if (nla_put_u32(skb, p->a_type, d->type))
		return -EMSGSIZE;
	if (p->a_generation &&
	    nla_put_u32(skb, p->a_generation, d->gen))
		return -EMSGSIZE;
	if (p->a_length && nla_put_u32(skb, p->a_length, len))
		return -EMSGSIZE;
	return 0;
}

/*
 * Put one message: for the first message of an object its header
 * attributes, then the largest VAL chunk that fits both the skb and one
 * attribute. Return: 0 when a message was added, -EMSGSIZE when the skb
 * has no useful room left (nothing added).
 */
static int ptsm_nl_put_chunk(const struct ptsm_nl_proto *p,
			     struct ptsm_nl_dump *d, struct sk_buff *skb,
			     struct netlink_callback *cb)
{
	unsigned int used = skb->len;
	const void *data;
	u32 len, chunk;
	int room;
	void *hdr;

	len = ptsm_nl_object(d, &data);
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  p->family, NLM_F_MULTI, p->cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (!d->offset && ptsm_nl_put_first(p, d, skb, len))
		goto cancel;

	/* payload that fits with its header and padding: nla_total_size() */
	room = skb_tailroom(skb) - NLA_HDRLEN;
	if (room < 0)
		goto cancel;
	room = round_down(room, NLA_ALIGNTO);
	chunk = min_t(u32, len - d->offset, PTSM_NL_VAL_MAX);
	if (chunk > (u32)room) {
		chunk = room;
		/* a tiny tail chunk is not worth it unless the skb is empty */
		if (!chunk || (chunk < PTSM_NL_VAL_MIN && used))
			goto cancel;
	}

	if (nla_put(skb, p->a_val, chunk, chunk ? data + d->offset : NULL))
		goto cancel;
	genlmsg_end(skb, hdr);

	d->offset += chunk;
	if (d->offset >= len) {
		d->type = ptsm_nl_next_type(d->mask, d->type + 1);
		d->offset = 0;
	}
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * ptsm_nl_dump_dumpit() - dumpit callback of an evidence dump
 * @proto: the family's spelling
 * @skb: the skb to fill
 * @cb: the dump
 *
 * Context: process context, the socket's dump mutex held.
 * Return: skb->len while more is to come, 0 when finished, or a negative
 * errno (with an extack message) that ends the dump.
 */
int ptsm_nl_dump_dumpit(const struct ptsm_nl_proto *proto,
			struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ptsm_nl_dump *d = ptsm_nl_dump_ctx(cb);
	int rc;

	if (!d->set) {
		rc = ptsm_nl_dump_setup(proto, d, ptsm_genl_dump_attrs(cb),
					&d->msg, cb->extack);
		if (rc)
			return rc;
	}

	if (ptsm_evidence_generation(d->pd) != d->gen) {
		NL_SET_ERR_MSG(cb->extack, "evidence updated during read");
		return -EAGAIN;
	}

	while (d->type < PCI_TSM_EVIDENCE_TYPE_NR) {
		rc = ptsm_nl_put_chunk(proto, d, skb, cb);
		if (rc)
			break;
	}

	if (d->type >= PCI_TSM_EVIDENCE_TYPE_NR)
		return 0;
	if (!skb->len) {
		/* cannot happen with NLMSG_GOODSIZE skbs; never loop on it */
		NL_SET_ERR_MSG(cb->extack, "dump buffer too small");
		return -EMSGSIZE;
	}
	return skb->len;
}

/**
 * ptsm_nl_dump_done() - done callback: drop what the dump holds
 * @cb: the dump
 *
 * Return: 0.
 */
int ptsm_nl_dump_done(struct netlink_callback *cb)
{
	struct ptsm_nl_dump *d = ptsm_nl_dump_ctx(cb);

	if (d->set)
		ptsm_evidence_put(d->set);
	if (d->pd)
		ptsm_pdev_put(d->pd);
	kfree(d->msg);
	return 0;
}

/**
 * ptsm_netlink_init() - register the "pci-tsm" and "device-evidence" families
 *
 * Context: module init of pci_tsm, after the evidence store is ready.
 * Return: 0 or a negative errno (nothing left registered).
 */
int ptsm_netlink_init(void)
{
	int rc;

	rc = genl_register_family(&ptsm_nl_pci_tsm_family);
	if (rc) {
		pr_err("cannot register genl family %s: %d\n",
		       ptsm_nl_pci_tsm_family.name, rc);
		return rc;
	}

	rc = genl_register_family(&ptsm_nl_devev_family);
	if (rc) {
		pr_err("cannot register genl family %s: %d\n",
		       ptsm_nl_devev_family.name, rc);
		genl_unregister_family(&ptsm_nl_pci_tsm_family);
		return rc;
	}
	return 0;
}

/**
 * ptsm_netlink_exit() - unregister both families
 *
 * Context: module exit of pci_tsm. A dump in progress holds a reference on
 * the module, so none can be running here.
 */
void ptsm_netlink_exit(void)
{
	genl_unregister_family(&ptsm_nl_devev_family);
	genl_unregister_family(&ptsm_nl_pci_tsm_family);
}
