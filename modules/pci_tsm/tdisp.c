// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_tsm verbs: connect/disconnect through a link TSM, TDI bind/unbind,
 * and the TDISP state machine (lock, accept, unlock, ERROR) through a
 * devsec TSM. Every verb runs with ptsm_tsm_rwsem held for reading (the TSM
 * cannot go away) and under the slot lock of the device.
 */
#define pr_fmt(fmt) "pci_tsm: " fmt
#define dev_fmt(fmt) "pci_tsm: " fmt

#include <linux/cleanup.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "pdev.h"

bool ptsm_require_validate;
module_param_named(require_validate, ptsm_require_validate, bool, 0644);
MODULE_PARM_DESC(require_validate,
		 "tsm/accept needs a device-evidence VALIDATE of the current evidence generation");

/* The functions of @pf0's slot with a live context, referenced. */
static void ptsm_slot_fns(struct ptsm_pdev *pf0, struct ptsm_pdev *fns[8])
{
	struct pci_dev *pdev = pf0->pdev;
	struct pci_dev *fn;
	int i;

	for (i = 0; i < 8; i++) {
		fns[i] = NULL;
		if (!i) {
			kref_get(&pf0->kref);
			fns[0] = pf0;
			continue;
		}
		fn = pci_get_slot(pdev->bus, PCI_DEVFN(PCI_SLOT(pdev->devfn), i));
		if (!fn)
			continue;
		if (!fn->is_virtfn)
			fns[i] = ptsm_pdev_find(fn);
		pci_dev_put(fn);
		if (fns[i] && fns[i]->dead) {
			ptsm_pdev_put(fns[i]);
			fns[i] = NULL;
		}
	}
}

static void ptsm_put_fns(struct ptsm_pdev *fns[8])
{
	int i;

	for (i = 0; i < 8; i++)
		ptsm_pdev_put(fns[i]);
}

/*
 * The shape of every sysfs verb: with ptsm_tsm_rwsem read-held, run @body
 * on @pd under its slot lock (taken interruptibly). @tsm and @name are the
 * verb's argument (the TSM written, or its name); a body uses one of them.
 */
static int ptsm_slot_verb(struct ptsm_pdev *pd, struct ptsm_dev *tsm,
			  const char *name,
			  int (*body)(struct ptsm_pdev *pd, struct ptsm_dev *tsm,
				      const char *name))
{
	struct ptsm_pdev *owner;
	int rc;

	lockdep_assert_held(&ptsm_tsm_rwsem);
	rc = ptsm_slot_lock_killable(pd, &owner);
	if (rc)
		return rc;
	rc = body(pd, tsm, name);
	ptsm_slot_unlock(owner);
	return rc;
}

/* Unbind TDI @pd if it is bound through a link TSM. Slot lock held. */
static void __ptsm_tdi_unbind(struct ptsm_pdev *pd)
{
	struct ptsm_dev *tsm = pd->bound_tsm;

	ptsm_assert_slot_held(pd);
	if (!tsm)
		return;
	if (tsm->ops->link.unbind)
		tsm->ops->link.unbind(tsm, pd->pdev);
	pd->bound_tsm = NULL;
}

/* @fn stops being managed by the connected PF0 @pf0. Slot lock held. */
static void __ptsm_unmanage(struct ptsm_pdev *pf0, struct ptsm_pdev *fn)
{
	int i = PCI_FUNC(fn->pdev->devfn);

	lockdep_assert_held(&pf0->lock);
	__ptsm_tdi_unbind(fn);
	if (pf0->fn[i] != fn)
		return;
	WRITE_ONCE(fn->dsm, NULL);
	pf0->fn[i] = NULL;
	ptsm_pdev_put(pf0);
	ptsm_pdev_put(fn);
}

/*
 * Disconnect PF0 @pf0: unbind every TDI of the slot, tear down the link,
 * release the managed functions and drop the connect evidence.
 */
static void __ptsm_disconnect(struct ptsm_pdev *pf0)
{
	struct ptsm_dev *tsm = pf0->link_tsm;
	int i;

	lockdep_assert_held(&pf0->lock);
	for (i = 0; i < 8; i++)
		if (pf0->fn[i])
			__ptsm_tdi_unbind(pf0->fn[i]);
	tsm->ops->link.disconnect(tsm, pf0->pdev);
	if (tsm->ops->link.remove)
		tsm->ops->link.remove(tsm, pf0->pdev);
	for (i = 7; i >= 0; i--)
		if (pf0->fn[i])
			__ptsm_unmanage(pf0, pf0->fn[i]);
	pf0->link_tsm = NULL;
	ptsm_evidence_clear(pf0);
	pci_dbg(pf0->pdev, "disconnected from %s\n", dev_name(&tsm->dev));
}

static int __ptsm_connect(struct ptsm_pdev *pf0, struct ptsm_dev *tsm,
			  struct ptsm_pdev *fns[8])
{
	const struct ptsm_link_ops *ops = &tsm->ops->link;
	u32 gen = ptsm_evidence_generation(pf0);
	int i, rc;

	lockdep_assert_held(&pf0->lock);
	if (pf0->link_tsm)
		return -EBUSY;
	for (i = 0; i < 8; i++)
		if (fns[i] && (fns[i]->devsec_tsm || fns[i]->dsm))
			return -EBUSY;

	if (ops->probe) {
		rc = ops->probe(tsm, pf0->pdev);
		if (rc)
			return rc;
	}
	rc = ops->connect(tsm, pf0->pdev);
	if (rc) {
		if (ops->remove)
			ops->remove(tsm, pf0->pdev);
		return rc;
	}

	pf0->link_tsm = tsm;
	for (i = 0; i < 8; i++) {
		if (!fns[i])
			continue;
		kref_get(&fns[i]->kref);
		pf0->fn[i] = fns[i];
		kref_get(&pf0->kref);
		WRITE_ONCE(fns[i]->dsm, pf0);
	}
	/* a re-connect always starts a new evidence generation */
	if (ptsm_evidence_generation(pf0) == gen)
		ptsm_evidence_bump(pf0);
	pci_dbg(pf0->pdev, "connected through %s\n", dev_name(&tsm->dev));
	return 0;
}

static int ptsm_connect_body(struct ptsm_pdev *pd, struct ptsm_dev *tsm,
			     const char *name)
{
	struct ptsm_pdev *fns[8];
	int rc;

	if (pd->dead)
		return -ENODEV;
	ptsm_slot_fns(pd, fns);
	rc = __ptsm_connect(pd, tsm, fns);
	ptsm_put_fns(fns);
	return rc;
}

/**
 * ptsm_connect() - connect PF0 @pd through link TSM @tsm
 * @pd: a referenced PF0 context
 * @tsm: a live link TSM
 *
 * Context: ptsm_tsm_rwsem held for reading; takes the slot lock.
 * Return: 0, -EBUSY (already connected, or a function of the slot is
 * locked), -ENODEV (device gone), -EINTR, or the TSM's error.
 */
int ptsm_connect(struct ptsm_pdev *pd, struct ptsm_dev *tsm)
{
	if (!pd->is_pf0)
		return -EINVAL;
	return ptsm_slot_verb(pd, tsm, NULL, ptsm_connect_body);
}

static int ptsm_disconnect_body(struct ptsm_pdev *pd, struct ptsm_dev *unused,
				const char *name)
{
	if (!pd->link_tsm || pd->dead)
		return -ENXIO;
	if (!sysfs_streq(name, dev_name(&pd->link_tsm->dev)))
		return -EINVAL;
	__ptsm_disconnect(pd);
	return 0;
}

/**
 * ptsm_disconnect() - disconnect PF0 @pd from the TSM named @name
 * @pd: a referenced PF0 context
 * @name: the written TSM name
 *
 * Context: ptsm_tsm_rwsem held for reading; takes the slot lock.
 * Return: 0, -ENXIO (not connected), -EINVAL (name mismatch), -EINTR.
 */
int ptsm_disconnect(struct ptsm_pdev *pd, const char *name)
{
	return ptsm_slot_verb(pd, NULL, name, ptsm_disconnect_body);
}

static int ptsm_lock_body(struct ptsm_pdev *pd, struct ptsm_dev *tsm,
			  const char *unused)
{
	u32 gen = ptsm_evidence_generation(pd);
	int rc;

	ptsm_assert_slot_held(pd);
	if (pd->dead)
		return -ENODEV;
	if (ptsm_driver_bound(pd->pdev))
		return -EBUSY;
	if (pd->devsec_tsm || pd->link_tsm || pd->dsm)
		return -EBUSY;
	pd->has_report_offset = false;
	/* an ERROR reported while the lock op runs must survive it */
	atomic_set(&pd->error, 0);
	rc = tsm->ops->devsec.lock(tsm, pd->pdev);
	if (rc)
		return rc;
	pd->devsec_tsm = tsm;
	pd->state = PCI_TSM_TDISP_LOCKED;
	if (ptsm_evidence_generation(pd) == gen)
		ptsm_evidence_bump(pd);
	pci_dbg(pd->pdev, "TDISP LOCKED by %s\n", dev_name(&tsm->dev));
	return 0;
}

/**
 * ptsm_lock() - TDISP UNLOCKED -> LOCKED through devsec TSM @tsm
 * @pd: a referenced context
 * @tsm: a live devsec TSM
 *
 * Context: ptsm_tsm_rwsem held for reading and the device lock of @pd's
 * device held (no driver can bind meanwhile); takes the slot lock.
 * Return: 0, -EBUSY (driver bound, already locked, connected or managed
 * through a link TSM), -ENODEV, -EINTR, or the TSM's error.
 */
int ptsm_lock(struct ptsm_pdev *pd, struct ptsm_dev *tsm)
{
	return ptsm_slot_verb(pd, tsm, NULL, ptsm_lock_body);
}

/* Any locked state -> UNLOCKED; cannot fail. Slot lock held. */
static void __ptsm_unlock(struct ptsm_pdev *pd)
{
	struct ptsm_dev *tsm = pd->devsec_tsm;

	ptsm_assert_slot_held(pd);
	__ptsm_run_leave(pd);
	tsm->ops->devsec.unlock(tsm, pd->pdev);
	__ptsm_mmio_discard_pending(pd);
	pd->devsec_tsm = NULL;
	pd->has_report_offset = false;
	pd->state = PCI_TSM_TDISP_UNLOCKED;
	atomic_set(&pd->error, 0);
	ptsm_evidence_clear(pd);
	pci_dbg(pd->pdev, "TDISP UNLOCKED by %s\n", dev_name(&tsm->dev));
}

static int ptsm_unlock_body(struct ptsm_pdev *pd, struct ptsm_dev *unused,
			    const char *name)
{
	if (!pd->devsec_tsm || pd->dead)
		return -EINVAL;
	if (!sysfs_streq(name, dev_name(&pd->devsec_tsm->dev)))
		return -EINVAL;
	if (ptsm_driver_bound(pd->pdev))
		return -EBUSY;
	__ptsm_unlock(pd);
	__ptsm_recovery_forget(pd);
	return 0;
}

/**
 * ptsm_unlock() - TDISP LOCKED/RUN/ERROR -> UNLOCKED
 * @pd: a referenced context
 * @name: the written TSM name, must name the locking TSM
 *
 * Context: as ptsm_lock().
 * Return: 0, -EINVAL (not locked, name mismatch), -EBUSY (a driver is
 * bound), -EINTR.
 */
int ptsm_unlock(struct ptsm_pdev *pd, const char *name)
{
	return ptsm_slot_verb(pd, NULL, name, ptsm_unlock_body);
}

/* The TSM reported TDISP ERROR: leave RUN (if in it); only unlock leaves ERROR. */
void __ptsm_enter_error(struct ptsm_pdev *pd)
{
	ptsm_assert_slot_held(pd);
	__ptsm_run_leave(pd);
	__ptsm_mmio_discard_pending(pd);
	pd->state = PCI_TSM_TDISP_ERROR;
	pci_warn(pd->pdev, "TDISP ERROR: only unlock leaves this state\n");
}

/**
 * __ptsm_accept_run() - LOCKED -> RUN through @tsm, once the caller's checks
 *	passed (also the kernel's own re-accept, recovery.c)
 * @pd: a locked context
 * @tsm: the TSM that locked it
 * @gen: set to the generation accepted
 *
 * Context: slot lock held.
 * Return: as ptsm_accept().
 */
int __ptsm_accept_run(struct ptsm_pdev *pd, struct ptsm_dev *tsm, u32 *gen)
{
	int rc;

	ptsm_assert_slot_held(pd);
	rc = __ptsm_shim_hold(pd);
	if (rc)
		return rc;
	/* ORDER: every exit from RUN is seen before the function is accepted */
	rc = ptsm_recovery_arm(pd);
	if (rc) {
		__ptsm_shim_release(pd);
		return rc;
	}
	rc = tsm->ops->devsec.accept(tsm, pd->pdev);
	/* ERROR reported while the accept op ran: no RUN, not even briefly */
	if (!rc && atomic_read(&pd->error)) {
		__ptsm_enter_error(pd);
		rc = -EIO;
	}
	/*
	 * The device runs but none of its MMIO would be private: fail
	 * closed. The TSM has no way back to LOCKED, so only unlock leaves.
	 */
	if (!rc) {
		rc = __ptsm_mmio_check_pending(pd);
		if (rc)
			__ptsm_enter_error(pd);
	}
	/* evidence published while the op ran (a TSM may publish any time) */
	if (!rc) {
		rc = __ptsm_run_enter(pd, gen);
		if (rc)
			__ptsm_enter_error(pd);
	}
	if (rc) {
		__ptsm_mmio_discard_pending(pd);
		__ptsm_shim_release(pd);
		ptsm_recovery_put(pd);
	}
	return rc;
}

static int ptsm_accept_body(struct ptsm_pdev *pd, struct ptsm_dev *unused,
			    const char *unused_name)
{
	struct ptsm_dev *tsm = pd->devsec_tsm;
	u32 gen;
	int rc;

	ptsm_assert_slot_held(pd);
	if (!tsm || pd->dead)
		return -EINVAL;
	/* being unregistered: its functions are leaving RUN (ptsm_tsm_remove()) */
	if (!ptsm_tsm_is_live(tsm))
		return -ENXIO;
	if (pd->state == PCI_TSM_TDISP_RUN)
		return -EBUSY;
	if (pd->state != PCI_TSM_TDISP_LOCKED || atomic_read(&pd->error))
		return -EINVAL;
	if (ptsm_driver_bound(pd->pdev))
		return -EBUSY;
	rc = ptsm_evidence_accept_check(pd);
	if (rc)
		return rc;
	rc = __ptsm_accept_run(pd, tsm, &gen);
	if (rc)
		return rc;
	__ptsm_recovery_record(pd);
	pci_info(pd->pdev, "TDISP RUN: accepted through %s at evidence generation %u\n",
		 dev_name(&tsm->dev), gen);
	return 0;
}

/**
 * ptsm_accept() - TDISP LOCKED -> RUN
 * @pd: a referenced context
 *
 * Context: as ptsm_lock().
 * Return: 0, -EINVAL (not locked, or ERROR), -EBUSY (already in RUN, or a
 * driver is bound), -EPERM/-ESTALE (require_validate), -EOPNOTSUPP (no
 * ready shim), -EIO (the device entered ERROR during the accept op; it
 * stays in ERROR), -EPROTO (the TSM registered no TEE MMIO range for a
 * device with memory BARs; it stays in ERROR), -EINTR, or the TSM's error.
 */
int ptsm_accept(struct ptsm_pdev *pd)
{
	return ptsm_slot_verb(pd, NULL, NULL, ptsm_accept_body);
}

/**
 * __ptsm_teardown() - undo the state @pd holds through @tsm
 * @pd: a context
 * @tsm: the TSM going away, or NULL for all (device removal)
 *
 * A connected PF0 is disconnected (which unbinds and releases the whole
 * slot); a managed function whose device goes away is unbound and
 * released; a locked function is unlocked. With @tsm NULL the context is
 * marked dead so that no verb acts on it again.
 *
 * Context: ptsm_tsm_rwsem held (either way); takes the slot lock.
 */
void __ptsm_teardown(struct ptsm_pdev *pd, struct ptsm_dev *tsm)
{
	struct ptsm_pdev *owner;

	lockdep_assert_held(&ptsm_tsm_rwsem);
	/* teardown must complete: not interruptible */
	owner = ptsm_slot_lock(pd);
	if (pd->link_tsm && (!tsm || pd->link_tsm == tsm))
		__ptsm_disconnect(pd);
	if (!tsm && pd->dsm && pd->dsm != pd)
		__ptsm_unmanage(pd->dsm, pd);
	if (pd->devsec_tsm && (!tsm || pd->devsec_tsm == tsm))
		__ptsm_unlock(pd);
	if (!tsm)
		pd->dead = true;
	ptsm_slot_unlock(owner);
}

/*
 * ptsm_leave_run() - make the transition @leave, which may take @pd out of
 *	TDISP RUN, with its driver unbound first
 * @pd: a referenced context
 * @tsm: passed to @wants and @leave
 * @wants: does @leave still have to run? (slot lock held)
 * @leave: the transition; runs with the device lock and the slot lock held
 *	and, for a device in RUN, no driver but the hold bound
 *
 * A driver of a device in RUN got private coherent memory and encrypted
 * MMIO mappings: its remove() must run while the shims still treat the
 * device so, or it frees and unmaps what it holds under the wrong
 * assumptions. So the driver goes first and the device is held
 * (ptsm_hold_evict()); the device lock taken around @leave keeps any
 * driver from binding until the state changed. A driver that bound anyway
 * (the hold released by hand meanwhile) is unbound again.
 *
 * Context: process context; no pci_tsm lock and not the device lock held.
 */
void ptsm_leave_run(struct ptsm_pdev *pd, struct ptsm_dev *tsm,
		    bool (*wants)(struct ptsm_pdev *pd, struct ptsm_dev *tsm),
		    void (*leave)(struct ptsm_pdev *pd, struct ptsm_dev *tsm))
{
	struct device *dev = &pd->pdev->dev;
	struct ptsm_pdev *owner;
	bool evicted = false, done, want;

	/* nothing to do: no device lock (cheap, and safe at unload) */
	owner = ptsm_slot_lock(pd);
	want = wants(pd, tsm);
	ptsm_slot_unlock(owner);
	if (!want)
		return;
	for (;;) {
		device_lock(dev);
		owner = ptsm_slot_lock(pd);
		want = wants(pd, tsm);
		done = !want || pd->state != PCI_TSM_TDISP_RUN ||
		       (evicted && !ptsm_driver_bound(pd->pdev));
		if (want && done)
			leave(pd, tsm);
		ptsm_slot_unlock(owner);
		device_unlock(dev);
		if (done)
			return;
		/* ORDER: the driver's remove() runs while the device is in RUN */
		ptsm_hold_evict(pd->pdev);
		evicted = true;
	}
}

/*
 * A recovery that started meanwhile (a reset probe fired after the error
 * work asked) owns the ERROR, as it would have when asked: re-checked
 * under the device lock, once the reset that caused both is over.
 */
static bool ptsm_error_wants(struct ptsm_pdev *pd, struct ptsm_dev *unused)
{
	return !pd->dead && pd->devsec_tsm && atomic_read(&pd->error) &&
	       pd->state != PCI_TSM_TDISP_ERROR &&
	       !atomic_read(&pd->recovering);
}

static void ptsm_error_leave(struct ptsm_pdev *pd, struct ptsm_dev *unused)
{
	if (pd->state == PCI_TSM_TDISP_RUN)
		WRITE_ONCE(pd->error_left_run, true);
	__ptsm_enter_error(pd);
}

/**
 * ptsm_error_work() - leave RUN after the TSM reported TDISP ERROR: the
 *	driver of a device in RUN is unbound and the device held, then it
 *	enters ERROR
 * @work: &ptsm_pdev.error_work; the queuer took a context reference
 */
void ptsm_error_work(struct work_struct *work)
{
	struct ptsm_pdev *pd = container_of(work, struct ptsm_pdev, error_work);

	/* a recovery (reaccept=same-evidence, or a reset) owns it */
	if (!ptsm_recovery_take_error(pd)) {
		ptsm_leave_run(pd, NULL, ptsm_error_wants, ptsm_error_leave);
		if (xchg(&pd->error_left_run, false))
			ptsm_recovery_error_left(pd);
	}
	ptsm_pdev_put(pd);
}

static bool ptsm_release_wants(struct ptsm_pdev *pd, struct ptsm_dev *tsm)
{
	return !pd->dead && pd->devsec_tsm == tsm;
}

static void ptsm_release_leave(struct ptsm_pdev *pd, struct ptsm_dev *tsm)
{
	if (pd->state == PCI_TSM_TDISP_RUN)
		WRITE_ONCE(pd->release_left_run, true);
	__ptsm_unlock(pd);
	__ptsm_recovery_forget(pd);
}

/**
 * ptsm_devsec_release() - unlock @pd if devsec TSM @tsm locked it; the
 *	driver of a device in RUN is unbound and the device held first
 * @pd: a referenced context
 * @tsm: a devsec TSM being unregistered, no longer live (verbs cannot
 *	lock or accept through it any more)
 *
 * Context: process context, from the TSM's unregistration; no pci_tsm
 * lock and not the device lock held.
 */
void ptsm_devsec_release(struct ptsm_pdev *pd, struct ptsm_dev *tsm)
{
	ptsm_leave_run(pd, tsm, ptsm_release_wants, ptsm_release_leave);
	if (xchg(&pd->release_left_run, false))
		ptsm_recovery_gone(pd, PTSM_CAUSE_UNREGISTER);
}

/**
 * ptsm_pci_set_report_offset() - record the MMIO reporting offset of the
 *	interface report the lock op just built (extension)
 * @pdev: the device being locked
 * @offset: what the report's first_page values are offset by, in bytes
 *
 * Shown in tsm/mmio_reporting_offset while the device is locked, so that a
 * relying party can match report ranges to BARs without knowing the TSM.
 *
 * Context: only from the devsec lock op (slot lock held).
 * Return: 0 or -ENODEV.
 */
int ptsm_pci_set_report_offset(struct pci_dev *pdev, u64 offset)
{
	struct ptsm_pdev *pd = ptsm_pdev_find(pdev);

	if (!pd)
		return -ENODEV;
	ptsm_assert_slot_held(pd);
	pd->report_offset = offset;
	pd->has_report_offset = true;
	ptsm_pdev_put(pd);
	return 0;
}

PTSM_EXPORT(ptsm_pci_set_report_offset);

static void ptsm_report_error(struct pci_dev *pdev, bool now)
{
	struct ptsm_pdev *pd;

	rcu_read_lock();
	pd = ptsm_pdev_peek(pdev);
	if (pd && !kref_get_unless_zero(&pd->kref))
		pd = NULL;
	rcu_read_unlock();
	if (!pd)
		return;
	atomic_set(&pd->error, 1);
	if (now) {
		WRITE_ONCE(pd->shim_lost, true);
		ptsm_untrust(pd);
	}
	if (!queue_work(ptsm_wq, &pd->error_work))
		ptsm_pdev_put(pd);
}

/**
 * ptsm_pci_tdisp_error() - a devsec TSM reports that @pdev entered TDISP
 *	ERROR (a security-relevant change while LOCKED or RUN)
 * @pdev: the device
 *
 * A work item takes the device out of RUN: the driver bound to it is
 * unbound first, while the device still counts as accepted (its remove()
 * frees private memory and unmaps encrypted MMIO as it got them; in ERROR
 * the device cannot reach private memory, where shared memory would
 * expose what the driver still writes), the device is held, then it
 * enters ERROR and its TEE MMIO is withdrawn. A new accept is refused
 * from now on; only unlock leaves ERROR. Ignored for a device that is not
 * locked.
 *
 * Context: any, including atomic (config-space accessors).
 */
void ptsm_pci_tdisp_error(struct pci_dev *pdev)
{
	ptsm_report_error(pdev, false);
}

PTSM_EXPORT(ptsm_pci_tdisp_error);

/**
 * ptsm_pci_shim_lost() - tsm_shim found a redirect @pdev relies on no
 *	longer in force
 * @pdev: an accepted device
 *
 * As ptsm_pci_tdisp_error(), except that the device stops counting as
 * accepted at once: its DMA and MMIO are no longer private whatever
 * pci_tsm says, so nothing may claim they are.
 *
 * Context: any, including atomic.
 */
void ptsm_pci_shim_lost(struct pci_dev *pdev)
{
	ptsm_report_error(pdev, true);
}

PTSM_EXPORT(ptsm_pci_shim_lost);

/* ---- TDI bind, entered from a link TSM's own attributes ---- */

static int ptsm_tdi_enter(struct ptsm_dev *tsm, struct pci_dev *pdev,
			  struct ptsm_pdev **pdp, struct ptsm_pdev **owner)
{
	struct ptsm_pdev *pd = ptsm_pdev_find(pdev);
	int rc;

	if (!pd)
		return -ENXIO;
	if (down_read_killable(&ptsm_tsm_rwsem)) {
		ptsm_pdev_put(pd);
		return -EINTR;
	}
	rc = ptsm_tsm_is_live(tsm) ? ptsm_slot_lock_killable(pd, owner) : -ENXIO;
	if (!rc && (pd->dead || !pd->dsm || pd->dsm->link_tsm != tsm)) {
		ptsm_slot_unlock(*owner);
		rc = -ENXIO;
	}
	if (rc) {
		up_read(&ptsm_tsm_rwsem);
		ptsm_pdev_put(pd);
		return rc;
	}
	*pdp = pd;
	return 0;
}

static void ptsm_tdi_exit(struct ptsm_pdev *pd, struct ptsm_pdev *owner)
{
	ptsm_slot_unlock(owner);
	up_read(&ptsm_tsm_rwsem);
	ptsm_pdev_put(pd);
}

/**
 * ptsm_pci_tdi_bind() - bind TDI @pdev through link TSM @tsm
 * @tsm: the link TSM its DSM is connected through
 * @pdev: PF0 or a function it manages
 *
 * Context: process context, may sleep; not from a TSM op.
 * Return: 0, -ENXIO (not connected through @tsm), -EBUSY (already bound),
 * -EINTR, or the TSM's error.
 */
int ptsm_pci_tdi_bind(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	struct ptsm_pdev *pd, *owner;
	int rc;

	rc = ptsm_tdi_enter(tsm, pdev, &pd, &owner);
	if (rc)
		return rc;
	if (pd->bound_tsm)
		rc = -EBUSY;
	else if (tsm->ops->link.bind)
		rc = tsm->ops->link.bind(tsm, pdev);
	if (!rc && !pd->bound_tsm)
		pd->bound_tsm = tsm;
	ptsm_tdi_exit(pd, owner);
	return rc;
}

PTSM_EXPORT(ptsm_pci_tdi_bind);

/**
 * ptsm_pci_tdi_unbind() - undo ptsm_pci_tdi_bind()
 * @tsm: the link TSM
 * @pdev: the bound TDI
 *
 * Context: as ptsm_pci_tdi_bind().
 * Return: 0, -ENXIO (not connected through @tsm, or not bound), -EINTR.
 */
int ptsm_pci_tdi_unbind(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	struct ptsm_pdev *pd, *owner;
	int rc;

	rc = ptsm_tdi_enter(tsm, pdev, &pd, &owner);
	if (rc)
		return rc;
	if (pd->bound_tsm != tsm)
		rc = -ENXIO;
	else
		__ptsm_tdi_unbind(pd);
	ptsm_tdi_exit(pd, owner);
	return rc;
}

PTSM_EXPORT(ptsm_pci_tdi_unbind);

/**
 * ptsm_pci_guest_req() - relay a read-only guest request for TDI @pdev
 * @tsm: the link TSM the TDI is bound through
 * @pdev: the TDI
 * @req: request, @req_len bytes
 * @req_len: request length
 * @resp: response buffer, @resp_len bytes
 * @resp_len: response buffer size
 *
 * Context: as ptsm_pci_tdi_bind().
 * Return: the response length, -ENXIO (not bound through @tsm),
 * -EOPNOTSUPP (the TSM has no guest_req op), -EINTR, or the TSM's error.
 */
ssize_t ptsm_pci_guest_req(struct ptsm_dev *tsm, struct pci_dev *pdev,
			   const void *req, size_t req_len,
			   void *resp, size_t resp_len)
{
	struct ptsm_pdev *pd, *owner;
	ssize_t rc;
	int err;

	err = ptsm_tdi_enter(tsm, pdev, &pd, &owner);
	if (err)
		return err;
	if (pd->bound_tsm != tsm)
		rc = -ENXIO;
	else if (!tsm->ops->link.guest_req)
		rc = -EOPNOTSUPP;
	else
		rc = tsm->ops->link.guest_req(tsm, pdev, req, req_len, resp,
					      resp_len);
	ptsm_tdi_exit(pd, owner);
	return rc;
}

PTSM_EXPORT(ptsm_pci_guest_req);

/**
 * ptsm_pci_dsm() - the PF0 managing @pdev while connected
 * @pdev: a PCI device
 *
 * Context: any; the result is not referenced and only stable while the
 * caller holds off teardown (from a TSM op of that slot).
 * Return: the PF0, or NULL when @pdev is not managed.
 */
struct pci_dev *ptsm_pci_dsm(struct pci_dev *pdev)
{
	struct ptsm_pdev *pd, *dsm;
	struct pci_dev *ret = NULL;

	rcu_read_lock();
	pd = ptsm_pdev_peek(pdev);
	if (pd) {
		dsm = READ_ONCE(pd->dsm);
		if (dsm)
			ret = dsm->pdev;
	}
	rcu_read_unlock();
	return ret;
}

PTSM_EXPORT(ptsm_pci_dsm);
