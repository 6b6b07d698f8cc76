// SPDX-License-Identifier: GPL-2.0-only
/*
 * tsm_shim: on a stock kernel, give accepted (TDISP RUN) PCI devices what
 * upstream builds into swiotlb, dma-direct and x86 ioremap: direct
 * streaming DMA, private coherent memory and encrypted TEE MMIO. Done with
 * kprobes; pci_tsm asks ready() before every accept and refuses it
 * (-EOPNOTSUPP) unless every redirect is proven in force (inforce.c).
 * docs/tsm-shim.md describes the probes and counters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/cleanup.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include <ptsm/pci_tsm.h>

#include "shim.h"

bool shim_testing;
module_param_named(testing, shim_testing, bool, 0444);
MODULE_PARM_DESC(testing,
		 "Decide as in a confidential guest, for tests in a plain VM (default: off)");

bool shim_confidential;

static char *shim_fail_probe;
module_param_named(fail_probe, shim_fail_probe, charp, 0444);
MODULE_PARM_DESC(fail_probe,
		 "Test hook: register the probe on this symbol under a name no kernel has");

static char *shim_unguarded;
module_param_named(test_unguarded, shim_unguarded, charp, 0444);
MODULE_PARM_DESC(test_unguarded,
		 "Test hook: register this redirecting probe without its post_handler, so kprobes may optimize it");

static char *shim_clone_test;
module_param_named(test_clone_check, shim_clone_test, charp, 0444);
MODULE_PARM_DESC(test_clone_check,
		 "Test hook: refuse, as for a probed symbol, if this symbol has a clone");

/* Serialises holds, arming and the checks; taken inside pci_tsm's locks. */
DEFINE_MUTEX(shim_lock);
/* ready() answers that were true and not yet released (shim_lock) */
unsigned int shim_holds;
/*
 * Streaming DMA needs no probe (dma.c): the probes are the coherent-DMA
 * decision, the ioremap decision and the allocation counters.
 */
struct shim_probe shim_probes[] = {
	{
		.kp = { .pre_handler = shim_force_dma_unencrypted_pre },
		.name = "force_dma_unencrypted",
		.role = "private coherent DMA",
		.required = true,
		.redirects = true,
		.canary = shim_canary_fdu_call,
	}, {
		.kp = { .pre_handler = shim_ioremap_pre },
		.name = "__ioremap_caller",
		.role = "encrypted ioremap",
		.required = true,
		.redirects = true,
		.canary = shim_canary_ioremap_call,
	}, {
		.kp = { .pre_handler = shim_dma_direct_alloc_pre },
		.name = "dma_direct_alloc",
		.role = "coherent allocation counters",
	},
};

const unsigned int shim_nr_probes = ARRAY_SIZE(shim_probes);

/* Why accept must fail; written once at load, before registering. */
static char shim_why[160];
/* fail_probe: the name the probe is registered under instead */
static char shim_absent_name[KSYM_NAME_LEN];

/*
 * GCC clones a function whose callers it specialises; callers of the clone
 * never reach a probe on the original. The first clone of each kind is
 * ".0"; a kernel with any of these next to the symbol is refused.
 */
static const char *const shim_clone_suffixes[] = {
	".isra.0", ".constprop.0", ".part.0",
};

void shim_post_nop(struct kprobe *p, struct pt_regs *regs, unsigned long flags)
{
}

NOKPROBE_SYMBOL(shim_post_nop);

/* Unregister all attached probes at once, then wait out the return stub. */
static void shim_detach(void)
{
	struct kprobe *kps[ARRAY_SIZE(shim_probes)];
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(shim_probes); i++)
		if (shim_probes[i].attached) {
			kps[n++] = &shim_probes[i].kp;
			shim_probes[i].attached = false;
		}
	if (!n)
		return;
	unregister_kprobes(kps, n);
	shim_quiesce();		/* see stub.c */
}

/* Is there a clone of @name? Looked up as a disabled probe, never armed. */
static bool shim_has_clone(const char *name, char *clone, size_t len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(shim_clone_suffixes); i++) {
		struct kprobe kp = { .flags = KPROBE_FLAG_DISABLED };

		scnprintf(clone, len, "%s%s", name, shim_clone_suffixes[i]);
		kp.symbol_name = clone;
		if (!register_kprobe(&kp)) {
			unregister_kprobe(&kp);
			return true;
		}
	}
	return false;
}

static int shim_attach_one(struct shim_probe *sp)
{
	struct kprobe *kp = &sp->kp;

	kp->symbol_name = sp->name;
	if (shim_fail_probe && !strcmp(shim_fail_probe, sp->name)) {
		scnprintf(shim_absent_name, sizeof(shim_absent_name),
			  "%s.tsm_shim_absent", sp->name);
		kp->symbol_name = shim_absent_name;
	}
	/* a post_handler keeps kprobes from optimizing the probe, and on
	 * ftrace makes it arm the probe with IPMODIFY (kernel/kprobes.c)
	 */
	kp->post_handler = NULL;
	if (sp->redirects && !(shim_unguarded && !strcmp(shim_unguarded, sp->name)))
		kp->post_handler = shim_post_nop;
	kp->flags = 0;
	kp->addr = NULL;
	kp->offset = 0;
	return register_kprobe(kp);
}

/*
 * Register every probe. If a required one fails, or has a clone, remember
 * the first failure as the reason and take the others down again: a
 * partial shim must not act, and no device can be accepted to need it.
 */
static void shim_attach(void)
{
	char clone[KSYM_NAME_LEN];
	struct shim_probe *sp;
	bool failed = false;

	for (sp = shim_probes; sp < shim_probes + ARRAY_SIZE(shim_probes); sp++) {
		sp->err = shim_attach_one(sp);
		if (!sp->err) {
			sp->attached = true;
			if (!sp->required || !shim_has_clone(sp->name, clone, sizeof(clone)))
				continue;
			pr_err("%s has a clone %s whose callers bypass the probe\n",
			       sp->name, clone);
			if (!failed) {
				failed = true;
				scnprintf(shim_why, sizeof(shim_why),
					  "%s has a clone (%s): no %s", sp->name,
					  clone, sp->role);
			}
			continue;
		}
		pr_err("cannot probe %s (%s): %d\n", sp->name, sp->role, sp->err);
		if (sp->required && !failed) {
			failed = true;
			scnprintf(shim_why, sizeof(shim_why),
				  "kprobe on %s failed (%d): no %s",
				  sp->name, sp->err, sp->role);
		}
	}
	if (!failed && shim_clone_test &&
	    shim_has_clone(shim_clone_test, clone, sizeof(clone))) {
		pr_err("%s has a clone %s whose callers bypass the probe\n",
		       shim_clone_test, clone);
		failed = true;
		scnprintf(shim_why, sizeof(shim_why), "%s has a clone (%s)",
			  shim_clone_test, clone);
	}
	if (failed)
		shim_detach();
}

static bool shim_attached(void)
{
	return !shim_why[0];
}

void shim_show_probes(struct seq_file *m)
{
	struct shim_probe *sp;

	guard(mutex)(&shim_lock);
	for (sp = shim_probes; sp < shim_probes + ARRAY_SIZE(shim_probes); sp++) {
		seq_printf(m, "probe.%s=", sp->name);
		if (sp->attached)
			seq_printf(m, "%s %s %s missed=%lu\n",
				   kprobe_ftrace(&sp->kp) ? "ftrace" : "int3",
				   shim_probe_state(sp),
				   sp->redirects ? (sp->kp.post_handler ?
						    "redirect" : "redirect-unguarded") :
						   "observe",
				   sp->kp.nmissed);
		else if (sp->err)
			seq_printf(m, "failed %d\n", sp->err);
		else
			seq_puts(m, "detached\n");
	}
	seq_printf(m, "holds=%u\n", shim_holds);
	seq_printf(m, "direct_devices=%u\n", shim_dma_nr_direct());
}

/*
 * shim_status_ready() - for the status file: attached, and every
 * redirect in force.
 */
bool shim_status_ready(char *why, size_t len)
{
	if (!shim_attached()) {
		strscpy(why, shim_why, len);
		return false;
	}
	guard(mutex)(&shim_lock);
	return !shim_check(why, len);
}

/*
 * ptsm_shim.ready: called by pci_tsm before each accept (its slot lock and
 * shim lock held). Proves every redirect in force; a true answer is a
 * hold until shim_release(). While any hold exists, the watchdog
 * (inforce.c) repeats the proof every second.
 */
static bool shim_ready(const char **why)
{
	/* only pci_tsm calls this, one caller at a time (its shim lock) */
	static char reason[160];

	if (!shim_attached()) {
		*why = shim_why;
		return false;
	}
	guard(mutex)(&shim_lock);
	if (shim_check(reason, sizeof(reason))) {
		*why = reason;
		return false;
	}
	shim_holds++;
	shim_watch_start();
	return true;
}

/* ptsm_shim.release: the accept failed or the device left RUN */
static void shim_release(void)
{
	guard(mutex)(&shim_lock);
	if (!WARN_ON_ONCE(!shim_holds))
		shim_holds--;
	/* the watchdog stops once it sees no hold */
}

/*
 * ptsm_shim.accepted: a device entered or left RUN (slot lock held, may
 * sleep; for every exit: unlock, ERROR, reset, TSM unregister, removal).
 * Streaming DMA is switched here (dma.c), with one log line each way.
 */
static void shim_accepted(struct pci_dev *pdev, bool accepted)
{
	struct device *dev = &pdev->dev;
	const char *streaming;

	if (accepted) {
		scoped_guard(mutex, &shim_lock)
			streaming = shim_dma_attach(pdev);
		pci_info(pdev, "attached: streaming DMA %s, coherent DMA private, TEE MMIO %s%s\n",
			 streaming,
			 shim_confidential ? "encrypted" : "refused (host cannot encrypt)",
			 shim_testing ? " [testing mode]" : "");
		return;
	}
	scoped_guard(mutex, &shim_lock)
		shim_dma_detach(pdev);
	pci_info(pdev, "detached: streaming DMA bounced as before, direct_switches=%u private_allocs=%u encrypted_ioremaps=%u refused_ioremaps=%u\n",
		 shim_dev_counter(dev, SHIM_DIRECT_SWITCHES),
		 shim_dev_counter(dev, SHIM_PRIVATE_ALLOCS),
		 shim_dev_counter(dev, SHIM_ENCRYPTED_IOREMAPS),
		 shim_dev_counter(dev, SHIM_REFUSED_IOREMAPS));
}

static const struct ptsm_shim shim_ops = {
	.owner = THIS_MODULE,
	.ready = shim_ready,
	.release = shim_release,
	.accepted = shim_accepted,
	.untrusted = shim_dma_untrusted,
};

/* Prove every redirect once at load. */
static bool shim_prove_at_load(char *why, size_t len)
{
	if (!shim_attached()) {
		strscpy(why, shim_why, len);
		return false;
	}
	guard(mutex)(&shim_lock);
	return !shim_check(why, len);
}

static int __init shim_init(void)
{
	char why[160];
	int ret;

	shim_confidential = shim_testing ||
			    cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT);

	ret = shim_debugfs_init();
	if (ret)
		return ret;

	shim_attach();
	ret = ptsm_shim_register(&shim_ops);
	if (ret)
		goto err_detach;

	if (shim_prove_at_load(why, sizeof(why)))
		pr_info("ready: confidential=%d testing=%d\n",
			shim_confidential, shim_testing);
	else
		pr_err("loaded but NOT ready, accept will fail: %s\n", why);
	return 0;

err_detach:
	shim_detach();
	shim_debugfs_exit();
	return ret;
}

static void __exit shim_exit(void)
{
	/* ORDER: no new accept, no watchdog, then no probe, then no counters */
	ptsm_shim_unregister(&shim_ops);
	shim_watch_stop();
	shim_dma_exit();
	shim_detach();
	/* a map or unmap may still be reading the direct descriptor (dma.c) */
	if (shim_dma_used())
		shim_quiesce();
	shim_debugfs_exit();
}

module_init(shim_init);
module_exit(shim_exit);

MODULE_DESCRIPTION("kprobe shims: private DMA and encrypted MMIO for accepted PCI devices");
MODULE_LICENSE("GPL");
MODULE_VERSION(PTSM_VERSION);
PTSM_IMPORT_NS();
