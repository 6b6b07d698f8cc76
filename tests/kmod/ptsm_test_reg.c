// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptsm_test_reg: test-only module for tests/vm/tests/core-register.sh.
 *
 * At load it calls ptsm_register() with bad op sets (both groups filled, a
 * group missing a mandatory op, no ops at all) and, as controls that the
 * same call path can succeed, with a link-only, a devsec-only and an empty
 * set (pci_mode none, ABI 2.1), each registered and unregistered at once. Every result is left in
 * a read-only parameter, /sys/module/ptsm_test_reg/parameters/<case>:
 * 0 for a registration that succeeded with the expected pci_mode, else the
 * negative errno it returned (-EPROTO: it succeeded with the wrong
 * pci_mode). A case that never ran keeps the value 1, so a test that reads
 * them cannot pass by accident. Never installed, never part of the product.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <ptsm/tsm_core.h>

PTSM_IMPORT_NS();

static int both = 1;
module_param(both, int, 0444);
MODULE_PARM_DESC(both, "ptsm_register() with link and devsec ops");

static int neither = 1;
module_param(neither, int, 0444);
MODULE_PARM_DESC(neither, "ptsm_register() with no op filled (control: none)");

static int partial = 1;
module_param(partial, int, 0444);
MODULE_PARM_DESC(partial, "ptsm_register() with link ops lacking connect");

static int null_ops = 1;
module_param(null_ops, int, 0444);
MODULE_PARM_DESC(null_ops, "ptsm_register() with ops NULL");

static int link_only = 1;
module_param(link_only, int, 0444);
MODULE_PARM_DESC(link_only, "ptsm_register() with link ops only (control)");

static int devsec_only = 1;
module_param(devsec_only, int, 0444);
MODULE_PARM_DESC(devsec_only, "ptsm_register() with devsec ops only (control)");

static int ptsm_test_connect(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	return -EOPNOTSUPP;
}

static void ptsm_test_disconnect(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
}

static int ptsm_test_lock(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	return -EOPNOTSUPP;
}

static void ptsm_test_unlock(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
}

static int ptsm_test_accept(struct ptsm_dev *tsm, struct pci_dev *pdev)
{
	return -EOPNOTSUPP;
}

#define PTSM_TEST_LINK { \
	.connect = ptsm_test_connect, \
	.disconnect = ptsm_test_disconnect, \
}

#define PTSM_TEST_DEVSEC { \
	.lock = ptsm_test_lock, \
	.unlock = ptsm_test_unlock, \
	.accept = ptsm_test_accept, \
}

static const struct ptsm_ops ptsm_test_both = {
	.link = PTSM_TEST_LINK,
	.devsec = PTSM_TEST_DEVSEC,
};

static const struct ptsm_ops ptsm_test_neither = {};

static const struct ptsm_ops ptsm_test_partial = {
	.link = { .disconnect = ptsm_test_disconnect },
};

static const struct ptsm_ops ptsm_test_link = {
	.link = PTSM_TEST_LINK,
};

static const struct ptsm_ops ptsm_test_devsec = {
	.devsec = PTSM_TEST_DEVSEC,
};

/*
 * Register @ops under @parent. Return: 0 if that succeeded with pci_mode
 * @mode (the TSM is unregistered again), -EPROTO if it succeeded with
 * another mode, else ptsm_register()'s error.
 */
static int ptsm_test_try(struct device *parent, const char *name,
			 const struct ptsm_ops *ops, enum ptsm_pci_mode mode)
{
	struct ptsm_dev *tsm = ptsm_register(parent, ops, NULL);
	int rc;

	if (IS_ERR(tsm)) {
		rc = PTR_ERR(tsm);
	} else {
		rc = tsm->mode == mode ? 0 : -EPROTO;
		ptsm_unregister(tsm);
	}
	pr_info("%s: %d\n", name, rc);
	return rc;
}

static struct platform_device *ptsm_test_pdev;

static int __init ptsm_test_reg_init(void)
{
	struct platform_device *pdev;
	struct device *dev;

	pdev = platform_device_register_simple(KBUILD_MODNAME, PLATFORM_DEVID_NONE,
					       NULL, 0);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	ptsm_test_pdev = pdev;
	dev = &pdev->dev;

	link_only = ptsm_test_try(dev, "link_only", &ptsm_test_link,
				  PTSM_PCI_MODE_LINK);
	devsec_only = ptsm_test_try(dev, "devsec_only", &ptsm_test_devsec,
				    PTSM_PCI_MODE_DEVSEC);
	both = ptsm_test_try(dev, "both", &ptsm_test_both, PTSM_PCI_MODE_NONE);
	neither = ptsm_test_try(dev, "neither", &ptsm_test_neither,
				PTSM_PCI_MODE_NONE);
	partial = ptsm_test_try(dev, "partial", &ptsm_test_partial,
				PTSM_PCI_MODE_LINK);
	null_ops = ptsm_test_try(dev, "null_ops", NULL, PTSM_PCI_MODE_NONE);
	return 0;
}
module_init(ptsm_test_reg_init);

static void __exit ptsm_test_reg_exit(void)
{
	platform_device_unregister(ptsm_test_pdev);
}
module_exit(ptsm_test_reg_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pci-tsm test: ptsm_register() refuses bad op sets");
