/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tsm_shim internals: the kprobe handlers that give accepted devices the
 * DMA and MMIO treatment upstream builds into swiotlb, dma-direct and x86
 * ioremap, and the per-device counters that make each decision visible.
 */
#ifndef TSM_SHIM_H
#define TSM_SHIM_H

#include <linux/kprobes.h>
#include <linux/types.h>

struct device;
struct pci_dev;
struct seq_file;

/* Module parameter: behave as a confidential guest would (see main.c). */
extern bool shim_testing;
/* testing || the platform encrypts guest memory; fixed at load */
extern bool shim_confidential;

enum shim_counter {
	SHIM_BYPASSED_MAPS,	/* streaming maps that skipped swiotlb */
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

/* dma.c and ioremap.c: pre-handlers, each starts with the cheap test */
int shim_swiotlb_map_pre(struct kprobe *p, struct pt_regs *regs);
int shim_force_dma_unencrypted_pre(struct kprobe *p, struct pt_regs *regs);
int shim_dma_direct_alloc_pre(struct kprobe *p, struct pt_regs *regs);
int shim_ioremap_pre(struct kprobe *p, struct pt_regs *regs);

/* ioremap.c: do the ftrace-based probes actually fire? */
bool shim_ioremap_canary(void);

/* main.c: probe table, for the status file */
void shim_show_probes(struct seq_file *m);
bool shim_is_ready(const char **why);

#endif /* TSM_SHIM_H */
