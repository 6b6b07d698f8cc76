// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test: a well-behaved module. Loading and unloading it must
 * leave the VM test that does so passing (the harness has no false alarms).
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init ptsm_selftest_clean_init(void)
{
	pr_info("ptsm_selftest_clean: loaded\n");
	return 0;
}

static void __exit ptsm_selftest_clean_exit(void)
{
	pr_info("ptsm_selftest_clean: unloaded\n");
}

module_init(ptsm_selftest_clean_init);
module_exit(ptsm_selftest_clean_exit);
MODULE_DESCRIPTION("pci-tsm harness self-test: a module that does nothing wrong");
MODULE_LICENSE("GPL");
