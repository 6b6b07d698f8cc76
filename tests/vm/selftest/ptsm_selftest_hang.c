// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test: a module whose init never returns and never yields, so
 * the single-CPU VM stops making progress. The harness must kill the VM at
 * its wall-clock limit and report the hang.
 */
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init ptsm_selftest_hang_init(void)
{
	for (;;)
		mdelay(1000);
	return 0;
}

module_init(ptsm_selftest_hang_init);
MODULE_DESCRIPTION("pci-tsm harness self-test: hangs the VM at load");
MODULE_LICENSE("GPL");
