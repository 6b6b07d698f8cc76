/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tsm_shim internals: the kprobe handlers that give accepted devices the
 * DMA and MMIO treatment upstream builds into swiotlb, dma-direct and x86
 * ioremap, and the per-device counters that make each decision visible.
 */
#ifndef TSM_SHIM_H
#define TSM_SHIM_H

#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct device;
struct pci_dev;
struct seq_file;

/* Module parameter: behave as a confidential guest would (see main.c). */
extern bool shim_testing;
/* testing || the platform encrypts guest memory; fixed at load */
extern bool shim_confidential;

enum shim_counter {
	SHIM_DIRECT_SWITCHES,	/* times streaming DMA was switched to direct */
	SHIM_PRIVATE_ALLOCS,	/* coherent allocations left private */
	SHIM_SHARED_ALLOCS,	/* coherent allocations made shared */
	SHIM_ENCRYPTED_IOREMAPS, /* ioremaps forced to an encrypted mapping */
	SHIM_REFUSED_IOREMAPS,	/* ioremaps refused (returned NULL) */
	SHIM_NR_COUNTERS,
};

/* debugfs.c: per-device records and counters */
int shim_debugfs_init(void);
void shim_debugfs_exit(void);
void shim_count(struct device *dev, enum shim_counter c);
unsigned int shim_dev_counter(struct device *dev, enum shim_counter c);
extern const char *const shim_counter_names[SHIM_NR_COUNTERS];

/* stub.c: make a probed function return @val without running its body */
int shim_return(struct pt_regs *regs, unsigned long val);
void shim_quiesce(void);

/*
 * Canary calls (inforce.c): a call of the probed function itself with
 * arguments no real caller passes, which the pre-handler answers through
 * the return stub with a value the function's own body cannot return.
 * Seeing that value proves the redirect is in force.
 */
extern struct device shim_canary_dev;
extern bool shim_canary_fdu;		/* force_dma_unencrypted(canary) answer */
#define SHIM_CANARY_PHYS	((resource_size_t)0x7453686d000ULL)
extern char shim_canary_iomem[];	/* ioremap(SHIM_CANARY_PHYS, 0) answer */

/* dma.c: streaming DMA of accepted devices, without a probe */
const char *shim_dma_attach(struct pci_dev *pdev);
void shim_dma_detach(struct pci_dev *pdev);
void shim_dma_untrusted(struct pci_dev *pdev);
void shim_dma_exit(void);
bool shim_dma_used(void);
int shim_dma_check(char *why, size_t len);
unsigned int shim_dma_nr_direct(void);
int shim_dma_test_reset(struct pci_dev *pdev);

/* dma.c and ioremap.c: pre-handlers, each starts with the cheap test */
int shim_force_dma_unencrypted_pre(struct kprobe *p, struct pt_regs *regs);
int shim_dma_direct_alloc_pre(struct kprobe *p, struct pt_regs *regs);
int shim_ioremap_pre(struct kprobe *p, struct pt_regs *regs);

/* kprobes calls it after an instruction we let run; its presence is the point */
void shim_post_nop(struct kprobe *p, struct pt_regs *regs, unsigned long flags);

/**
 * struct shim_probe - one kprobe and what depends on it
 * @kp: the probe, registered by symbol name
 * @name: the probed symbol
 * @role: what the probe provides, for log lines
 * @required: accept is refused unless this probe is attached and in force
 * @redirects: the pre-handler changes the execution path (return stub,
 *	argument registers): registered with a post_handler so that kprobes
 *	never optimizes it and arms it with IPMODIFY on ftrace
 * @canary: calls the probed function and checks the redirect took effect
 * @err: register_kprobe() result; 0 once attached
 * @attached: registered and not yet unregistered
 */
struct shim_probe {
	struct kprobe kp;
	const char *name;
	const char *role;
	bool required;
	bool redirects;
	bool (*canary)(struct shim_probe *sp);
	int err;
	bool attached;
};

/* inforce.c: is every redirect in force? the watchdog and its report */
bool shim_canary_fdu_call(struct shim_probe *sp);
bool shim_canary_ioremap_call(struct shim_probe *sp);
bool shim_probe_optimized(struct kprobe *kp);
const char *shim_probe_state(struct shim_probe *sp);
int shim_check(char *why, size_t len);
void shim_watch_start(void);
void shim_watch_stop(void);

/* main.c: probe table and holds */
extern struct shim_probe shim_probes[];
extern const unsigned int shim_nr_probes;
extern struct mutex shim_lock;
extern unsigned int shim_holds;
void shim_show_probes(struct seq_file *m);
bool shim_status_ready(char *why, size_t len);

#endif /* TSM_SHIM_H */
