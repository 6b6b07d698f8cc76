// SPDX-License-Identifier: GPL-2.0-only
/*
 * tsm_shim: on a stock kernel, give accepted (TDISP RUN) PCI devices what
 * upstream builds into swiotlb, dma-direct and x86 ioremap: direct
 * streaming DMA, private coherent memory and encrypted TEE MMIO. Done with
 * kprobes; pci_tsm asks ready() before every accept and refuses it
 * (-EOPNOTSUPP) unless every required probe is attached and firing.
 * docs/tsm-shim.md describes the probes and counters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
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
		 "Test hook: treat the probe on this symbol as unable to attach");

/**
 * struct shim_probe - one kprobe and what depends on it
 * @kp: the probe, registered by symbol name
 * @role: what the probe provides, for log lines
 * @required: accept is refused unless this probe is attached
 * @err: register_kprobe() result; 0 once attached
 * @attached: registered and not yet unregistered
 */
struct shim_probe {
	struct kprobe kp;
	const char *role;
	bool required;
	int err;
	bool attached;
};

static struct shim_probe shim_probes[] = {
	{
		.kp = { .symbol_name = "swiotlb_map",
			.pre_handler = shim_swiotlb_map_pre },
		.role = "swiotlb bypass",
		.required = true,
	}, {
		.kp = { .symbol_name = "force_dma_unencrypted",
			.pre_handler = shim_force_dma_unencrypted_pre },
		.role = "private coherent DMA",
		.required = true,
	}, {
		.kp = { .symbol_name = "__ioremap_caller",
			.pre_handler = shim_ioremap_pre },
		.role = "encrypted ioremap",
		.required = true,
	}, {
		.kp = { .symbol_name = "dma_direct_alloc",
			.pre_handler = shim_dma_direct_alloc_pre },
		.role = "coherent allocation counters",
		.required = false,
	},
};

/* Why accept must fail; written once at load, before registering. */
static char shim_why[160];

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

/*
 * Register every probe. If a required one fails, remember the first
 * failure as the reason and take the others down again: a partial shim
 * must not act, and no device can be accepted to need it.
 */
static void shim_attach(void)
{
	struct shim_probe *sp;
	bool failed = false;

	for (sp = shim_probes; sp < shim_probes + ARRAY_SIZE(shim_probes); sp++) {
		if (shim_fail_probe && !strcmp(shim_fail_probe, sp->kp.symbol_name))
			sp->err = -ENOENT;
		else
			sp->err = register_kprobe(&sp->kp);
		if (!sp->err) {
			sp->attached = true;
			continue;
		}
		pr_err("cannot probe %s (%s): %d\n", sp->kp.symbol_name,
		       sp->role, sp->err);
		if (sp->required && !failed) {
			failed = true;
			snprintf(shim_why, sizeof(shim_why),
				 "kprobe on %s failed (%d): no %s",
				 sp->kp.symbol_name, sp->err, sp->role);
		}
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

	for (sp = shim_probes; sp < shim_probes + ARRAY_SIZE(shim_probes); sp++) {
		seq_printf(m, "probe.%s=", sp->kp.symbol_name);
		if (sp->attached)
			seq_printf(m, "%s missed=%lu\n",
				   kprobe_ftrace(&sp->kp) ? "ftrace" : "int3",
				   sp->kp.nmissed);
		else if (sp->err)
			seq_printf(m, "failed %d\n", sp->err);
		else
			seq_puts(m, "detached\n");
	}
}

/* ptsm_shim.ready: called by pci_tsm before each accept */
bool shim_is_ready(const char **why)
{
	if (!shim_attached()) {
		*why = shim_why;
		return false;
	}
	if (!shim_ioremap_canary()) {
		*why = "kprobes attached but not firing (debugfs kprobes/enabled=0?)";
		return false;
	}
	return true;
}

/* ptsm_shim.accepted: one log line per device entering or leaving RUN */
static void shim_accepted(struct pci_dev *pdev, bool accepted)
{
	struct device *dev = &pdev->dev;

	if (accepted) {
		pci_info(pdev, "attached: streaming DMA direct, coherent DMA private, TEE MMIO %s%s\n",
			 shim_confidential ? "encrypted" : "refused (host cannot encrypt)",
			 shim_testing ? " [testing mode]" : "");
		return;
	}
	pci_info(pdev, "detached: bypassed_maps=%u private_allocs=%u encrypted_ioremaps=%u refused_ioremaps=%u\n",
		 shim_dev_counter(dev, SHIM_BYPASSED_MAPS),
		 shim_dev_counter(dev, SHIM_PRIVATE_ALLOCS),
		 shim_dev_counter(dev, SHIM_ENCRYPTED_IOREMAPS),
		 shim_dev_counter(dev, SHIM_REFUSED_IOREMAPS));
}

static const struct ptsm_shim shim_ops = {
	.owner = THIS_MODULE,
	.ready = shim_is_ready,
	.accepted = shim_accepted,
};

static int __init shim_init(void)
{
	const char *why;
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

	if (shim_is_ready(&why))
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
	/* ORDER: no new accept, then no probe, then no counters */
	ptsm_shim_unregister(&shim_ops);
	shim_detach();
	shim_debugfs_exit();
}

module_init(shim_init);
module_exit(shim_exit);

MODULE_DESCRIPTION("kprobe shims: private DMA and encrypted MMIO for accepted PCI devices");
MODULE_LICENSE("GPL");
MODULE_VERSION(PTSM_VERSION);
PTSM_IMPORT_NS();
