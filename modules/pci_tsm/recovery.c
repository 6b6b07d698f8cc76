// SPDX-License-Identifier: GPL-2.0-only
/*
 * pci_tsm recovery (docs/ABI.md 5.1): a function that leaves TDISP RUN
 * behind pci_tsm's back (a function reset, TDISP ERROR) stops counting as
 * accepted before it can do DMA again, and with reaccept=same-evidence
 * comes back to RUN in the kernel when its fresh, nonce-fresh evidence has
 * the digests recorded at accept.
 *
 * Detection of function resets: every function reset of the PCI core
 * (sysfs "reset", pci_reset_function(), pci_reset_function_locked(),
 * pci_try_reset_function()) runs __pci_reset_function_locked() after the
 * driver's reset_prepare() and before the config space, Bus Master
 * included, is restored. A kprobe on its entry (ftrace-based, so its
 * handler runs in the caller's process context with preemption off) takes
 * the device out of "accepted" and starts a new evidence generation there.
 * With the same rules as tsm_shim: the probe must be registered,
 * ftrace-based (never optimized), not disabled or gone, and the symbol must
 * have no clone; otherwise no device is accepted (-EOPNOTSUPP). A second
 * probe, with the same rules, on pcibios_reset_secondary_bus() sees bus
 * and slot resets: every function below the bridge leaves RUN there.
 *
 * Error recovery (AER, DPC, EDR): each of the PCI core's error recovery
 * services runs pcie_do_recovery() on the function or port that reported
 * the error, which walks the port's subtree through the drivers'
 * error_detected(), the link or bus reset, slot_reset() and resume(). A
 * third probe, with the same rules, on its entry takes every function of
 * that subtree out of RUN before any of this runs; a kretprobe on it
 * counts the recoveries under way, and recovery work waits until none is
 * left (no relock while a link is being reset). A kernel built without
 * PCIEAER has no pcie_do_recovery(), and no error recovery to see.
 *
 * System sleep (suspend to idle or RAM, hibernation): a PM notifier takes
 * every accepted function out of "accepted" at PM_SUSPEND_PREPARE /
 * PM_HIBERNATION_PREPARE, before any device's suspend callback, so before
 * any resume callback (resume_noirq restores Bus Master) whatever the bound
 * driver. The function may or may not really leave RUN (D3hot to D0
 * without No_Soft_Reset, power loss); it counts as having left. Its
 * recovery waits for the end of the transition (the responder, a user
 * process, is thawed by then).
 */
#define pr_fmt(fmt) "pci_tsm: " fmt
#define dev_fmt(fmt) "pci_tsm: " fmt

#include <crypto/hash.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/suspend.h>

#include "pdev.h"

/* ---- policy ---- */

static const char *const ptsm_reaccept_names[] = {
	[PTSM_REACCEPT_NEVER] = "never",
	[PTSM_REACCEPT_SAME] = "same-evidence",
};

static int ptsm_reaccept_default = PTSM_REACCEPT_NEVER;

static int ptsm_reaccept_param_set(const char *val, const struct kernel_param *kp)
{
	int rc = sysfs_match_string(ptsm_reaccept_names, val);

	if (rc < 0)
		return -EINVAL;
	WRITE_ONCE(ptsm_reaccept_default, rc);
	return 0;
}

static int ptsm_reaccept_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n",
			  ptsm_reaccept_names[READ_ONCE(ptsm_reaccept_default)]);
}

static const struct kernel_param_ops ptsm_reaccept_ops = {
	.set = ptsm_reaccept_param_set,
	.get = ptsm_reaccept_param_get,
};

module_param_cb(reaccept, &ptsm_reaccept_ops, NULL, 0644);
MODULE_PARM_DESC(reaccept,
		 "Default recovery policy of a function leaving RUN: never or same-evidence");

/* pd->reaccept: 0 follows the module parameter, else policy + 1 */
static int ptsm_reaccept_of(struct ptsm_pdev *pd)
{
	int v = READ_ONCE(pd->reaccept);

	return v ? v - 1 : READ_ONCE(ptsm_reaccept_default);
}

static const char *const ptsm_cause_names[] = {
	[PTSM_CAUSE_NONE] = "none",
	[PTSM_CAUSE_ERROR] = "error",
	[PTSM_CAUSE_RESET] = "reset",
	[PTSM_CAUSE_SHIM_LOST] = "shim-lost",
	[PTSM_CAUSE_SUSPEND] = "suspend",
	[PTSM_CAUSE_UNREGISTER] = "unregister",
	[PTSM_CAUSE_REMOVE] = "remove",
	[PTSM_CAUSE_AER] = "aer",
};

/* ---- digests of what was accepted ---- */

static struct crypto_shash *ptsm_rec_tfm;

/* SPDM 1.2 GET_MEASUREMENTS with signature: header, nonce, slot id */
#define PTSM_MEAS_REQ_LEN	(4 + PCI_TSM_NONCE_SIZE + 1)
/* MEASUREMENTS header, block count, u24 record length */
#define PTSM_MEAS_RSP_HDR	8

/*
 * The measurement record (the blocks) inside a MEASUREMENTS object, which
 * comes from the device (or a TSM): every length is checked.
 */
static bool ptsm_meas_record(const u8 *m, size_t len, const u8 **rec,
			     size_t *rlen)
{
	const u8 *rsp = m + PTSM_MEAS_REQ_LEN;
	size_t n;

	if (!m || len < PTSM_MEAS_REQ_LEN + PTSM_MEAS_RSP_HDR)
		return false;
	if (m[0] != 0x12 || m[1] != 0xe0 || rsp[0] != 0x12 || rsp[1] != 0x60)
		return false;
	n = rsp[5] | rsp[6] << 8 | rsp[7] << 16;
	if (n > len - PTSM_MEAS_REQ_LEN - PTSM_MEAS_RSP_HDR)
		return false;
	*rec = rsp + PTSM_MEAS_RSP_HDR;
	*rlen = n;
	return true;
}

static bool ptsm_meas_digest(const struct ptsm_evidence_set *set, u8 *out)
{
	const u8 *rec;
	size_t rlen;

	if (!ptsm_rec_tfm ||
	    !ptsm_meas_record(set->obj[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS].data,
			      set->obj[PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS].len,
			      &rec, &rlen))
		return false;
	return !crypto_shash_tfm_digest(ptsm_rec_tfm, rec, rlen, out);
}

/* What @set would be recorded as. */
static void ptsm_digests_of(const struct ptsm_evidence_set *set, u32 gen,
			    struct ptsm_accepted *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i <= PCI_TSM_EVIDENCE_TYPE_CERT7; i++) {
		if (!set->obj[i].len)
			continue;
		a->certs |= BIT(i);
		memcpy(a->cert[i], set->obj[i].digest, sizeof(a->cert[i]));
	}
	a->has_meas = ptsm_meas_digest(set, a->meas);
	if (set->obj[PCI_TSM_EVIDENCE_TYPE_REPORT].len) {
		a->has_report = true;
		memcpy(a->report, set->obj[PCI_TSM_EVIDENCE_TYPE_REPORT].digest,
		       sizeof(a->report));
	}
	a->generation = gen;
	a->valid = true;
}

/**
 * __ptsm_recovery_record() - record the digests of the evidence accepted
 * @pd: a context that just entered RUN
 *
 * Context: slot lock held.
 */
void __ptsm_recovery_record(struct ptsm_pdev *pd)
{
	struct ptsm_evidence_set *set;
	u32 gen;

	ptsm_assert_slot_held(pd);
	WRITE_ONCE(pd->shim_lost, false);
	set = ptsm_evidence_get(pd, &gen);
	if (!set) {
		memset(&pd->acc, 0, sizeof(pd->acc));
		pd->acc.generation = gen;
		pd->acc.valid = true;
		return;
	}
	ptsm_digests_of(set, gen, &pd->acc);
	ptsm_evidence_put(set);
}

/**
 * __ptsm_recovery_forget() - forget the accepted digests (unlock)
 * @pd: a context
 *
 * Context: slot lock held.
 */
void __ptsm_recovery_forget(struct ptsm_pdev *pd)
{
	ptsm_assert_slot_held(pd);
	memset(&pd->acc, 0, sizeof(pd->acc));
}

/* Does fresh evidence @now match the accepted @was? */
static bool ptsm_digests_same(const struct ptsm_accepted *was,
			      const struct ptsm_accepted *now)
{
	int i;

	if (!was->valid || !was->has_meas || !now->has_meas ||
	    was->certs != now->certs || was->has_report != now->has_report)
		return false;
	for (i = 0; i < ARRAY_SIZE(was->cert); i++)
		if ((was->certs & BIT(i)) &&
		    memcmp(was->cert[i], now->cert[i], sizeof(was->cert[i])))
			return false;
	if (memcmp(was->meas, now->meas, sizeof(was->meas)))
		return false;
	return !was->has_report || !memcmp(was->report, now->report,
					   sizeof(was->report));
}

/* ---- uevents ---- */

static void ptsm_recovery_uevent(struct ptsm_pdev *pd, const char *event,
				 int cause, const char *why)
{
	char ev[48], ca[32], wh[48], ge[40];
	char *envp[5] = { ev, ca, ge };

	snprintf(ev, sizeof(ev), "PCI_TSM_EVENT=%s", event);
	snprintf(ca, sizeof(ca), "PCI_TSM_CAUSE=%s", ptsm_cause_names[cause]);
	snprintf(ge, sizeof(ge), "PCI_TSM_GENERATION=%u",
		 ptsm_evidence_generation(pd));
	if (why) {
		snprintf(wh, sizeof(wh), "PCI_TSM_WHY=%s", why);
		envp[3] = wh;
	}
	kobject_uevent_env(&pd->pdev->dev.kobj, KOBJ_CHANGE, envp);
}

/* ---- leaving RUN ---- */

/*
 * ptsm_recovery_left_run() - @pdev left RUN behind pci_tsm's back
 *
 * Context: any, but not NMI: the reset probe's handler (process context,
 * preemption off) or the error work.
 */
static void ptsm_recovery_left_run(struct pci_dev *pdev, int cause)
{
	struct ptsm_pdev *pd;

	rcu_read_lock();
	pd = ptsm_pdev_peek(pdev);
	/*
	 * The reset path disables memory decode first, which a TDI in RUN may
	 * report as ERROR: a recovery that started from that report and has
	 * not begun is named after the reset.
	 */
	if (pd && cause == PTSM_CAUSE_RESET && atomic_read(&pd->recovering))
		atomic_cmpxchg(&pd->rcause, PTSM_CAUSE_ERROR, cause);
	if (pd && (!READ_ONCE(pd->accepted) || !kref_get_unless_zero(&pd->kref)))
		pd = NULL;
	rcu_read_unlock();
	if (!pd)
		return;
	/*
	 * ORDER: the error work defers to us before the device stops
	 * counting; the work queued below runs after this increment
	 */
	atomic_inc(&pd->recovering);
	/* pairs with smp_rmb() in ptsm_recovery_take_error() */
	smp_mb__after_atomic();
	atomic_cmpxchg(&pd->rcause, PTSM_CAUSE_NONE, cause);
	ptsm_untrust(pd);
	ptsm_evidence_bump(pd);
	if (!queue_work(ptsm_wq, &pd->recovery_work))
		ptsm_pdev_put(pd);
}

static int ptsm_reset_pre(struct kprobe *kp, struct pt_regs *regs)
{
	ptsm_recovery_left_run((struct pci_dev *)regs_get_kernel_argument(regs, 0),
			       PTSM_CAUSE_RESET);
	return 0;
}

/* Is @pdev below @bridge? */
static bool ptsm_below(struct pci_dev *pdev, struct pci_dev *bridge)
{
	struct pci_bus *bus;

	for (bus = pdev->bus; bus; bus = bus->parent)
		if (bus->self == bridge)
			return true;
	return false;
}

static void ptsm_bus_reset_one(struct pci_dev *pdev, void *bridge)
{
	if (ptsm_below(pdev, bridge))
		ptsm_recovery_left_run(pdev, PTSM_CAUSE_RESET);
}

/* A secondary bus reset of the bridge: every function below leaves RUN */
static int ptsm_bus_reset_pre(struct kprobe *kp, struct pt_regs *regs)
{
	ptsm_pdevs_each(ptsm_bus_reset_one,
			(struct pci_dev *)regs_get_kernel_argument(regs, 0));
	return 0;
}

static void ptsm_reset_post(struct kprobe *kp, struct pt_regs *regs,
			    unsigned long flags)
{
}

/* pcie_do_recovery() of the error reported by @dev covers the result's subtree */
static struct pci_dev *ptsm_aer_bridge(struct pci_dev *dev)
{
	struct pci_dev *up;

	switch (pci_pcie_type(dev)) {
	case PCI_EXP_TYPE_ROOT_PORT:
	case PCI_EXP_TYPE_DOWNSTREAM:
	case PCI_EXP_TYPE_RC_EC:
	case PCI_EXP_TYPE_RC_END:
		return dev;
	}
	up = pci_upstream_bridge(dev);
	return up ? up : dev;
}

static void ptsm_aer_one(struct pci_dev *pdev, void *bridge)
{
	struct pci_dev *b = bridge;

	/* as pci_walk_bridge(): the bus below a bridge, else the function */
	if (b->subordinate ? ptsm_below(pdev, b) : pdev == b)
		ptsm_recovery_left_run(pdev, PTSM_CAUSE_AER);
}

/* recoveries under way (pcie_do_recovery() entered and not returned) */
static atomic_t ptsm_aer_active = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(ptsm_aer_wq);

/*
 * Entry of pcie_do_recovery(dev, state, reset_subordinates): count it,
 * then every accepted function it covers leaves RUN, before the first
 * error_detected() or reset. Counting first: the recovery work queued
 * here finds it under way.
 */
static int ptsm_aer_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	atomic_inc(&ptsm_aer_active);
	ptsm_pdevs_each(ptsm_aer_one,
			ptsm_aer_bridge((struct pci_dev *)regs_get_kernel_argument(regs, 0)));
	return 0;
}

static int ptsm_aer_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (atomic_dec_and_test(&ptsm_aer_active))
		wake_up_all(&ptsm_aer_wq);
	return 0;
}

/*
 * A kretprobe that finds no free instance (more recoveries at once than
 * maxactive) skips its entry handler: this plain probe on the same entry
 * takes the subtree out of RUN anyway (a no-op for the functions the
 * entry handler already took out), so no recovery goes unseen; only its
 * end is then not waited for.
 */
static int ptsm_aer_pre(struct kprobe *kp, struct pt_regs *regs)
{
	ptsm_pdevs_each(ptsm_aer_one,
			ptsm_aer_bridge((struct pci_dev *)regs_get_kernel_argument(regs, 0)));
	return 0;
}

static struct kretprobe ptsm_aer_rp = {
	.kp.symbol_name = "pcie_do_recovery",
	.entry_handler = ptsm_aer_entry,
	.handler = ptsm_aer_ret,
	.maxactive = 64,
};

/* Wait (sleeping) until no error recovery is under way, or @pd is gone. */
static void ptsm_aer_wait(struct ptsm_pdev *pd)
{
	while (atomic_read(&ptsm_aer_active) && !READ_ONCE(pd->dead))
		wait_event_timeout(ptsm_aer_wq, !atomic_read(&ptsm_aer_active),
				   HZ);
}

/*
 * The reset probes: a function reset, and a secondary bus reset, which
 * every bus and slot reset of the PCI core runs (pci_reset_bus(), the
 * "bus" reset method, hotplug slot resets, AER's reset of a root port's
 * bus) after the drivers' reset_prepare() and before the config space of
 * the functions below is restored. They all go through
 * pci_bridge_secondary_bus_reset(), which 6.1's pci.c inlines into its
 * callers there; the weak pcibios_reset_secondary_bus() it calls cannot be
 * inlined. A post_handler keeps kprobes from ever optimizing them.
 */
static struct kprobe ptsm_reset_kps[] = {
	{
		.symbol_name = "__pci_reset_function_locked",
		.pre_handler = ptsm_reset_pre,
		.post_handler = ptsm_reset_post,
	},
	{
		.symbol_name = "pcibios_reset_secondary_bus",
		.pre_handler = ptsm_bus_reset_pre,
		.post_handler = ptsm_reset_post,
	},
	{
		.symbol_name = "pcie_do_recovery",
		.pre_handler = ptsm_aer_pre,
		.post_handler = ptsm_reset_post,
	},
};

#define PTSM_AER_KP	2	/* ptsm_reset_kps[PTSM_AER_KP]: optional */

static void ptsm_suspend_one(struct pci_dev *pdev, void *unused)
{
	ptsm_recovery_left_run(pdev, PTSM_CAUSE_SUSPEND);
}

static int ptsm_pm_notify(struct notifier_block *nb, unsigned long action,
			  void *unused)
{
	if (action == PM_SUSPEND_PREPARE || action == PM_HIBERNATION_PREPARE)
		ptsm_pdevs_each(ptsm_suspend_one, NULL);
	return NOTIFY_DONE;
}

static struct notifier_block ptsm_pm_nb = {
	.notifier_call = ptsm_pm_notify,
};

static bool ptsm_pm_nb_registered;
static bool ptsm_reset_kps_registered;
/* pcie_do_recovery() exists (PCIEAER): its two probes are registered */
static bool ptsm_aer_probed;
static char ptsm_reset_why[96];

/* Every probe in force, the kretprobe's last; @ptsm_aer_probed: all */
static struct kprobe *const ptsm_kps[] = {
	&ptsm_reset_kps[0], &ptsm_reset_kps[1], &ptsm_reset_kps[PTSM_AER_KP],
	&ptsm_aer_rp.kp,
};

static int ptsm_nr_kps(void)
{
	return ptsm_aer_probed ? ARRAY_SIZE(ptsm_kps) : PTSM_AER_KP;
}

/*
 * The canary: a function of our own with a probe armed and disarmed with
 * the others. Calling it and seeing its handler run proves that kprobes
 * are armed at all ("echo 0 > /sys/kernel/debug/kprobes/enabled" disarms
 * every probe without a trace in its flags).
 */
static atomic_t ptsm_canary_hits = ATOMIC_INIT(0);

static noinline void ptsm_recovery_canary(void)
{
	/* a body the compiler keeps, so a call it cannot fold */
	asm volatile ("" ::: "memory");
}

static int ptsm_canary_pre(struct kprobe *kp, struct pt_regs *regs)
{
	atomic_inc(&ptsm_canary_hits);
	return 0;
}

static struct kprobe ptsm_canary_kp = {
	.pre_handler = ptsm_canary_pre,
	.post_handler = ptsm_reset_post,
};

/*
 * Is every exit from RUN seen? The PM notifier registered, every probe
 * registered, ftrace-based and enabled (arming does not fail silently
 * only then), and kprobes armed at all (the canary fires).
 * Return: 0, or -EOPNOTSUPP (accept must fail).
 */
static int ptsm_recovery_ready(void)
{
	int i, hits;

	if (!ptsm_pm_nb_registered) {
		pr_warn_ratelimited("accept refused: system sleep is not seen\n");
		return -EOPNOTSUPP;
	}
	if (!ptsm_reset_kps_registered)
		goto refuse;
	for (i = 0; i < ptsm_nr_kps(); i++)
		if (kprobe_disabled(ptsm_kps[i]) || kprobe_gone(ptsm_kps[i]))
			goto refuse;
	if (kprobe_disabled(&ptsm_canary_kp) || kprobe_gone(&ptsm_canary_kp))
		goto refuse;
	hits = atomic_read(&ptsm_canary_hits);
	ptsm_recovery_canary();
	if (atomic_read(&ptsm_canary_hits) == hits) {
		pr_warn_ratelimited("accept refused: resets are not seen (kprobes are disarmed)\n");
		return -EOPNOTSUPP;
	}
	return 0;

refuse:
	pr_warn_ratelimited("accept refused: resets are not seen (%s)\n",
			    ptsm_reset_why[0] ? ptsm_reset_why : "probe disabled");
	return -EOPNOTSUPP;
}

/*
 * Arming on demand. The probes are registered disabled at load; the first
 * accept arms them, and they stay armed while any function holds them (in
 * RUN, or accepted and on its way out). The last one out queues the
 * disarm, which runs in a worker: the kernel WARNs when disarming an
 * ftrace-based probe fails to allocate, and module unload (under fault
 * injection in faultinject-stack) never disarms them itself. The worker
 * runs PTSM_DISARM_DELAY after the last function let go, counted again
 * at every release: arming and disarming patch kernel text and wait for
 * RCU-tasks grace periods, which made every round of a lock, accept,
 * unlock loop cost ~0.3 s under TCG (evidence-accept-race went from ~20 s
 * to 300 s); a function accepted again meanwhile finds them armed, and a
 * loop that keeps coming back within the delay never pays again.
 */
#define PTSM_DISARM_DELAY	(2 * HZ)

static DEFINE_MUTEX(ptsm_arm_lock);
static unsigned int ptsm_arm_users;	/* ptsm_arm_lock */
static bool ptsm_armed;			/* ptsm_arm_lock: enable ran */
static bool ptsm_arm_dead;		/* ptsm_arm_lock: unloading */

static void ptsm_disarm_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ptsm_disarm_work, ptsm_disarm_fn);

static int ptsm_probe_enable(struct kprobe *kp, bool on)
{
	if (kp == &ptsm_aer_rp.kp)
		return on ? enable_kretprobe(&ptsm_aer_rp) :
			    disable_kretprobe(&ptsm_aer_rp);
	return on ? enable_kprobe(kp) : disable_kprobe(kp);
}

/* Arm or disarm the canary and every registered probe. */
static int __ptsm_probes_set(bool on)
{
	int i, rc, ret = 0;

	lockdep_assert_held(&ptsm_arm_lock);
	for (i = 0; i < ptsm_nr_kps(); i++) {
		rc = ptsm_probe_enable(ptsm_kps[i], on);
		if (rc && !ret)
			ret = rc;
	}
	rc = ptsm_probe_enable(&ptsm_canary_kp, on);
	return ret ? ret : rc;
}

static void ptsm_disarm_fn(struct work_struct *work)
{
	guard(mutex)(&ptsm_arm_lock);
	if ((ptsm_arm_users && !ptsm_arm_dead) || !ptsm_armed)
		return;
	__ptsm_probes_set(false);
	ptsm_armed = false;
}

/**
 * ptsm_recovery_arm() - before @pd is accepted: arm the probes that see it
 *	leave RUN, and check they are in force
 * @pd: a locked context on its way to RUN
 *
 * Context: slot lock held, may sleep.
 * Return: 0 (@pd holds the probes until ptsm_recovery_put()), or
 * -EOPNOTSUPP: a probe could not be armed or is not in force.
 */
int ptsm_recovery_arm(struct ptsm_pdev *pd)
{
	int rc;

	ptsm_assert_slot_held(pd);
	guard(mutex)(&ptsm_arm_lock);
	if (ptsm_arm_dead || !ptsm_reset_kps_registered)
		return ptsm_recovery_ready();
	if (!ptsm_armed) {
		ptsm_armed = true;
		rc = __ptsm_probes_set(true);
		if (rc)
			pr_warn_ratelimited("cannot arm the recovery probes: %d\n",
					    rc);
	}
	rc = ptsm_recovery_ready();
	if (rc) {
		/* what did arm is disarmed by the worker, as always */
		if (!ptsm_arm_users)
			queue_delayed_work(system_wq, &ptsm_disarm_work,
					   PTSM_DISARM_DELAY);
		return rc;
	}
	if (!pd->probes_held) {
		pd->probes_held = true;
		ptsm_arm_users++;
	}
	return 0;
}

/**
 * ptsm_recovery_put() - @pd left RUN, or did not get there: it no longer
 *	needs the probes (a no-op when it does not hold them)
 * @pd: a context
 *
 * Context: slot lock held.
 */
void ptsm_recovery_put(struct ptsm_pdev *pd)
{
	ptsm_assert_slot_held(pd);
	if (!pd->probes_held)
		return;
	pd->probes_held = false;
	guard(mutex)(&ptsm_arm_lock);
	if (!--ptsm_arm_users && !ptsm_arm_dead)
		mod_delayed_work(system_wq, &ptsm_disarm_work,
				 PTSM_DISARM_DELAY);
}

static const char *const ptsm_clone_suffixes[] = {
	".isra.0", ".constprop.0", ".part.0",
};

static bool ptsm_has_clone(const char *sym)
{
	char name[KSYM_NAME_LEN];
	int i;

	for (i = 0; i < ARRAY_SIZE(ptsm_clone_suffixes); i++) {
		struct kprobe kp = { .flags = KPROBE_FLAG_DISABLED };

		snprintf(name, sizeof(name), "%s%s", sym, ptsm_clone_suffixes[i]);
		kp.symbol_name = name;
		if (!register_kprobe(&kp)) {
			unregister_kprobe(&kp);
			return true;
		}
	}
	return false;
}

/* ---- coming back ---- */

static bool ptsm_run_wants(struct ptsm_pdev *pd, struct ptsm_dev *unused)
{
	return !pd->dead && pd->devsec_tsm && pd->state == PCI_TSM_TDISP_RUN;
}

static void ptsm_run_to_error(struct ptsm_pdev *pd, struct ptsm_dev *unused)
{
	__ptsm_enter_error(pd);
}

/*
 * Relock @pd through @tsm, from RUN (the TDI itself may be in ERROR or
 * UNLOCKED after the reset: TDISP leaves ERROR only by STOP, so the TSM
 * unlocks it first). Return: 0 (LOCKED) or the lock op's error (UNLOCKED).
 */
static int __ptsm_relock(struct ptsm_pdev *pd, struct ptsm_dev *tsm)
{
	u32 gen;
	int rc;

	ptsm_assert_slot_held(pd);
	__ptsm_run_leave(pd);
	tsm->ops->devsec.unlock(tsm, pd->pdev);
	__ptsm_mmio_discard_pending(pd);
	pd->has_report_offset = false;
	pd->state = PCI_TSM_TDISP_UNLOCKED;
	ptsm_evidence_clear(pd);
	atomic_set(&pd->error, 0);
	gen = ptsm_evidence_generation(pd);
	rc = tsm->ops->devsec.lock(tsm, pd->pdev);
	if (rc) {
		pd->devsec_tsm = NULL;
		return rc;
	}
	pd->state = PCI_TSM_TDISP_LOCKED;
	if (ptsm_evidence_generation(pd) == gen)
		ptsm_evidence_bump(pd);
	return 0;
}

/* The slot under ptsm_tsm_rwsem: the TSM @pd was locked through, or NULL */
static struct ptsm_dev *ptsm_rec_enter(struct ptsm_pdev *pd,
				       struct ptsm_pdev **owner)
{
	down_read(&ptsm_tsm_rwsem);
	*owner = ptsm_slot_lock(pd);
	if (pd->dead || !pd->devsec_tsm || !ptsm_tsm_is_live(pd->devsec_tsm))
		return NULL;
	return pd->devsec_tsm;
}

static void ptsm_rec_exit(struct ptsm_pdev *owner)
{
	ptsm_slot_unlock(owner);
	up_read(&ptsm_tsm_rwsem);
}

/*
 * Same-evidence recovery of @pd (in RUN as far as pci_tsm's state goes,
 * not accepted). Return: NULL when back in RUN, else why not.
 */
static const char *ptsm_reaccept(struct ptsm_pdev *pd)
{
	struct ptsm_evidence_set *set;
	struct ptsm_accepted now;
	struct ptsm_pdev *owner;
	struct ptsm_dev *tsm;
	u8 nonce[PCI_TSM_NONCE_SIZE];
	const char *why = NULL;
	u32 gen, rgen;
	int rc;

	tsm = ptsm_rec_enter(pd, &owner);
	if (!tsm || pd->state != PCI_TSM_TDISP_RUN) {
		ptsm_rec_exit(owner);
		return "relock-failed";
	}
	rc = __ptsm_relock(pd, tsm);
	ptsm_rec_exit(owner);
	if (rc) {
		pci_warn(pd->pdev, "recovery: relock through %s failed: %d\n",
			 dev_name(&tsm->dev), rc);
		return "relock-failed";
	}

	get_random_bytes(nonce, sizeof(nonce));
	rc = ptsm_evidence_refresh(pd, nonce, sizeof(nonce), &set, &rgen);
	if (rc) {
		pci_warn(pd->pdev, "recovery: no fresh evidence: %d\n", rc);
		return "no-fresh-evidence";
	}
	ptsm_digests_of(set, rgen, &now);
	ptsm_evidence_put(set);

	tsm = ptsm_rec_enter(pd, &owner);
	if (!tsm || pd->state != PCI_TSM_TDISP_LOCKED ||
	    ptsm_evidence_generation(pd) != rgen) {
		why = "no-fresh-evidence";
	} else if (!ptsm_digests_same(&pd->acc, &now)) {
		why = "evidence-changed";
	} else {
		/* the kernel validated this generation against the record */
		rc = ptsm_evidence_validate(pd, rgen);
		if (!rc)
			rc = __ptsm_accept_run(pd, tsm, &gen);
		if (rc) {
			pci_warn(pd->pdev, "recovery: accept failed: %d\n", rc);
			why = "accept-failed";
		} else {
			__ptsm_recovery_record(pd);
			pci_info(pd->pdev, "TDISP RUN again: same evidence, accepted in the kernel at generation %u\n",
				 gen);
		}
	}
	ptsm_rec_exit(owner);
	return why;
}

/* Runs from the recovery work, which clears @pd->recovering afterwards. */
static void ptsm_recover(struct ptsm_pdev *pd, int cause)
{
	struct device *dev = &pd->pdev->dev;
	const char *why = NULL;
	bool again;

	ptsm_recovery_uevent(pd, "left-run", cause, NULL);
	/* a reset in progress holds it: recovery starts once it is done */
	device_lock(dev);
	if (ptsm_reaccept_of(pd) != PTSM_REACCEPT_SAME) {
		device_unlock(dev);
		why = "never";
	} else {
		why = ptsm_reaccept(pd);
		device_unlock(dev);
	}
	if (!why) {
		ptsm_recovery_uevent(pd, "reaccepted", cause, NULL);
		return;
	}
	/*
	 * Not back in RUN: its driver goes, the function is held. From RUN
	 * (never) the function enters ERROR as for a reported ERROR; a
	 * relocked or unlocked one stays as it is.
	 */
	ptsm_leave_run(pd, NULL, ptsm_run_wants, ptsm_run_to_error);
	again = !READ_ONCE(pd->dead) && ptsm_driver_bound(pd->pdev);
	if (again)
		ptsm_hold_evict(pd->pdev);
	pci_info(pd->pdev, "left TDISP RUN (%s): not accepted again: %s\n",
		 ptsm_cause_names[cause], why);
	ptsm_recovery_uevent(pd, "needs-decision", cause, why);
}

static void ptsm_recovery_work(struct work_struct *work)
{
	struct ptsm_pdev *pd = container_of(work, struct ptsm_pdev,
					    recovery_work);
	int seen, cause;

	/* a system sleep transition ends with the tasks thawed */
	if (atomic_read(&pd->rcause) == PTSM_CAUSE_SUSPEND)
		unlock_system_sleep(lock_system_sleep());
	seen = atomic_read(&pd->recovering);
	cause = atomic_xchg(&pd->rcause, PTSM_CAUSE_NONE);

	/* no relock while an error recovery resets links */
	if (cause != PTSM_CAUSE_NONE)
		ptsm_aer_wait(pd);
	if (cause != PTSM_CAUSE_NONE && !READ_ONCE(pd->dead))
		ptsm_recover(pd, cause);
	/*
	 * Done, unless the function left RUN again meanwhile: that queued
	 * this work once more, and that run clears it.
	 */
	atomic_cmpxchg(&pd->recovering, seen, 0);
	ptsm_pdev_put(pd);
}

/**
 * ptsm_recovery_take_error() - the error work of @pd asks whether recovery
 *	handles the ERROR reported for it
 * @pd: a referenced context
 *
 * A recovery under way (a reset put the TDI in ERROR) owns it; an ERROR of
 * an accepted function whose policy is same-evidence starts one.
 *
 * Return: true when the error work must not act.
 */
bool ptsm_recovery_take_error(struct ptsm_pdev *pd)
{
	if (atomic_read(&pd->recovering))
		return true;
	if (ptsm_reaccept_of(pd) != PTSM_REACCEPT_SAME ||
	    !READ_ONCE(pd->accepted)) {
		/*
		 * A reset probe may have fired between the two reads: it
		 * counts the recovery before the function stops counting as
		 * accepted, so seeing it unaccepted means seeing that count.
		 */
		smp_rmb();
		return atomic_read(&pd->recovering);
	}
	ptsm_recovery_left_run(pd->pdev, PTSM_CAUSE_ERROR);
	return atomic_read(&pd->recovering);
}

/**
 * ptsm_recovery_error_left() - the error work took @pd out of RUN, without
 *	recovery (reaccept=never, or a lost shim redirect): tell userspace
 * @pd: a referenced context
 */
void ptsm_recovery_error_left(struct ptsm_pdev *pd)
{
	int cause = READ_ONCE(pd->shim_lost) ? PTSM_CAUSE_SHIM_LOST :
					       PTSM_CAUSE_ERROR;

	ptsm_recovery_uevent(pd, "left-run", cause, NULL);
	ptsm_recovery_uevent(pd, "needs-decision", cause,
			     cause == PTSM_CAUSE_ERROR ? "never" : "shim-lost");
}

/**
 * ptsm_recovery_gone() - @pd left RUN for good: its TSM was unregistered
 *	(it is unlocked) or it is being removed; tell userspace
 * @pd: a referenced context
 * @cause: PTSM_CAUSE_UNREGISTER or PTSM_CAUSE_REMOVE
 *
 * No recovery and no needs-decision follow: there is nothing to re-accept
 * through. Removal sends it from the bus notifier, before the device's
 * KOBJ_REMOVE.
 */
void ptsm_recovery_gone(struct ptsm_pdev *pd, int cause)
{
	ptsm_recovery_uevent(pd, "left-run", cause, NULL);
}

/* ---- sysfs ---- */

static ssize_t ptsm_emit_trust_level(struct ptsm_pdev *pd, char *buf)
{
	int level;

	if (READ_ONCE(pd->accepted))
		level = 3;
	else if (pd->devsec_tsm)
		level = 2;
	else if (READ_ONCE(pd->pdev->dev.driver) == &ptsm_hold_driver.driver)
		level = 0;
	else
		level = 1;
	return sysfs_emit(buf, "%d\n", level);
}

static ssize_t trust_level_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return ptsm_show_locked(dev, buf, ptsm_emit_trust_level);
}
DEVICE_ATTR_RO(trust_level);

static ssize_t reaccept_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct ptsm_pdev *pd = ptsm_pdev_find(to_pci_dev(dev));
	ssize_t rc;

	if (!pd)
		return -ENODEV;
	rc = sysfs_emit(buf, "%s\n", ptsm_reaccept_names[ptsm_reaccept_of(pd)]);
	ptsm_pdev_put(pd);
	return rc;
}

static ssize_t reaccept_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct ptsm_pdev *pd;
	int v = sysfs_match_string(ptsm_reaccept_names, buf);

	if (v < 0)
		return -EINVAL;
	pd = ptsm_pdev_find(to_pci_dev(dev));
	if (!pd)
		return -ENODEV;
	WRITE_ONCE(pd->reaccept, v + 1);
	ptsm_pdev_put(pd);
	return len;
}
DEVICE_ATTR_RW(reaccept);

static ssize_t ptsm_emit_digest(char *buf, ssize_t at, const char *name,
				const u8 *d)
{
	return at + sysfs_emit_at(buf, at, "%s sha384:%*phN\n", name,
				  PCI_TSM_EVIDENCE_DIGEST_SIZE, d);
}

static ssize_t ptsm_emit_accepted_digests(struct ptsm_pdev *pd, char *buf)
{
	const struct ptsm_accepted *a = &pd->acc;
	char name[8];
	ssize_t n = 0;
	int i;

	if (!a->valid)
		return 0;
	for (i = 0; i < ARRAY_SIZE(a->cert); i++) {
		if (!(a->certs & BIT(i)))
			continue;
		snprintf(name, sizeof(name), "cert%d", i);
		n = ptsm_emit_digest(buf, n, name, a->cert[i]);
	}
	if (a->has_meas)
		n = ptsm_emit_digest(buf, n, "measurements", a->meas);
	if (a->has_report)
		n = ptsm_emit_digest(buf, n, "report", a->report);
	return n + sysfs_emit_at(buf, n, "generation %u\n", a->generation);
}

static ssize_t accepted_digests_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return ptsm_show_locked(dev, buf, ptsm_emit_accepted_digests);
}
DEVICE_ATTR_RO(accepted_digests);

/* ---- setup ---- */

void ptsm_recovery_init_pdev(struct ptsm_pdev *pd)
{
	INIT_WORK(&pd->recovery_work, ptsm_recovery_work);
}

/* Device removal: no recovery runs after the teardown. */
void ptsm_recovery_flush(struct ptsm_pdev *pd)
{
	flush_work(&pd->recovery_work);
}

static int ptsm_probe_register(int i)
{
	if (ptsm_kps[i] == &ptsm_aer_rp.kp)
		return register_kretprobe(&ptsm_aer_rp);
	return register_kprobe(ptsm_kps[i]);
}

static void ptsm_probe_unregister(int i)
{
	if (ptsm_kps[i] == &ptsm_aer_rp.kp)
		unregister_kretprobe(&ptsm_aer_rp);
	else
		unregister_kprobe(ptsm_kps[i]);
}

/**
 * ptsm_recovery_init() - register the PM notifier, the reset probes and
 *	the error recovery probes (where pcie_do_recovery() exists)
 *
 * A probe that cannot be registered is not fatal: pci_tsm loads, and
 * refuses every accept (ptsm_recovery_ready()).
 *
 * Return: 0.
 */
int ptsm_recovery_init(void)
{
	int i, rc;

	ptsm_rec_tfm = crypto_alloc_shash("sha384", 0, 0);
	if (IS_ERR(ptsm_rec_tfm)) {
		pr_warn("sha384 unavailable (%ld): no same-evidence recovery\n",
			PTR_ERR(ptsm_rec_tfm));
		ptsm_rec_tfm = NULL;
	}
	ptsm_pm_nb_registered = !register_pm_notifier(&ptsm_pm_nb);
	ptsm_canary_kp.addr = (kprobe_opcode_t *)ptsm_recovery_canary;
	ptsm_canary_kp.flags = KPROBE_FLAG_DISABLED;
	rc = register_kprobe(&ptsm_canary_kp);
	if (rc) {
		snprintf(ptsm_reset_why, sizeof(ptsm_reset_why),
			 "canary kprobe failed: %d", rc);
		pr_err("%s: no device can be accepted\n", ptsm_reset_why);
		return 0;
	}
	ptsm_aer_probed = true;
	for (i = 0; i < ptsm_nr_kps(); i++) {
		struct kprobe *kp = ptsm_kps[i];

		/* armed by the first accept (ptsm_recovery_arm()) */
		kp->flags = KPROBE_FLAG_DISABLED;
		rc = ptsm_probe_register(i);
		/* no pcie_do_recovery(): a kernel without AER, DPC and EDR */
		if (rc == -ENOENT && i == PTSM_AER_KP) {
			pr_info("no pcie_do_recovery() in this kernel: no error recovery to see\n");
			ptsm_aer_probed = false;
			break;
		}
		if (rc) {
			snprintf(ptsm_reset_why, sizeof(ptsm_reset_why),
				 "kprobe on %s failed: %d", kp->symbol_name, rc);
			goto unregister;
		}
		if (!kprobe_ftrace(kp)) {
			snprintf(ptsm_reset_why, sizeof(ptsm_reset_why),
				 "probe on %s is not ftrace-based",
				 kp->symbol_name);
			i++;
			goto unregister;
		}
		if (ptsm_has_clone(kp->symbol_name)) {
			snprintf(ptsm_reset_why, sizeof(ptsm_reset_why),
				 "%s has a clone whose callers bypass the probe",
				 kp->symbol_name);
			i++;
			goto unregister;
		}
	}
	ptsm_reset_kps_registered = true;
	return 0;

unregister:
	while (i--)
		ptsm_probe_unregister(i);
	unregister_kprobe(&ptsm_canary_kp);
	pr_err("%s: no device can be accepted\n", ptsm_reset_why);
	return 0;
}

/* Unload, first: no reset handler runs once this returns. */
void ptsm_recovery_exit(void)
{
	int i;

	/*
	 * Functions still in RUN keep the probes armed: the worker disarms
	 * them all the same, and no put queues it again. Unregistering
	 * disarmed probes touches no ftrace state.
	 */
	scoped_guard(mutex, &ptsm_arm_lock)
		ptsm_arm_dead = true;
	mod_delayed_work(system_wq, &ptsm_disarm_work, 0);
	flush_delayed_work(&ptsm_disarm_work);
	if (ptsm_reset_kps_registered) {
		for (i = 0; i < ptsm_nr_kps(); i++)
			ptsm_probe_unregister(i);
		unregister_kprobe(&ptsm_canary_kp);
	}
	ptsm_reset_kps_registered = false;
	/* a recovery under way is no longer counted: nobody waits for it */
	atomic_set(&ptsm_aer_active, 0);
	wake_up_all(&ptsm_aer_wq);
	if (ptsm_pm_nb_registered)
		unregister_pm_notifier(&ptsm_pm_nb);
	ptsm_pm_nb_registered = false;
}

/* Unload, last: no context is left to record or recover. */
void ptsm_recovery_free(void)
{
	crypto_free_shash(ptsm_rec_tfm);
	ptsm_rec_tfm = NULL;
}
