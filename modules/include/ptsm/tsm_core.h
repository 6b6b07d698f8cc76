/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tsm_core: the "tsm" device class and the registration API for platform
 * TSM drivers. Every export is prefixed ptsm_ and lives in the PCI_TSM_OOT
 * symbol namespace (see compat.h for PTSM_EXPORT / PTSM_IMPORT_NS). The
 * kernel-doc of each function (Context, Return) is at its definition.
 */
#ifndef PTSM_TSM_CORE_H
#define PTSM_TSM_CORE_H

#include <linux/device.h>
#include <linux/types.h>

struct pci_dev;
struct pci_host_bridge;
struct ptsm_dev;

/**
 * struct ptsm_link_ops - operations of a host-side ("link") TSM
 * @probe: optional; prepare per-device TSM state before @connect
 * @remove: optional; undo @probe after @disconnect (or a failed @connect)
 * @connect: establish SPDM session + IDE for the DSM @pdev (a PF0)
 * @disconnect: tear down what @connect established
 * @bind: bind TDI @pdev (PF0 or a function it manages) to a TVM
 * @unbind: undo @bind
 * @guest_req: relay a read-only guest request for TDI @pdev; returns the
 *	response length or -errno
 *
 * Context: called by pci_tsm with the per-device state lock held (a
 * sleeping lock); ops may sleep and may call ptsm_evidence_publish() but
 * must not call back into the pci_tsm sysfs verbs for the same device.
 */
struct ptsm_link_ops {
	int (*probe)(struct ptsm_dev *tsm, struct pci_dev *pdev);
	void (*remove)(struct ptsm_dev *tsm, struct pci_dev *pdev);
	int (*connect)(struct ptsm_dev *tsm, struct pci_dev *pdev);
	void (*disconnect)(struct ptsm_dev *tsm, struct pci_dev *pdev);
	int (*bind)(struct ptsm_dev *tsm, struct pci_dev *pdev);
	void (*unbind)(struct ptsm_dev *tsm, struct pci_dev *pdev);
	ssize_t (*guest_req)(struct ptsm_dev *tsm, struct pci_dev *pdev,
			     const void *req, size_t req_len,
			     void *resp, size_t resp_len);
};

/**
 * struct ptsm_devsec_ops - operations of a guest-side ("devsec") TSM
 * @lock: TDISP UNLOCKED -> LOCKED for @pdev; publishes evidence (incl. REPORT)
 * @unlock: LOCKED/RUN/ERROR -> UNLOCKED; cannot fail
 * @accept: LOCKED -> RUN; registers TEE MMIO with ptsm_pci_set_tee_mmio()
 *
 * Context: as for struct ptsm_link_ops.
 */
struct ptsm_devsec_ops {
	int (*lock)(struct ptsm_dev *tsm, struct pci_dev *pdev);
	void (*unlock)(struct ptsm_dev *tsm, struct pci_dev *pdev);
	int (*accept)(struct ptsm_dev *tsm, struct pci_dev *pdev);
};

/**
 * struct ptsm_ops - a TSM driver's operations; fill at most one group
 * @link: link TSM operations (pci_mode "link")
 * @devsec: devsec TSM operations (pci_mode "devsec")
 * @refresh: optional, either mode; refresh the signed MEASUREMENTS of
 *	@pdev over @nonce and publish them (ptsm_evidence_publish()) before
 *	returning 0. -EOPNOTSUPP when it cannot, -ETIMEDOUT on timeout.
 *	Never publish evidence signed over another nonce. What the op
 *	publishes for @pdev from its own task is staged: pci_tsm makes it
 *	current after the op returned 0, if it is over @nonce and @pdev was
 *	not unlocked or locked anew meanwhile. A refresh that waits should
 *	also end (-ENODEV) once ptsm_pci_refresh_cancelled() is true for
 *	@pdev, checked when woken by @refresh_cancel; the wait must be
 *	bounded (a TSM removal waits for the op to return).
 *	Context: may sleep; no pci_tsm lock held (other verbs of @pdev's
 *	slot may run meanwhile); one refresh per device at a time.
 * @refresh_cancel: optional, with @refresh: @pdev is being removed or
 *	this TSM unregistered, wake a @refresh of it that waits (it then sees
 *	ptsm_pci_refresh_cancelled()).
 *	Context: may sleep; no lock of @pdev's slot held; the TSM stays
 *	registered until it returns.
 */
struct ptsm_ops {
	struct ptsm_link_ops link;
	struct ptsm_devsec_ops devsec;
	int (*refresh)(struct ptsm_dev *tsm, struct pci_dev *pdev,
		       const u8 *nonce, size_t nonce_len);
	void (*refresh_cancel)(struct ptsm_dev *tsm, struct pci_dev *pdev);
};

enum ptsm_pci_mode {
	PTSM_PCI_MODE_NONE,
	PTSM_PCI_MODE_LINK,
	PTSM_PCI_MODE_DEVSEC,
};

/**
 * struct ptsm_dev - a registered TSM (/sys/class/tsm/tsmN)
 * @dev: the class device, named "tsmN"
 * @id: N
 * @ops: the driver's operations (never NULL)
 * @mode: derived from which op group is filled
 * @drvdata: the registering driver's private pointer
 */
struct ptsm_dev {
	struct device dev;
	int id;
	const struct ptsm_ops *ops;
	enum ptsm_pci_mode mode;
	void *drvdata;
};

static inline struct ptsm_dev *to_ptsm_dev(struct device *dev)
{
	return container_of(dev, struct ptsm_dev, dev);
}

/*
 * ptsm_register() - create /sys/class/tsm/tsmN for a TSM driver
 * @parent: the TSM driver's (platform) device; becomes tsmN/device
 * @ops: operations, at most one of @ops->link / @ops->devsec filled
 * @drvdata: stored in ptsm_dev.drvdata
 *
 * Notifies subscribers (pci_tsm) which then announce the TSM to the PCI
 * layer and emit KOBJ_CHANGE on tsmN.
 *
 * Context: process context, may sleep.
 * Return: the new TSM (pci_mode "none" when neither op group is filled;
 * pci_tsm ignores such a TSM), ERR_PTR(-EINVAL) when both groups are filled,
 * a filled group lacks a mandatory op or @ops is NULL, other ERR_PTR on
 * failure.
 */
struct ptsm_dev *ptsm_register(struct device *parent,
			       const struct ptsm_ops *ops, void *drvdata);

/*
 * ptsm_unregister() - remove a TSM; subscribers first tear down every
 * device state it holds (disconnect, unbind, unlock), then tsmN goes away.
 * Context: process context, may sleep.
 */
void ptsm_unregister(struct ptsm_dev *tsm);

/*
 * ptsm_find_by_name() - look up a registered TSM by its "tsmN" name
 * Return: a referenced TSM (drop with ptsm_put()) or NULL.
 */
struct ptsm_dev *ptsm_find_by_name(const char *name);
void ptsm_put(struct ptsm_dev *tsm);

/*
 * Subscribers (pci_tsm) are told about TSMs coming and going. On
 * subscription, @add is called for every TSM already registered.
 * Context of callbacks: process context, tsm_core's registration lock
 * held; they may sleep but must not register or unregister TSMs.
 */
struct ptsm_subscriber {
	int (*add)(struct ptsm_dev *tsm);
	void (*remove)(struct ptsm_dev *tsm);
	struct list_head node;	/* private to tsm_core */
};

int ptsm_subscribe(struct ptsm_subscriber *sub);
void ptsm_unsubscribe(struct ptsm_subscriber *sub);

/*
 * ptsm_bridge_link_get() / ptsm_bridge_link_put() - reference-counted
 * tsmN/pciDDDD:BB symlink to a host bridge, present while at least one IDE
 * stream through @tsm uses @bridge.
 */
int ptsm_bridge_link_get(struct ptsm_dev *tsm, struct pci_host_bridge *bridge);
void ptsm_bridge_link_put(struct ptsm_dev *tsm, struct pci_host_bridge *bridge);

#endif /* PTSM_TSM_CORE_H */
