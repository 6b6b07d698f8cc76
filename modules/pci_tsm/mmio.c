// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_tsm accepted devices: entering and leaving TDISP RUN, the TEE MMIO
 * of accepted devices ("PCI MMIO Encrypted" resources plus a lockless
 * range list), the lockless queries of tsm_shim and its readiness.
 *
 * The lockless range list decides every ioremap (tsm_shim); the resources
 * only mark, in the iomem tree, which BARs hold TEE memory. Each one spans
 * its whole BAR and is not busy, so it sits between the BAR and whatever a
 * driver requests: pci_request_regions() walks through it and makes the
 * driver's region busy below it, and a second claimant then collides with
 * that region as with any other driver's. A resource covering only the TEE
 * part of a BAR would make a whole-BAR request fail (__request_region()
 * cannot place a region around a child).
 */
#define pr_fmt(fmt) "pci_tsm: " fmt
#define dev_fmt(fmt) "pci_tsm: " fmt

#include <linux/error-injection.h>
#include <linux/cleanup.h>
#include <linux/ioport.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "pdev.h"

#define PTSM_MMIO_MAX_RANGES	64

/**
 * struct ptsm_mmio_set - the reported MMIO ranges of one device
 * @node: entry in ptsm_mmio_list while the device is in RUN
 * @rcu: freed after lockless readers are done
 * @pd: the device's context (outlives the set's publication)
 * @res: by BAR: a "PCI MMIO Encrypted" resource spanning each BAR that
 *	holds a TEE range (inserted when its parent is set)
 * @nr: number of ranges
 * @nr_tee: number of TEE ranges
 * @r: the ranges, sorted by start, not overlapping
 */
struct ptsm_mmio_set {
	struct list_head node;
	struct rcu_head rcu;
	struct ptsm_pdev *pd;
	struct resource res[PCI_STD_NUM_BARS];
	unsigned int nr;
	unsigned int nr_tee;
	struct ptsm_mmio_range r[];
};

/* Sets of accepted devices: read under RCU, written under ptsm_mmio_lock. */
static LIST_HEAD(ptsm_mmio_list);
static DEFINE_SPINLOCK(ptsm_mmio_lock);

/* Enabled while at least one device is in RUN. */
static DEFINE_STATIC_KEY_FALSE(ptsm_accepted_key);

/* Serialises shim (un)registration and the readiness check of accept. */
static DEFINE_MUTEX(ptsm_shim_lock);
static const struct ptsm_shim *ptsm_shim;

static int ptsm_range_cmp(const void *a, const void *b)
{
	const struct ptsm_mmio_range *x = a, *y = b;

	if (x->start == y->start)
		return 0;
	return x->start < y->start ? -1 : 1;
}

/* Take the set's resources out of the iomem tree; children move up. */
static void ptsm_mmio_set_remove(struct ptsm_mmio_set *set)
{
	unsigned int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		if (set->res[i].parent)
			remove_resource(&set->res[i]);
}

static int ptsm_mmio_check(struct pci_dev *pdev, const struct ptsm_mmio_range *r)
{
	struct resource *bar;

	if (r->bar < 0 || r->bar >= PCI_STD_NUM_BARS || r->start > r->end)
		return -EINVAL;
	bar = &pdev->resource[r->bar];
	if (!(resource_type(bar) & IORESOURCE_MEM) || r->start < bar->start ||
	    r->end > bar->end)
		return -EINVAL;
	return 0;
}

static struct ptsm_mmio_set *ptsm_mmio_set_build(struct pci_dev *pdev,
						 const struct ptsm_mmio_range *ranges,
						 unsigned int nr)
{
	struct ptsm_mmio_set *set;
	unsigned int i;
	int rc = 0;

	set = kzalloc(struct_size(set, r, nr), GFP_KERNEL);
	if (!set)
		return ERR_PTR(-ENOMEM);
	set->nr = nr;
	memcpy(set->r, ranges, nr * sizeof(*ranges));
	sort(set->r, nr, sizeof(set->r[0]), ptsm_range_cmp, NULL);

	for (i = 0; i < nr && !rc; i++) {
		struct resource *bar, *res;

		rc = ptsm_mmio_check(pdev, &set->r[i]);
		if (!rc && i && set->r[i].start <= set->r[i - 1].end)
			rc = -EINVAL;
		if (rc || !set->r[i].tee)
			continue;
		set->nr_tee++;
		res = &set->res[set->r[i].bar];
		if (res->parent)
			continue;
		bar = &pdev->resource[set->r[i].bar];
		res->name = "PCI MMIO Encrypted";
		res->start = bar->start;
		res->end = bar->end;
		res->flags = IORESOURCE_MEM;
		/* below the BAR, above any region already requested in it */
		rc = insert_resource(bar, res);
	}
	if (rc) {
		ptsm_mmio_set_remove(set);
		kfree(set);
		return ERR_PTR(rc);
	}
	return set;
}

/**
 * ptsm_pci_set_tee_mmio() - record @pdev's reported MMIO ranges
 * @pdev: the device being accepted
 * @ranges: the ranges of its interface report
 * @nr: number of ranges (1..64)
 *
 * Each BAR holding a TEE range gets a "PCI MMIO Encrypted" resource
 * spanning it (not busy: the driver's own request goes below it). When the
 * accept op returns success, all ranges become visible
 * to ptsm_mmio_classify(); pci_tsm removes them when the device leaves RUN
 * (or drops them if the accept fails). A second call replaces the first.
 *
 * Context: only from the devsec accept op (slot lock held).
 * Return: 0, -EINVAL (a range outside its memory BAR, or overlapping
 * ranges), -EBUSY (a conflicting resource), -ENOMEM, -ENODEV.
 */
int ptsm_pci_set_tee_mmio(struct pci_dev *pdev,
			  const struct ptsm_mmio_range *ranges, unsigned int nr)
{
	struct ptsm_mmio_set *set;
	struct ptsm_pdev *pd;

	if (!ranges || !nr || nr > PTSM_MMIO_MAX_RANGES)
		return -EINVAL;
	pd = ptsm_pdev_find(pdev);
	if (!pd)
		return -ENODEV;
	ptsm_assert_slot_held(pd);
	if (!pd->devsec_tsm || pd->state != PCI_TSM_TDISP_LOCKED) {
		ptsm_pdev_put(pd);
		return -EINVAL;
	}
	__ptsm_mmio_discard_pending(pd);
	set = ptsm_mmio_set_build(pdev, ranges, nr);
	if (!IS_ERR(set))
		pd->mmio_pending = set;
	ptsm_pdev_put(pd);
	return PTR_ERR_OR_ZERO(set);
}

PTSM_EXPORT(ptsm_pci_set_tee_mmio);
/* The fault-injection test of the debug lane fails it (fail_function). */
ALLOW_ERROR_INJECTION(ptsm_pci_set_tee_mmio, ERRNO);

/**
 * __ptsm_mmio_discard_pending() - drop ranges of an accept that failed
 * @pd: a context; slot lock held
 */
void __ptsm_mmio_discard_pending(struct ptsm_pdev *pd)
{
	struct ptsm_mmio_set *set = pd->mmio_pending;

	ptsm_assert_slot_held(pd);
	if (!set)
		return;
	pd->mmio_pending = NULL;
	ptsm_mmio_set_remove(set);
	kfree(set);
}

/**
 * __ptsm_mmio_check_pending() - after a successful accept op: refuse RUN
 *	for a device with memory BARs whose TSM registered no TEE range
 * @pd: a context; slot lock held
 *
 * Without TEE ranges nothing would be mapped encrypted, and the device
 * would count as accepted while all of its MMIO stays shared.
 *
 * Return: 0 or -EPROTO (logged).
 */
int __ptsm_mmio_check_pending(struct ptsm_pdev *pd)
{
	struct pci_dev *pdev = pd->pdev;
	int i;

	ptsm_assert_slot_held(pd);
	if (pd->mmio_pending && pd->mmio_pending->nr_tee)
		return 0;
	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		if (resource_type(&pdev->resource[i]) == IORESOURCE_MEM &&
		    pci_resource_len(pdev, i))
			break;
	if (i == PCI_STD_NUM_BARS)
		return 0;
	pci_warn(pdev, "accept refused: %s registered no TEE MMIO range for a device with memory BARs\n",
		 dev_name(&pd->devsec_tsm->dev));
	return -EPROTO;
}

/**
 * __ptsm_shim_hold() - accept's shim check: a registered shim that is
 *	ready; pins its module while the device is in RUN
 * @pd: a context; slot lock held
 *
 * Return: 0 or -EOPNOTSUPP (logged with the reason).
 */
int __ptsm_shim_hold(struct ptsm_pdev *pd)
{
	const char *why = NULL;
	const struct ptsm_shim *shim;

	ptsm_assert_slot_held(pd);
	guard(mutex)(&ptsm_shim_lock);
	shim = ptsm_shim;
	if (!shim) {
		pci_warn(pd->pdev, "accept refused: no tsm_shim registered (load tsm_shim)\n");
		return -EOPNOTSUPP;
	}
	if (!try_module_get(shim->owner)) {
		pci_warn(pd->pdev, "accept refused: tsm_shim is unloading\n");
		return -EOPNOTSUPP;
	}
	/* ORDER: module pinned first, so a true ready() always gets its release() */
	if (!shim->ready(&why)) {
		module_put(shim->owner);
		pci_warn(pd->pdev, "accept refused: tsm_shim not ready: %s\n",
			 why ?: "no reason given");
		return -EOPNOTSUPP;
	}
	WRITE_ONCE(pd->shim, shim);
	return 0;
}

/**
 * __ptsm_shim_release() - undo __ptsm_shim_hold()
 * @pd: a context; slot lock held
 */
void __ptsm_shim_release(struct ptsm_pdev *pd)
{
	const struct ptsm_shim *shim = pd->shim;

	ptsm_assert_slot_held(pd);
	if (!shim)
		return;
	WRITE_ONCE(pd->shim, NULL);
	if (shim->release)
		shim->release();
	module_put(shim->owner);
}

/**
 * __ptsm_run_enter() - LOCKED -> RUN after a successful accept op
 * @pd: a context; slot lock held; __ptsm_shim_hold() succeeded
 * @gen: set to the evidence generation in force at the transition
 *
 * With require_validate the evidence check and the move to RUN happen
 * under pd->ev_lock, which every publish, clear and bump takes: evidence
 * that changed after its validation can never be accepted.
 *
 * Return: 0, or -EPERM/-ESTALE (logged; the caller leaves the device in
 * ERROR: the TSM already started it).
 */
int __ptsm_run_enter(struct ptsm_pdev *pd, u32 *gen)
{
	struct ptsm_mmio_set *set = pd->mmio_pending;
	int rc;

	ptsm_assert_slot_held(pd);
	static_branch_inc(&ptsm_accepted_key);
	spin_lock(&pd->ev_lock);
	rc = __ptsm_evidence_validated_current(pd);
	*gen = pd->generation;
	if (!rc) {
		pd->state = PCI_TSM_TDISP_RUN;
		/*
		 * ORDER: accepted before the ranges, so classify never sees
		 * a gap. An ERROR reported after the accept body checked for
		 * one wins (its work item then leaves RUN).
		 */
		WRITE_ONCE(pd->accepted, !atomic_read(&pd->error));
	}
	spin_unlock(&pd->ev_lock);
	if (rc) {
		static_branch_dec(&ptsm_accepted_key);
		return rc;
	}
	pd->mmio_pending = NULL;
	pd->mmio = set;
	if (set) {
		set->pd = pd;
		spin_lock(&ptsm_mmio_lock);
		list_add_tail_rcu(&set->node, &ptsm_mmio_list);
		spin_unlock(&ptsm_mmio_lock);
	}
	if (pd->shim->accepted)
		pd->shim->accepted(pd->pdev, true);
	return 0;
}

/**
 * __ptsm_run_leave() - leave RUN (unlock, ERROR, teardown); no-op when the
 *	device is not in RUN. The caller sets the new state.
 * @pd: a context; slot lock held
 */
void __ptsm_run_leave(struct ptsm_pdev *pd)
{
	struct ptsm_mmio_set *set = pd->mmio;

	ptsm_assert_slot_held(pd);
	if (pd->state != PCI_TSM_TDISP_RUN)
		return;
	WRITE_ONCE(pd->accepted, false);
	pd->state = PCI_TSM_TDISP_LOCKED;
	pd->mmio = NULL;
	if (set) {
		spin_lock(&ptsm_mmio_lock);
		list_del_rcu(&set->node);
		spin_unlock(&ptsm_mmio_lock);
		ptsm_mmio_set_remove(set);
		kfree_rcu(set, rcu);
	}
	if (pd->shim && pd->shim->accepted)
		pd->shim->accepted(pd->pdev, false);
	__ptsm_shim_release(pd);
	static_branch_dec(&ptsm_accepted_key);
	ptsm_recovery_put(pd);
}

/**
 * ptsm_untrust() - @pd stops counting as accepted ahead of leaving RUN
 * @pd: a context in RUN (the reset probe, a lost shim redirect)
 *
 * The shim hears of it at once (its untrusted() op), so that nothing it
 * switched for the device stays switched until the work item leaves RUN.
 *
 * Context: any but NMI; no lock needed. The shim module cannot be freed
 * under the call: pd->shim pins it until __ptsm_shim_release(), and the
 * RCU read section holds off the grace period module unload waits for
 * before it frees a module that was released meanwhile.
 */
void ptsm_untrust(struct ptsm_pdev *pd)
{
	const struct ptsm_shim *shim;

	WRITE_ONCE(pd->accepted, false);
	rcu_read_lock();
	shim = READ_ONCE(pd->shim);
	if (shim && shim->untrusted)
		shim->untrusted(pd->pdev);
	rcu_read_unlock();
}

/**
 * ptsm_dev_accepted() - is @dev an accepted (TDISP RUN) PCI device?
 * @dev: any device, or NULL
 *
 * Cost for any device when nothing is accepted: one static-branch test.
 *
 * Context: any, including atomic and kprobe handlers; lockless (RCU).
 * Return: true for a PCI device in TDISP RUN.
 */
bool ptsm_dev_accepted(struct device *dev)
{
	struct ptsm_pdev *pd;
	bool ret;

	if (!static_branch_unlikely(&ptsm_accepted_key))
		return false;
	if (!dev || !dev_is_pci(dev))
		return false;
	rcu_read_lock();
	pd = ptsm_pdev_peek(to_pci_dev(dev));
	ret = pd && READ_ONCE(pd->accepted);
	rcu_read_unlock();
	return ret;
}

PTSM_EXPORT(ptsm_dev_accepted);

static bool ptsm_set_overlaps_tee(const struct ptsm_mmio_set *set,
				  resource_size_t start, resource_size_t end)
{
	unsigned int i;

	for (i = 0; i < set->nr; i++)
		if (set->r[i].tee && set->r[i].start <= end && start <= set->r[i].end)
			return true;
	return false;
}

/* Is [start, end] inside the union of @set's ranges (TEE or not)? */
static bool ptsm_set_covers(const struct ptsm_mmio_set *set,
			    resource_size_t start, resource_size_t end)
{
	resource_size_t cur = start;
	unsigned int i;

	for (i = 0; i < set->nr; i++) {
		const struct ptsm_mmio_range *r = &set->r[i];

		if (r->end < cur)
			continue;
		if (r->start > cur)
			return false;
		if (r->end >= end)
			return true;
		cur = r->end + 1;
	}
	return false;
}

/**
 * ptsm_mmio_classify() - classify a physical MMIO range for ioremap
 * @start: first byte
 * @size: length in bytes (> 0)
 * @owner: if not NULL, set to the accepted device for TEE/MIXED (not
 *	referenced; only for counters and log lines)
 *
 * Context: any, including atomic and kprobe handlers; lockless (RCU).
 * Return: PTSM_MMIO_PLAIN when the range overlaps no TEE range of an
 * accepted device; PTSM_MMIO_TEE when it overlaps TEE memory and lies
 * wholly inside one accepted device's reported ranges; PTSM_MMIO_MIXED
 * otherwise (including TEE memory of two devices).
 */
enum ptsm_mmio_class ptsm_mmio_classify(resource_size_t start, size_t size,
					struct pci_dev **owner)
{
	enum ptsm_mmio_class cls = PTSM_MMIO_PLAIN;
	const struct ptsm_mmio_set *set, *hit = NULL;
	resource_size_t end;

	if (!static_branch_unlikely(&ptsm_accepted_key) || !size)
		return PTSM_MMIO_PLAIN;
	if (check_add_overflow(start, (resource_size_t)(size - 1), &end))
		end = ~(resource_size_t)0;

	rcu_read_lock();
	list_for_each_entry_rcu(set, &ptsm_mmio_list, node) {
		if (!READ_ONCE(set->pd->accepted) ||
		    !ptsm_set_overlaps_tee(set, start, end))
			continue;
		if (hit) {
			cls = PTSM_MMIO_MIXED;
			break;
		}
		hit = set;
		cls = ptsm_set_covers(set, start, end) ? PTSM_MMIO_TEE :
							 PTSM_MMIO_MIXED;
	}
	if (owner)
		*owner = hit ? hit->pd->pdev : NULL;
	rcu_read_unlock();
	return cls;
}

PTSM_EXPORT(ptsm_mmio_classify);

/**
 * ptsm_shim_register() - announce the tsm_shim
 * @shim: its readiness callbacks; @shim->owner is pinned while any device
 *	is accepted
 *
 * Context: process context.
 * Return: 0, -EINVAL (no ready callback), -EBUSY (another shim registered).
 */
int ptsm_shim_register(const struct ptsm_shim *shim)
{
	if (!shim || !shim->ready)
		return -EINVAL;
	guard(mutex)(&ptsm_shim_lock);
	if (ptsm_shim)
		return -EBUSY;
	ptsm_shim = shim;
	return 0;
}

PTSM_EXPORT(ptsm_shim_register);

/**
 * ptsm_shim_unregister() - undo ptsm_shim_register(); from then on accept
 *	fails closed
 * @shim: the registered shim
 *
 * Context: process context.
 */
void ptsm_shim_unregister(const struct ptsm_shim *shim)
{
	guard(mutex)(&ptsm_shim_lock);
	if (ptsm_shim == shim)
		ptsm_shim = NULL;
}

PTSM_EXPORT(ptsm_shim_unregister);
