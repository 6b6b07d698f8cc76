// SPDX-License-Identifier: GPL-2.0-only
/*
 * Is every redirect in force? A registered kprobe is not proof: kprobes
 * may optimize an int3 probe into a jump whose path ignores the regs->ip a
 * pre-handler sets, "kprobes/enabled" disarms all probes without telling
 * their owners, a probe can be disabled or gone. So each check reads what
 * the probe is (kprobe flags: gone, disabled, optimized, also of the
 * aggregate it may share with other users of the same address) and then
 * calls the probed function itself with canary arguments: the pre-handler
 * answers them through the return stub with a value the function's body
 * cannot produce, so seeing that value proves the redirect takes effect.
 * Streaming DMA has no probe: its check is that every device switched to
 * direct still points at the shim's swiotlb descriptor (dma.c).
 *
 * The checks run at load, in every ready() (before each accept), and from
 * a watchdog every second while any device holds the shim. A failed check
 * while devices are accepted reports each of them (log line and a
 * KOBJ_CHANGE uevent with TSM_SHIM=lost) and sends it to TDISP ERROR
 * through pci_tsm, so it stops counting as accepted at once: no handler
 * treats it as private any more and pci_tsm no longer reports it in RUN;
 * its streaming DMA bounces again at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/kobject.h>
#include <linux/pci.h>
#include <linux/rculist.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <asm/cpufeature.h>

#include <ptsm/pci_tsm.h>

#include "shim.h"

#define SHIM_WATCH_PERIOD	HZ

/* Never registered, never handed to the DMA API: only its address counts. */
struct device shim_canary_dev = { .init_name = "tsm_shim-canary" };
bool shim_canary_fdu;
char shim_canary_iomem[1];

static void shim_watch_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(shim_watch_work, shim_watch_fn);
/* the watchdog is queued (shim_lock) */
static bool shim_watching;

/*
 * shim_entry() - where to call the function @kp probes
 *
 * kprobes place a probe after the ENDBR of an IBT kernel (6.12: +4), so
 * the function starts 4 bytes earlier when they are there. Without ENDBR
 * the probe address is the entry; a CPU enforcing IBT would fault on an
 * indirect call of a function whose ENDBR was sealed, so then the canary
 * cannot be called (NULL) and the check fails closed.
 */
static void *shim_entry(const struct kprobe *kp)
{
	static const u8 endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	u8 *addr = (u8 *)kp->addr;
	u8 before[4];

	if (!copy_from_kernel_nofault(before, addr - 4, sizeof(before)) &&
	    !memcmp(before, endbr64, sizeof(before)))
		return addr - 4;
	if (IS_ENABLED(CONFIG_X86_KERNEL_IBT) && cpu_feature_enabled(X86_FEATURE_IBT))
		return NULL;
	return addr;
}

/* force_dma_unencrypted(canary) twice, asking for true, then false */
bool shim_canary_fdu_call(struct shim_probe *sp)
{
	bool (*fdu)(struct device *dev) = shim_entry(&sp->kp);
	bool yes, no;

	if (!fdu)
		return false;
	WRITE_ONCE(shim_canary_fdu, true);
	yes = fdu(&shim_canary_dev);
	WRITE_ONCE(shim_canary_fdu, false);
	no = fdu(&shim_canary_dev);
	return yes && !no;
}

/* ioremap(SHIM_CANARY_PHYS, 0): NULL from its own body (zero size) */
bool shim_canary_ioremap_call(struct shim_probe *sp)
{
	void __iomem *p = ioremap(SHIM_CANARY_PHYS, 0);

	return (__force void *)p == (void *)shim_canary_iomem;
}

/*
 * shim_probe_optimized() - is @kp, or the aggregate probe it shares with
 * other users of the same address, optimized? Members of an aggregate are
 * linked through their list heads, the aggregate's own included.
 */
bool shim_probe_optimized(struct kprobe *kp)
{
	struct kprobe *k;
	bool opt = kprobe_optimized(kp);

	rcu_read_lock();
	list_for_each_entry_rcu(k, &kp->list, list)
		opt |= kprobe_optimized(k);
	rcu_read_unlock();
	return opt;
}

/* What the probe is: "armed" or what is wrong. */
const char *shim_probe_state(struct shim_probe *sp)
{
	struct kprobe *kp = &sp->kp;

	if (kprobe_gone(kp))
		return "gone";
	if (sp->redirects && shim_probe_optimized(kp))
		return "OPTIMIZED";
	if (kprobe_disabled(kp))
		return "disabled";
	return "armed";
}

/**
 * shim_check() - is every redirect of the shim in force?
 * @why: filled with the first problem found
 * @len: size of @why
 *
 * Probes that are not required only need to be attached. Then every
 * streaming redirect (dma.c) is checked.
 *
 * Context: shim_lock held, process context.
 * Return: 0 when all is in force, -1 otherwise.
 */
int shim_check(char *why, size_t len)
{
	unsigned int i;

	lockdep_assert_held(&shim_lock);
	for (i = 0; i < shim_nr_probes; i++) {
		struct shim_probe *sp = &shim_probes[i];
		const char *state;

		if (!sp->required || !sp->redirects)
			continue;
		if (!sp->attached) {
			scnprintf(why, len, "probe on %s not attached", sp->name);
			return -1;
		}
		state = shim_probe_state(sp);
		if (strcmp(state, "armed")) {
			scnprintf(why, len, "probe on %s is %s: no %s", sp->name,
				  state, sp->role);
			return -1;
		}
		if (!sp->canary(sp)) {
			scnprintf(why, len,
				  "redirect on %s not in force (canary call ran the function's own body): no %s",
				  sp->name, sp->role);
			return -1;
		}
	}
	return shim_dma_check(why, len);
}

/* One accepted device whose redirect is gone: stop claiming, then say so. */
static int shim_report_lost(struct device *dev, void *why)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	char *envp[2];

	if (!ptsm_dev_accepted(dev))
		return 0;
	envp[0] = "TSM_SHIM=lost";
	envp[1] = NULL;
	/* ORDER: not accepted (nothing private) before anyone hears of it */
	ptsm_pci_shim_lost(pdev);
	/* its streaming DMA bounces again now, not when it leaves RUN */
	scoped_guard(mutex, &shim_lock)
		shim_dma_detach(pdev);
	pci_err(pdev, "redirect not in force: %s; DMA and MMIO of this device are not private, it leaves RUN (TDISP ERROR)\n",
		(const char *)why);
	kobject_uevent_env(&dev->kobj, KOBJ_CHANGE, envp);
	return 0;
}

static void shim_watch_fn(struct work_struct *work)
{
	char why[160];
	bool lost;

	scoped_guard(mutex, &shim_lock) {
		if (!shim_holds) {
			shim_watching = false;
			return;
		}
		lost = shim_check(why, sizeof(why));
	}
	if (lost) {
		pr_err("%s\n", why);
		bus_for_each_dev(&pci_bus_type, NULL, why, shim_report_lost);
	}
	schedule_delayed_work(&shim_watch_work, SHIM_WATCH_PERIOD);
}

/* Context: shim_lock held. Starts the watchdog if it is not running. */
void shim_watch_start(void)
{
	lockdep_assert_held(&shim_lock);
	if (shim_watching)
		return;
	shim_watching = true;
	schedule_delayed_work(&shim_watch_work, SHIM_WATCH_PERIOD);
}

/* At unload: no hold can exist (pci_tsm pins the module while it does). */
void shim_watch_stop(void)
{
	cancel_delayed_work_sync(&shim_watch_work);
	guard(mutex)(&shim_lock);
	shim_watching = false;
}
