/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pci_tsm: the per-PCI-device context shared by core.c, tdisp.c, sysfs.c,
 * evidence.c, mmio.c and hold.c. Not for other modules.
 *
 * Lock order (outermost first):
 *   ptsm_pdevs_lock -> ptsm_tsm_rwsem -> slot lock (one pd->lock)
 *     -> pd->ev_lock / ptsm_mmio_lock (spinlocks)
 * pd->files_lock is taken either under ptsm_pdevs_lock or with no lock
 * held, never under ptsm_tsm_rwsem or a pd->lock: changing a device's
 * sysfs files waits for running show/store calls of those files, and those
 * take ptsm_tsm_rwsem and pd->lock. For the same reason a store never
 * changes the files of its own device and never takes ptsm_pdevs_lock.
 * The stores that take another function's files_lock (connect, disconnect),
 * run the bus notifier chain (accept, which releases the hold) or wait for
 * the device lock (lock, unlock, accept: its holder may add or remove
 * devices, as sriov_numvfs does) do it without their kernfs active
 * reference (sysfs.c, ptsm_dir_store()): device removal holds that chain,
 * ptsm_pdevs_lock and files_lock while it waits for the stores that still
 * hold theirs, and so does a TSM's removal (its files go). The shows and
 * stores that keep theirs take nothing a holder of ptsm_pdevs_lock may
 * wait for: a slot lock is never held while waiting for a device lock,
 * ptsm_pdevs_lock or files_lock.
 * The device lock of a PCI device is taken outside all of these (the
 * TDISP verbs; ptsm_leave_run(), which takes a device out of RUN under the
 * device lock and the slot lock after it unbound the driver with no lock
 * held: the driver's remove() may remove devices).
 * An evidence refresh is serialised by its function's pd->refresh_lock,
 * taken outside all of these: it picks the TSM and starts under
 * ptsm_tsm_rwsem and the slot lock, runs the TSM's refresh op (which waits
 * for the device, bounded by the TSM) with no pci_tsm lock held, and
 * publishes what the op staged under the slot lock again. Nothing waits
 * for a refresh but its caller and a TSM removal, which cancels the
 * refreshes through that TSM and waits for them to end (ptsm_refresh_wq)
 * before it takes any other pci_tsm lock.
 */
#ifndef PTSM_PCI_TSM_PDEV_H
#define PTSM_PCI_TSM_PDEV_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "internal.h"

/* sysfs files a context can show (struct ptsm_pdev.files) */
enum {
	PTSM_F_CONNECT,
	PTSM_F_DISCONNECT,
	PTSM_F_DSM,
	PTSM_F_BOUND,
	PTSM_F_LOCK,
	PTSM_F_UNLOCK,
	PTSM_F_ACCEPT,
	PTSM_F_EVGEN,
	PTSM_F_OFFSET,
	PTSM_F_TRUST,
	PTSM_F_REACCEPT,
	PTSM_F_DIGESTS,
	PTSM_F_NR_GROUP,		/* files above live in tsm/ */
	PTSM_F_AUTH = PTSM_F_NR_GROUP,	/* authenticated, next to tsm/ */
	PTSM_F_NR,
};

struct ptsm_mmio_set;

/* recovery policies (tsm/reaccept) and causes of leaving RUN (recovery.c) */
enum { PTSM_REACCEPT_NEVER, PTSM_REACCEPT_SAME };
enum {
	PTSM_CAUSE_NONE, PTSM_CAUSE_ERROR, PTSM_CAUSE_RESET, PTSM_CAUSE_SHIM_LOST,
	PTSM_CAUSE_SUSPEND, PTSM_CAUSE_UNREGISTER, PTSM_CAUSE_REMOVE, PTSM_CAUSE_AER,
};

/**
 * struct ptsm_accepted - digests of the evidence accepted last (slot lock)
 * @valid: recorded (cleared by unlock)
 * @has_meas: @meas is the digest of a measurement record
 * @has_report: @report is valid
 * @certs: certificate chain slots present, by bit
 * @generation: the generation accepted
 * @cert: SHA-384 of each chain present
 * @meas: SHA-384 of the measurement record alone (no nonce, no signature)
 * @report: SHA-384 of the interface report
 */
struct ptsm_accepted {
	bool valid;
	bool has_meas;
	bool has_report;
	u8 certs;
	u32 generation;
	u8 cert[8][PCI_TSM_EVIDENCE_DIGEST_SIZE];
	u8 meas[PCI_TSM_EVIDENCE_DIGEST_SIZE];
	u8 report[PCI_TSM_EVIDENCE_DIGEST_SIZE];
};

/**
 * struct ptsm_pdev - pci_tsm's context of one PCI device
 * @kref: lookups (sysfs, netlink, TSM exports) hold references
 * @pdev: the device (referenced)
 * @key: index in ptsm_pdevs (domain, bus, devfn)
 * @rcu: frees the context after lockless readers are done
 * @is_pf0: a DSM candidate (see ABI 2.2)
 * @tee: PCIe DEVCAP TEE set
 * @add_uevent_held: its KOBJ_ADD waits for the hold to bind (hold.c)
 * @files_lock: serialises changes of this device's sysfs files
 * @files: PTSM_F_* bits currently present (files_lock)
 * @dir: the tsm/ directory, or NULL (files_lock)
 * @files_gone: the device was deleted; never touch its sysfs (files_lock)
 * @lock: for function 0 of a slot, serialises the link and TDISP state of
 *	every function of the slot; a function whose slot has no live
 *	function-0 context uses its own (see ptsm_slot_lock())
 * @dead: context torn down; verbs fail with -ENODEV
 * @link_tsm: PF0 only: the link TSM it is connected through
 * @dsm: the connected PF0 managing this function (itself for PF0),
 *	referenced
 * @fn: PF0 only, while connected: the functions it manages (referenced,
 *	including itself), by function number
 * @bound_tsm: TDI bound through this link TSM
 * @devsec_tsm: devsec TSM that locked the function
 * @state: TDISP state (enum pci_tsm_tdisp_state)
 * @accepted: TDISP RUN; read locklessly by ptsm_dev_accepted()
 * @error: set (possibly from atomic context) when the TSM reports ERROR
 * @shim: the shim whose module we hold a reference on while accepted
 * @mmio_pending: ranges given by the accept op, not yet published
 * @mmio: ranges published to ptsm_mmio_classify() while RUN
 * @report_offset: MMIO reporting offset of the TDI report, set by the lock op
 * @has_report_offset: @report_offset is valid (while locked)
 * @error_work: leaves RUN after ptsm_pci_tdisp_error()
 * @refresh_lock: serialises the evidence refreshes of this function
 * @ev_lock: protects @evidence, @generation, @validated, @going,
 *	@refreshing, @refresh_task, @refresh_staged and @refresh_cancel
 * @evidence: the published evidence set, or NULL
 * @generation: bumped by every publish, clear, lock, unlock, refresh
 * @validated: generation userspace validated last, 0 for none
 * @going: the device is being removed: no refresh starts, one running
 *	is cancelled (read locklessly by ptsm_pci_refresh_cancelled())
 * @refreshing: the TSM whose refresh op runs for this device, or NULL
 * @recovery_work: takes the device back to RUN, or to a decision, after
 *	it left RUN behind pci_tsm's back (recovery.c)
 * @rcause: PTSM_CAUSE_* of the pending recovery
 * @recovering: non-zero while a recovery is pending or running: the error
 *	work defers
 * @reaccept: 0 follows the module parameter, else PTSM_REACCEPT_* + 1
 * @acc: what was accepted (slot lock)
 * @probes_held: this function keeps the recovery probes armed, from its
 *	accept until it leaves RUN (slot lock; recovery.c)
 * @error_left_run: the error work took the function out of RUN
 * @shim_lost: the ERROR was tsm_shim's (ptsm_pci_shim_lost())
 * @release_left_run: the TSM's unregistration took the function out of RUN
 * @refresh_task: the task running that op: what it publishes is staged
 * @refresh_staged: the set the running refresh op published, not yet
 *	swapped in
 * @refresh_cancel: the TSM of the running refresh is being unregistered
 *	(read locklessly by ptsm_pci_refresh_cancelled())
 * @refresh_node: in ptsm_refreshes while @refreshing is set
 */
struct ptsm_pdev {
	struct kref kref;
	struct pci_dev *pdev;
	unsigned long key;
	struct rcu_head rcu;

	bool is_pf0;
	bool tee;
	bool add_uevent_held;

	struct mutex files_lock;	/* see @files_lock above */
	unsigned long files;
	struct kobject *dir;
	bool files_gone;

	struct mutex lock;	/* slot state, see @lock above */
	bool dead;
	struct ptsm_dev *link_tsm;
	struct ptsm_pdev *dsm;
	struct ptsm_pdev *fn[8];
	struct ptsm_dev *bound_tsm;
	struct ptsm_dev *devsec_tsm;
	enum pci_tsm_tdisp_state state;
	bool accepted;
	atomic_t error;
	const struct ptsm_shim *shim;
	struct ptsm_mmio_set *mmio_pending;
	struct ptsm_mmio_set *mmio;
	u64 report_offset;
	bool has_report_offset;
	struct work_struct error_work;

	struct mutex refresh_lock;	/* one refresh at a time */
	spinlock_t ev_lock;	/* evidence pointer and generations */
	struct ptsm_evidence_set *evidence;
	u32 generation;
	u32 validated;
	bool going;
	struct ptsm_dev *refreshing;

	struct work_struct recovery_work;
	atomic_t rcause;
	atomic_t recovering;
	int reaccept;
	struct ptsm_accepted acc;
	bool probes_held;
	bool error_left_run;
	bool shim_lost;
	bool release_left_run;
	struct task_struct *refresh_task;
	struct ptsm_evidence_set *refresh_staged;
	bool refresh_cancel;
	struct list_head refresh_node;
};

/* core.c */
extern struct rw_semaphore ptsm_tsm_rwsem;
extern struct workqueue_struct *ptsm_wq;
struct ptsm_pdev *ptsm_pdev_find(struct pci_dev *pdev);
struct ptsm_pdev *ptsm_pdev_peek(struct pci_dev *pdev);
struct ptsm_pdev *ptsm_slot_lock(struct ptsm_pdev *pd);
int ptsm_slot_lock_killable(struct ptsm_pdev *pd, struct ptsm_pdev **owner);
void ptsm_slot_unlock(struct ptsm_pdev *owner);
bool ptsm_slot_is_locked(struct ptsm_pdev *pd);
#define ptsm_assert_slot_held(pd) lockdep_assert(ptsm_slot_is_locked(pd))
struct ptsm_dev *ptsm_live_tsm(const char *buf, enum ptsm_pci_mode mode,
			       int *err);
bool ptsm_tsm_is_live(struct ptsm_dev *tsm);
void ptsm_sync_files_slot(struct ptsm_pdev *pf0);
void ptsm_pdevs_each(void (*fn)(struct pci_dev *pdev, void *data), void *data);

/* tdisp.c */
int ptsm_connect(struct ptsm_pdev *pd, struct ptsm_dev *tsm);
int ptsm_disconnect(struct ptsm_pdev *pd, const char *name);
int ptsm_lock(struct ptsm_pdev *pd, struct ptsm_dev *tsm);
int ptsm_unlock(struct ptsm_pdev *pd, const char *name);
int ptsm_accept(struct ptsm_pdev *pd);
void __ptsm_teardown(struct ptsm_pdev *pd, struct ptsm_dev *tsm);
void ptsm_error_work(struct work_struct *work);
void ptsm_devsec_release(struct ptsm_pdev *pd, struct ptsm_dev *tsm);
extern bool ptsm_require_validate;
void __ptsm_enter_error(struct ptsm_pdev *pd);
int __ptsm_accept_run(struct ptsm_pdev *pd, struct ptsm_dev *tsm, u32 *gen);
void ptsm_leave_run(struct ptsm_pdev *pd, struct ptsm_dev *tsm,
		    bool (*wants)(struct ptsm_pdev *pd, struct ptsm_dev *tsm),
		    void (*leave)(struct ptsm_pdev *pd, struct ptsm_dev *tsm));

/* recovery.c */
int ptsm_recovery_init(void);
void ptsm_recovery_exit(void);
void ptsm_recovery_free(void);
void ptsm_recovery_init_pdev(struct ptsm_pdev *pd);
void ptsm_recovery_flush(struct ptsm_pdev *pd);
int ptsm_recovery_arm(struct ptsm_pdev *pd);
void ptsm_recovery_put(struct ptsm_pdev *pd);
void __ptsm_recovery_record(struct ptsm_pdev *pd);
void __ptsm_recovery_forget(struct ptsm_pdev *pd);
bool ptsm_recovery_take_error(struct ptsm_pdev *pd);
void ptsm_recovery_error_left(struct ptsm_pdev *pd);
void ptsm_recovery_gone(struct ptsm_pdev *pd, int cause);
extern struct device_attribute dev_attr_trust_level;
extern struct device_attribute dev_attr_reaccept;
extern struct device_attribute dev_attr_accepted_digests;

/* sysfs.c */
struct kobject *ptsm_dir_add(struct device *dev);
void ptsm_dir_del(struct kobject *dir);
ssize_t ptsm_show_locked(struct device *dev, char *buf,
			 ssize_t (*emit)(struct ptsm_pdev *pd, char *buf));
extern struct device_attribute *const ptsm_files[PTSM_F_NR];

/* evidence.c */
void ptsm_evidence_clear(struct ptsm_pdev *pd);
void ptsm_evidence_refresh_abort(struct ptsm_pdev *pd);
void ptsm_evidence_refresh_drain(struct ptsm_dev *tsm);
void ptsm_evidence_bump(struct ptsm_pdev *pd);
int ptsm_evidence_accept_check(struct ptsm_pdev *pd);
int __ptsm_evidence_validated_current(struct ptsm_pdev *pd);
int ptsm_evidence_init(void);
void ptsm_evidence_exit(void);

/* mmio.c */
int __ptsm_shim_hold(struct ptsm_pdev *pd);
void __ptsm_shim_release(struct ptsm_pdev *pd);
int __ptsm_run_enter(struct ptsm_pdev *pd, u32 *gen);
void __ptsm_run_leave(struct ptsm_pdev *pd);
void ptsm_untrust(struct ptsm_pdev *pd);
void __ptsm_mmio_discard_pending(struct ptsm_pdev *pd);
int __ptsm_mmio_check_pending(struct ptsm_pdev *pd);

/* hold.c */
extern struct pci_driver ptsm_hold_driver;
bool ptsm_driver_bound(struct pci_dev *pdev);
void ptsm_hold_new_device(struct ptsm_pdev *pd);
void ptsm_hold_new_untracked(struct pci_dev *pdev);
int ptsm_hold_existing(struct ptsm_pdev *pd);
void ptsm_hold_release(struct pci_dev *pdev);
void ptsm_hold_evict(struct pci_dev *pdev);
void ptsm_hold_forget(struct ptsm_pdev *pd);

#endif /* PTSM_PCI_TSM_PDEV_H */
