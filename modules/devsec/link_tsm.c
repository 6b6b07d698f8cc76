// SPDX-License-Identifier: GPL-2.0-only
/*
 * devsec_link_tsm: the sample host-side ("link") TSM. connect takes one of
 * the four IDE streams of the endpoint's host bridge, programs and enables
 * the selective IDE stream on the root port and the endpoint (config writes
 * to the emulated IDE capabilities, devsec.h), links streamH.R.E on the
 * host bridge and publishes the PF0's CERT0/VCA/MEASUREMENTS from this
 * TSM's blobs. bind/unbind move a TDI to TDISP LOCKED and back.
 * tsm_bind/tsm_unbind/tsm_request on the platform device enter pci_tsm.
 */
#define dev_fmt(fmt) "devsec_link_tsm: " fmt

#include <linux/bitfield.h>
#include <linux/cleanup.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <ptsm/tsm_core.h>

#include "common.h"
#include "tdisp.h"

PTSM_IMPORT_NS();

static struct platform_device *devsec_link_pdev;

/* Lowest stream index of @bridge not in use by this TSM, or -EBUSY */
static int alloc_stream(struct devsec_common *c, struct pci_host_bridge *bridge)
{
	unsigned long used = 0;
	struct devsec_tdi *tdi;
	int h;

	lockdep_assert_held(&c->lock);
	list_for_each_entry(tdi, &c->tdis, node)
		if (tdi->bridge == bridge && tdi->stream >= 0)
			__set_bit(tdi->stream, &used);
	h = find_first_zero_bit(&used, DEVSEC_HB_STREAMS);
	return h < DEVSEC_HB_STREAMS ? h : -EBUSY;
}

/* Program selective stream block 0 of the IDE capability at @ide */
static void ide_setup(struct pci_dev *dev, u16 ide, struct pci_dev *ep,
		      const struct resource *win, int stream)
{
	u16 sel = ide + DEVSEC_IDE_SEL;
	u32 rid = PCI_DEVID(ep->bus->number, 0);

	pci_write_config_dword(dev, sel + DEVSEC_IDE_SEL_RID1,
			       FIELD_PREP(DEVSEC_IDE_SEL_RID_LIMIT, rid | 0xff));
	pci_write_config_dword(dev, sel + DEVSEC_IDE_SEL_RID2,
			       FIELD_PREP(DEVSEC_IDE_SEL_RID_BASE, rid) |
			       DEVSEC_IDE_SEL_RID_VALID);
	if (win && resource_size(win)) {
		pci_write_config_dword(dev, sel + DEVSEC_IDE_SEL_ADDR1,
				       DEVSEC_IDE_SEL_ADDR1_VALID |
				       FIELD_PREP(DEVSEC_IDE_SEL_ADDR1_BASE,
						  lower_32_bits(win->start) >> 20) |
				       FIELD_PREP(DEVSEC_IDE_SEL_ADDR1_LIMIT,
						  lower_32_bits(win->end) >> 20));
		pci_write_config_dword(dev, sel + DEVSEC_IDE_SEL_ADDR2,
				       upper_32_bits(win->end));
		pci_write_config_dword(dev, sel + DEVSEC_IDE_SEL_ADDR3,
				       upper_32_bits(win->start));
	}
	pci_write_config_dword(dev, sel + DEVSEC_IDE_SEL_CTL,
			       FIELD_PREP(DEVSEC_IDE_SEL_CTL_ID, stream) |
			       DEVSEC_IDE_SEL_CTL_TEE_LIMITED);
}

static void ide_enable(struct pci_dev *dev, u16 ide, int stream, bool on)
{
	u32 ctl = FIELD_PREP(DEVSEC_IDE_SEL_CTL_ID, stream) |
		  DEVSEC_IDE_SEL_CTL_TEE_LIMITED;

	if (on)
		ctl |= DEVSEC_IDE_SEL_CTL_EN;
	pci_write_config_dword(dev, ide + DEVSEC_IDE_SEL + DEVSEC_IDE_SEL_CTL,
			       ctl);
}

static bool ide_secure(struct pci_dev *dev, u16 ide)
{
	u32 sts;

	if (pci_read_config_dword(dev, ide + DEVSEC_IDE_SEL + DEVSEC_IDE_SEL_STS,
				  &sts))
		return false;
	return FIELD_GET(DEVSEC_IDE_SEL_STS_STATE, sts) ==
	       DEVSEC_IDE_STATE_SECURE;
}

struct devsec_link {
	struct pci_dev *rp;
	u16 rp_ide;
	u16 ep_ide;
};

/* IDE + stream link + bridge link + evidence for PF0; c->lock held */
static int connect_tdi(struct devsec_common *c, struct devsec_tdi *tdi,
		       const struct devsec_link *l)
{
	struct pci_dev *pdev = tdi->pdev;
	struct kobject *hb = &tdi->bridge->dev.kobj;
	const struct resource *win =
		&l->rp->resource[PCI_BRIDGE_RESOURCES + 2];
	int rc;

	ide_setup(l->rp, l->rp_ide, pdev, win, tdi->stream);
	ide_setup(pdev, l->ep_ide, pdev, NULL, tdi->stream);
	ide_enable(pdev, l->ep_ide, tdi->stream, true);
	ide_enable(l->rp, l->rp_ide, tdi->stream, true);
	if (!ide_secure(pdev, l->ep_ide) || !ide_secure(l->rp, l->rp_ide)) {
		rc = -EIO;
		goto err_ide;
	}

	/* H = host bridge stream, R and E = the (only) register blocks */
	snprintf(tdi->link_name, sizeof(tdi->link_name), "stream%d.%d.%d",
		 tdi->stream, 0, 0);
	rc = sysfs_create_link(hb, &pdev->dev.kobj, tdi->link_name);
	if (rc)
		goto err_ide;
	rc = ptsm_bridge_link_get(c->tsm, tdi->bridge);
	if (rc)
		goto err_link;
	rc = devsec_publish(c, pdev, NULL, 0, NULL, 0);
	if (rc)
		goto err_bridge;
	return 0;

err_bridge:
	ptsm_bridge_link_put(c->tsm, tdi->bridge);
err_link:
	sysfs_remove_link(hb, tdi->link_name);
err_ide:
	ide_enable(l->rp, l->rp_ide, tdi->stream, false);
	ide_enable(pdev, l->ep_ide, tdi->stream, false);
	return rc;
}

static int find_link(struct pci_dev *pdev, struct devsec_link *l)
{
	if (!devsec_is_endpoint(pdev) || PCI_FUNC(pdev->devfn))
		return -ENXIO;
	l->rp = pcie_find_root_port(pdev);
	if (!l->rp)
		return -ENXIO;
	l->rp_ide = pci_find_ext_capability(l->rp, PCI_EXT_CAP_ID_IDE);
	l->ep_ide = pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_IDE);
	if (!l->rp_ide || !l->ep_ide)
		return -ENXIO;
	return 0;
}

static int devsec_link_connect(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	struct devsec_common *c = tsm->drvdata;
	struct devsec_link l;
	struct devsec_tdi *tdi;
	int rc, stream;

	rc = find_link(pdev, &l);
	if (rc)
		return rc;

	guard(mutex)(&c->lock);
	if (devsec_tdi_find(c, pdev))
		return -EBUSY;
	stream = alloc_stream(c, pci_find_host_bridge(pdev->bus));
	if (stream < 0)
		return stream;
	tdi = devsec_tdi_add(c, pdev);
	if (!tdi)
		return -ENOMEM;
	tdi->bridge = pci_find_host_bridge(pdev->bus);
	tdi->stream = stream;
	rc = connect_tdi(c, tdi, &l);
	if (rc) {
		pci_dbg(pdev, "connect failed: %d\n", rc);
		devsec_tdi_del(c, tdi);
	}
	return rc;
}

static void devsec_link_disconnect(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	struct devsec_common *c = tsm->drvdata;
	struct devsec_tdi *tdi;
	struct devsec_link l;

	guard(mutex)(&c->lock);
	tdi = devsec_tdi_find(c, pdev);
	if (!tdi)
		return;
	if (!find_link(pdev, &l)) {
		ide_enable(l.rp, l.rp_ide, tdi->stream, false);
		ide_enable(pdev, l.ep_ide, tdi->stream, false);
	}
	sysfs_remove_link(&tdi->bridge->dev.kobj, tdi->link_name);
	ptsm_bridge_link_put(c->tsm, tdi->bridge);
	devsec_tdi_del(c, tdi);
}

static int devsec_link_bind(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	u16 dvsec = devsec_tdisp_dvsec(pdev);

	if (!dvsec)
		return -ENXIO;
	return devsec_tdisp_request(pdev, dvsec, DEVSEC_TDISP_REQ_LOCK,
				    PCI_TSM_TDISP_LOCKED);
}

static void devsec_link_unbind(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	u16 dvsec = devsec_tdisp_dvsec(pdev);

	if (dvsec)
		devsec_tdisp_request(pdev, dvsec, DEVSEC_TDISP_REQ_STOP,
				     PCI_TSM_TDISP_UNLOCKED);
}

/* A read-only guest request: answers with the TDI's TDISP status register */
static ssize_t devsec_link_guest_req(struct ptsm_dev *tsm, struct pci_dev *pdev,
				     const void *req, size_t req_len,
				     void *resp, size_t resp_len)
{
	u16 dvsec = devsec_tdisp_dvsec(pdev);
	__le32 val;
	u32 status;
	int rc;

	if (!dvsec)
		return -ENXIO;
	if (resp_len < sizeof(val))
		return -EINVAL;
	rc = devsec_tdisp_status(pdev, dvsec, &status);
	if (rc)
		return rc;
	val = cpu_to_le32(status);
	memcpy(resp, &val, sizeof(val));
	return sizeof(val);
}

static int devsec_link_refresh(struct ptsm_dev *tsm, struct pci_dev *pdev,
			       const u8 *nonce, size_t nonce_len)
{
	return devsec_refresh(tsm->drvdata, pdev, nonce, nonce_len);
}

static void devsec_link_refresh_cancel(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	devsec_refresh_cancel(tsm->drvdata, pdev);
}

static const struct ptsm_ops devsec_link_ops = {
	.link = {
		.connect = devsec_link_connect,
		.disconnect = devsec_link_disconnect,
		.bind = devsec_link_bind,
		.unbind = devsec_link_unbind,
		.guest_req = devsec_link_guest_req,
	},
	.refresh = devsec_link_refresh,
	.refresh_cancel = devsec_link_refresh_cancel,
};

/* ---- tsm_bind / tsm_unbind / tsm_request (ABI 2.4) ---- */

static void put_pci_dev(struct pci_dev *pdev)
{
	if (!IS_ERR_OR_NULL(pdev))
		pci_dev_put(pdev);
}

DEFINE_FREE(devsec_pci_dev_put, struct pci_dev *, put_pci_dev(_T))

/* The PCI device named in @buf: ERR_PTR(-EINVAL) malformed, -ENODEV none */
static struct pci_dev *lookup_pci_dev(const char *buf)
{
	unsigned int domain, bus, slot, fn;
	struct pci_dev *pdev;
	char tail;

	if (sscanf(buf, "%x:%x:%x.%x%c", &domain, &bus, &slot, &fn, &tail) < 4 ||
	    bus > 0xff || slot > 0x1f || fn > 7)
		return ERR_PTR(-EINVAL);
	pdev = pci_get_domain_bus_and_slot(domain, bus, PCI_DEVFN(slot, fn));
	if (!pdev)
		return ERR_PTR(-ENODEV);
	if (!sysfs_streq(buf, pci_name(pdev))) {
		pci_dev_put(pdev);
		return ERR_PTR(-EINVAL);
	}
	return pdev;
}

static ssize_t tdi_op(struct device *dev, const char *buf, size_t len,
		      int (*op)(struct ptsm_dev *, struct pci_dev *))
{
	struct devsec_common *c = dev_get_drvdata(dev);
	struct pci_dev *pdev __free(devsec_pci_dev_put) = lookup_pci_dev(buf);
	int rc;

	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	rc = op(c->tsm, pdev);
	return rc ? rc : len;
}

static ssize_t tsm_bind_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	return tdi_op(dev, buf, len, ptsm_pci_tdi_bind);
}
static DEVICE_ATTR_WO(tsm_bind);

static ssize_t tsm_unbind_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t len)
{
	return tdi_op(dev, buf, len, ptsm_pci_tdi_unbind);
}
static DEVICE_ATTR_WO(tsm_unbind);

static ssize_t tsm_request_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t len)
{
	struct devsec_common *c = dev_get_drvdata(dev);
	struct pci_dev *pdev __free(devsec_pci_dev_put) = lookup_pci_dev(buf);
	u8 resp[16];
	ssize_t rc;

	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	rc = ptsm_pci_guest_req(c->tsm, pdev, NULL, 0, resp, sizeof(resp));
	if (rc < 0)
		return rc;
	pci_dbg(pdev, "guest request: %zd byte response %*phN\n", rc,
		(int)min_t(ssize_t, rc, sizeof(resp)), resp);
	return len;
}
static DEVICE_ATTR_WO(tsm_request);

static struct attribute *devsec_link_attrs[] = {
	&dev_attr_tsm_bind.attr,
	&dev_attr_tsm_unbind.attr,
	&dev_attr_tsm_request.attr,
	NULL,
};

static const struct attribute_group devsec_link_group = {
	.attrs = devsec_link_attrs,
};

static const struct attribute_group *devsec_link_groups[] = {
	&devsec_blob_group,
	&devsec_link_group,
	NULL,
};

/* ---- platform device ---- */

static int __init devsec_link_probe(struct platform_device *pdev)
{
	return PTR_ERR_OR_ZERO(devsec_common_probe(pdev, &devsec_link_ops));
}

static struct platform_driver devsec_link_driver = {
	.driver = {
		.name = "devsec_link_tsm",
		.dev_groups = devsec_link_groups,
	},
};

static int __init devsec_link_init(void)
{
	struct platform_device *pdev;

	pdev = platform_create_bundle(&devsec_link_driver, devsec_link_probe,
				      NULL, 0, NULL, 0);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	devsec_link_pdev = pdev;
	return 0;
}
module_init(devsec_link_init);

static void __exit devsec_link_exit(void)
{
	platform_device_unregister(devsec_link_pdev);
	platform_driver_unregister(&devsec_link_driver);
}
module_exit(devsec_link_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pci-tsm devsec sample: host-side (link) TSM");
