// SPDX-License-Identifier: GPL-2.0-only
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <endian.h>

#include "sysfs.h"
#include "tdisp_report.h"

static char root[1024];	/* short enough for every path below */

void sysfs_init(const char *r)
{
	const char *env = getenv("TSM_SYSFS_ROOT");

	if (!r)
		r = env ? env : "";
	snprintf(root, sizeof(root), "%s", r);
	/* no trailing slash: paths below start with "/sys" */
	while (root[0] && root[strlen(root) - 1] == '/')
		root[strlen(root) - 1] = '\0';
}

const char *sysfs_root(void)
{
	return root;
}

static bool hexrun(const char **p, size_t min, size_t max, char end)
{
	size_t n = 0;

	while (isxdigit((unsigned char)**p) && !isupper((unsigned char)**p)) {
		(*p)++;
		n++;
	}
	if (n < min || n > max || **p != end)
		return false;
	if (end)
		(*p)++;
	return true;
}

bool sysfs_valid_bdf(const char *bdf)
{
	const char *p = bdf;

	if (!bdf || strlen(bdf) >= TSM_BDF_MAX)
		return false;
	if (!hexrun(&p, 4, 8, ':') || !hexrun(&p, 2, 2, ':') || !hexrun(&p, 2, 2, '.'))
		return false;
	return p[0] >= '0' && p[0] <= '7' && p[1] == '\0';
}

int sysfs_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (!len)
		return -EINVAL;
	/* a caller that ignores the error still reads an empty string */
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int sysfs_write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

int sysfs_dev_path(char *buf, size_t len, const char *bdf, const char *attr)
{
	int n;

	if (!sysfs_valid_bdf(bdf))
		return -EINVAL;
	n = snprintf(buf, len, "%s/sys/bus/pci/devices/%s%s%s", root, bdf,
		     attr ? "/" : "", attr ? attr : "");
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

bool sysfs_dev_exists(const char *bdf)
{
	char p[PATH_MAX];

	return !sysfs_dev_path(p, sizeof(p), bdf, NULL) && access(p, F_OK) == 0;
}

bool sysfs_dev_has(const char *bdf, const char *attr)
{
	char p[PATH_MAX];

	return !sysfs_dev_path(p, sizeof(p), bdf, attr) && access(p, F_OK) == 0;
}

int sysfs_dev_read(const char *bdf, const char *attr, char *buf, size_t len)
{
	char p[PATH_MAX];
	int r = sysfs_dev_path(p, sizeof(p), bdf, attr);

	if (r && len)
		buf[0] = '\0';
	return r ? r : sysfs_read_file(p, buf, len);
}

int sysfs_dev_write(const char *bdf, const char *attr, const char *val)
{
	char p[PATH_MAX];
	int r = sysfs_dev_path(p, sizeof(p), bdf, attr);

	return r ? r : sysfs_write_file(p, val);
}

int sysfs_dev_read_u64(const char *bdf, const char *attr, uint64_t *val)
{
	char buf[64], *end;
	unsigned long long v;
	int r = sysfs_dev_read(bdf, attr, buf, sizeof(buf));

	if (r)
		return r;
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (errno || end == buf || *end)
		return -EINVAL;
	*val = v;
	return 0;
}

int sysfs_dev_driver(const char *bdf, char *buf, size_t len)
{
	char p[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;
	int r = sysfs_dev_path(p, sizeof(p), bdf, "driver");

	if (r)
		return r;
	buf[0] = '\0';
	n = readlink(p, link, sizeof(link) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	snprintf(buf, len, "%s", base);
	return 0;
}

bool sysfs_dev_driver_bound(const char *bdf)
{
	char drv[64];

	if (sysfs_dev_driver(bdf, drv, sizeof(drv)) < 0)
		return false;
	return drv[0] && strcmp(drv, TSM_HOLD_DRIVER) != 0;
}

int sysfs_dev_ids(const char *bdf, uint16_t *vendor, uint16_t *device, uint32_t *class)
{
	uint64_t v, d, c;
	int r;

	r = sysfs_dev_read_u64(bdf, "vendor", &v);
	if (!r)
		r = sysfs_dev_read_u64(bdf, "device", &d);
	if (!r)
		r = sysfs_dev_read_u64(bdf, "class", &c);
	if (r)
		return r;
	if (v > 0xffff || d > 0xffff || c > 0xffffff)
		return -ERANGE;
	*vendor = v;
	*device = d;
	*class = c;
	return 0;
}

static int read_bars(const char *bdf, struct tsm_device_layout *l)
{
	char p[PATH_MAX], line[256];
	FILE *f;
	int i, r = sysfs_dev_path(p, sizeof(p), bdf, "resource");

	if (r)
		return r;
	f = fopen(p, "re");
	if (!f)
		return -errno;
	for (i = 0; i < TSM_NR_BARS && fgets(line, sizeof(line), f); i++) {
		unsigned long long s, e, fl;

		if (sscanf(line, "%llx %llx %llx", &s, &e, &fl) != 3) {
			fclose(f);
			return -EINVAL;
		}
		if (!(fl & TSM_IORESOURCE_MEM) || e <= s)
			continue;
		l->bars[i].base = s;
		l->bars[i].size = e - s + 1;
	}
	fclose(f);
	return 0;
}

#define DEVSEC_DVSEC_VENDOR	0x8086
#define DEVSEC_DVSEC_ID		0xd5ec
#define DEVSEC_REPORT_OFFSET	0x14	/* 64 bits, lo then hi */

static uint32_t cfg32(const uint8_t *cfg, unsigned int pos)
{
	uint32_t v;

	memcpy(&v, cfg + pos, 4);
	return le32toh(v);
}

/*
 * The MMIO reporting offset a TDI adds to the addresses in its report.
 * TDISP returns it to the TSM at LOCK_INTERFACE; the kernel may publish it
 * as tsm/mmio_reporting_offset. Without that attribute, the devsec sample
 * exposes it in its DVSEC (vendor 0x8086, id 0xd5ec, offset 0x14), which
 * is read here; for any other device it is taken as 0.
 */
static void read_reporting_offset(const char *bdf, const uint8_t *cfg, size_t n,
				  struct tsm_device_layout *l)
{
	unsigned int pos = 0x100, guard = 0;
	uint64_t v;

	if (!sysfs_dev_read_u64(bdf, "tsm/mmio_reporting_offset", &v)) {
		l->mmio_offset = v;
		return;
	}
	while (pos >= 0x100 && pos + DEVSEC_REPORT_OFFSET + 8 <= n && guard++ < 64) {
		uint32_t hdr = cfg32(cfg, pos);

		if ((hdr & 0xffff) == 0x23 && (cfg32(cfg, pos + 4) & 0xffff) == DEVSEC_DVSEC_VENDOR &&
		    (cfg32(cfg, pos + 8) & 0xffff) == DEVSEC_DVSEC_ID) {
			l->mmio_offset = cfg32(cfg, pos + DEVSEC_REPORT_OFFSET) |
					 (uint64_t)cfg32(cfg, pos + DEVSEC_REPORT_OFFSET + 4) << 32;
			return;
		}
		pos = hdr >> 20;
	}
}

/* Finds the MSI-X capability in config space, and the reporting offset. */
static int read_msix(const char *bdf, struct tsm_device_layout *l)
{
	uint8_t cfg[4096];
	char p[PATH_MAX];
	unsigned int pos, guard = 0;
	ssize_t n;
	int fd, r = sysfs_dev_path(p, sizeof(p), bdf, "config");

	if (r)
		return r;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* what the read does not cover stays zero: never judged from stack garbage */
	memset(cfg, 0, sizeof(cfg));
	n = pread(fd, cfg, sizeof(cfg), 0);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r)
		return r;
	/*
	 * Without CAP_SYS_ADMIN the kernel returns only the first 64 bytes
	 * (the standard header); the capability list, the extended space and
	 * so the MSI-X location and the reporting offset are out of reach.
	 * Any real device has at least 256 bytes: do not judge on half a view.
	 */
	if (n <= TSM_CONFIG_SHORT)
		return -EPERM;
	read_reporting_offset(bdf, cfg, n, l);
	if (!(cfg[0x06] & 0x10))	/* no capability list */
		return 0;
	for (pos = cfg[0x34] & ~3U; pos >= 0x40 && pos + 12 <= (size_t)n && pos + 12 <= 256 &&
	     guard < 48;
	     pos = cfg[pos + 1] & ~3U, guard++) {
		uint32_t tbl, pba;
		uint16_t ctrl;

		if (cfg[pos] != 0x11)
			continue;
		ctrl = cfg[pos + 2] | cfg[pos + 3] << 8;
		memcpy(&tbl, cfg + pos + 4, 4);
		memcpy(&pba, cfg + pos + 8, 4);
		tbl = le32toh(tbl);
		pba = le32toh(pba);
		l->has_msix = true;
		l->msix_table_bar = tbl & 7;
		l->msix_table_offset = tbl & ~7U;
		l->msix_table_size = 16ULL * ((ctrl & 0x7ff) + 1);
		l->msix_pba_bar = pba & 7;
		l->msix_pba_offset = pba & ~7U;
		l->msix_pba_size = (((ctrl & 0x7ff) + 1 + 63) / 64) * 8;
		break;
	}
	return 0;
}

int sysfs_dev_layout(const char *bdf, struct tsm_device_layout *layout)
{
	int r;

	memset(layout, 0, sizeof(*layout));
	r = read_bars(bdf, layout);
	if (!r)
		r = read_msix(bdf, layout);
	return r;
}

enum tsm_tdisp sysfs_dev_state(const char *bdf)
{
	char buf[TSM_NAME_MAX];

	if (!sysfs_dev_has(bdf, "tsm/lock"))
		return TSM_TDISP_NONE;
	if (!sysfs_dev_read(bdf, "tsm/accept", buf, sizeof(buf)) && !strcmp(buf, "1"))
		return TSM_TDISP_RUN;
	if (!sysfs_dev_read(bdf, "tsm/lock", buf, sizeof(buf)) && buf[0])
		return TSM_TDISP_LOCKED;
	return TSM_TDISP_UNLOCKED;
}

int sysfs_dev_generation(const char *bdf, uint32_t *gen)
{
	uint64_t v;
	int r = sysfs_dev_read_u64(bdf, "tsm/evidence_generation", &v);

	if (r)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*gen = v;
	return 0;
}

const char *tsm_tdisp_name(enum tsm_tdisp s)
{
	switch (s) {
	case TSM_TDISP_UNLOCKED:
		return "unlocked";
	case TSM_TDISP_LOCKED:
		return "locked";
	case TSM_TDISP_RUN:
		return "run";
	case TSM_TDISP_ERROR:
		return "error";
	default:
		return "none";
	}
}

int sysfs_find_tsm(const char *mode, char *name, size_t len)
{
	char p[PATH_MAX], buf[32];
	struct dirent *de;
	DIR *d;
	int r = -ENOENT;

	snprintf(p, sizeof(p), "%s/sys/class/tsm", root);
	d = opendir(p);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "tsm", 3) || !isdigit((unsigned char)de->d_name[3]))
			continue;
		if (snprintf(p, sizeof(p), "%s/sys/class/tsm/%s/pci_mode", root,
			     de->d_name) >= (int)sizeof(p))
			continue;
		if (sysfs_read_file(p, buf, sizeof(buf)) || strcmp(buf, mode))
			continue;
		if (strlen(de->d_name) >= len)
			continue;
		snprintf(name, len, "%s", de->d_name);
		r = 0;
		break;
	}
	closedir(d);
	return r;
}

int sysfs_probe_driver(const char *bdf)
{
	char p[PATH_MAX];

	if (!sysfs_valid_bdf(bdf))
		return -EINVAL;
	snprintf(p, sizeof(p), "%s/sys/bus/pci/drivers_probe", root);
	return sysfs_write_file(p, bdf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sysfs_for_each_pci_dev(sysfs_dev_fn fn, void *data)
{
	char p[PATH_MAX], **names = NULL;
	struct dirent *de;
	size_t n = 0, cap = 0, i;
	DIR *d;
	int r = 0;

	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices", root);
	d = opendir(p);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!sysfs_valid_bdf(de->d_name))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*nn));

			if (!nn) {
				r = -ENOMEM;
				break;
			}
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (!r)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (!r)
			r = fn(names[i], data);
		free(names[i]);
	}
	free(names);
	return r < 0 ? r : 0;
}
