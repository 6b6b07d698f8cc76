// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test: a module whose init never returns, so the single-CPU
 * VM stops making progress. The harness must kill the VM at its wall-clock
 * limit and report the hang.
 *
 * The CPU halts with interrupts off rather than spinning: the VM is just as
 * dead, and QEMU does not burn a host core the other VM lanes of
 * `make check` are using meanwhile.
 */
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/module.h>

static int __init ptsm_selftest_hang_init(void)
{
	local_irq_disable();
	for (;;)
		native_halt();
	return 0;
}

module_init(ptsm_selftest_hang_init);
MODULE_DESCRIPTION("pci-tsm harness self-test: hangs the VM at load");
MODULE_LICENSE("GPL");
