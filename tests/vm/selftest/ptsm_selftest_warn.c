// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test: a deliberately broken module. Loading it must make the
 * VM test that loads it fail, with the WARNING lines shown.
 */
#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init ptsm_selftest_warn_init(void)
{
	WARN_ON(1);
	return 0;
}

static void __exit ptsm_selftest_warn_exit(void)
{
}

module_init(ptsm_selftest_warn_init);
module_exit(ptsm_selftest_warn_exit);
MODULE_DESCRIPTION("pci-tsm harness self-test: WARN_ON(1) at load");
MODULE_LICENSE("GPL");
