/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sysfs edge of tsm-verifierd and tsmctl: the TSM class, the per-device
 * tsm/ group (docs/ABI.md section 2) and the bits of the PCI device the
 * pipeline needs (ids, BARs, driver binding). All paths are relative to
 * a root that tests point at a mock tree (TSM_SYSFS_ROOT).
 */
#ifndef TSM_SYSFS_H
#define TSM_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TSM_HOLD_DRIVER		"pci_tsm_hold"
#define TSM_NAME_MAX		32
#define TSM_BDF_MAX		32

#define TSM_IORESOURCE_MEM	0x00000200ULL

struct tsm_device_layout;

enum tsm_tdisp {
	TSM_TDISP_UNLOCKED = 0,
	TSM_TDISP_LOCKED,
	TSM_TDISP_RUN,
	TSM_TDISP_ERROR,
	TSM_TDISP_NONE,		/* no tsm/ group */
};

/* Called once; reads TSM_SYSFS_ROOT from the environment. */
void sysfs_init(const char *root);
const char *sysfs_root(void);

/* A PCI device name as the kernel prints it: DDDD[DDDD]:BB:DD.F */
bool sysfs_valid_bdf(const char *bdf);

int sysfs_read_file(const char *path, char *buf, size_t len);
int sysfs_write_file(const char *path, const char *val);

int sysfs_dev_path(char *buf, size_t len, const char *bdf, const char *attr);
bool sysfs_dev_exists(const char *bdf);
bool sysfs_dev_has(const char *bdf, const char *attr);
int sysfs_dev_read(const char *bdf, const char *attr, char *buf, size_t len);
int sysfs_dev_write(const char *bdf, const char *attr, const char *val);
int sysfs_dev_read_u64(const char *bdf, const char *attr, uint64_t *val);

/* Name of the bound driver or "" (returns 0); the hold driver is reported. */
int sysfs_dev_driver(const char *bdf, char *buf, size_t len);
/* true when a real driver (not the hold driver) is bound */
bool sysfs_dev_driver_bound(const char *bdf);
int sysfs_dev_ids(const char *bdf, uint16_t *vendor, uint16_t *device, uint32_t *class);
/* What an unprivileged read of the "config" attribute returns. */
#define TSM_CONFIG_SHORT	64

/*
 * Memory BARs (from "resource") and the MSI-X table/PBA location (from the
 * MSI-X capability in "config") of |bdf|, for the TDISP report check.
 * -EPERM when "config" reads stop at TSM_CONFIG_SHORT bytes (the caller
 * lacks CAP_SYS_ADMIN): the layout would be incomplete.
 */
int sysfs_dev_layout(const char *bdf, struct tsm_device_layout *layout);
enum tsm_tdisp sysfs_dev_state(const char *bdf);
int sysfs_dev_generation(const char *bdf, uint32_t *gen);
const char *tsm_tdisp_name(enum tsm_tdisp s);

/* First /sys/class/tsm/tsmN whose pci_mode equals |mode| ("devsec", "link"). */
int sysfs_find_tsm(const char *mode, char *name, size_t len);
/* Trigger a driver probe for |bdf| (bus/pci/drivers_probe). */
int sysfs_probe_driver(const char *bdf);

/* Callback for every PCI device; returns <0 to stop. */
typedef int (*sysfs_dev_fn)(const char *bdf, void *data);
int sysfs_for_each_pci_dev(sysfs_dev_fn fn, void *data);

#endif /* TSM_SYSFS_H */
