/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mock sysfs/etc trees for the daemon's unit tests: write a file under a
 * temporary root, creating its directories. Include after <cmocka.h>.
 */
#ifndef VD_TESTS_MOCKTREE_H
#define VD_TESTS_MOCKTREE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static inline void mock_put(const char *root, const char *rel, const void *data, size_t len)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static inline void mock_puts(const char *root, const char *rel, const char *text)
{
	mock_put(root, rel, text, strlen(text));
}

/* What the daemon wrote to @root/@rel (a static buffer), or NULL if absent. */
static inline char *mock_get(const char *root, const char *rel)
{
	static char buf[4096];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/*
 * The daemon under test reads sysfs below @root and kernel uevents (no
 * udevd); SIGTERM stays blocked as manager_new() blocks it, so that one
 * sent before the daemon's loop runs stays pending.
 */
static inline void mock_daemon_env(const char *root)
{
	sigset_t ss;

	setenv("TSM_SYSFS_ROOT", root, 1);
	setenv("TSM_UDEV_SOURCE", "kernel", 1);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigprocmask(SIG_BLOCK, &ss, NULL);
}

/* Removes the temporary tree; 0 or -1 (a cmocka group teardown's result) */
static inline int mock_tree_remove(const char *root)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * A held TEE device at sys/bus/pci/devices/@bdf: one 1 MiB memory BAR (and
 * an I/O BAR2), MSI-X with its table in BAR0 at 0x2000 and PBA at 0x3000,
 * the devsec sample's DVSEC (reporting offset 1 << 44), an idle tsm/.
 * @devid and @gen are the "device" and "tsm/evidence_generation" lines.
 */
static inline void mock_tee_device(const char *root, const char *bdf,
				   const char *devid, const char *gen)
{
	uint8_t cfg[4096] = { 0 };
	char p[256];

	cfg[0x06] = 0x10;			/* capability list */
	cfg[0x34] = 0x40;
	cfg[0x40] = 0x11;			/* MSI-X */
	cfg[0x42] = 0x07;			/* table size 8 */
	cfg[0x45] = 0x20;			/* table BIR 0, offset 0x2000 */
	cfg[0x49] = 0x30;			/* PBA BIR 0, offset 0x3000 */
	cfg[0x100] = 0x23;			/* DVSEC, next 0 */
	cfg[0x104] = 0x86; cfg[0x105] = 0x80;	/* vendor 0x8086 */
	cfg[0x108] = 0xec; cfg[0x109] = 0xd5;	/* id 0xd5ec */
	cfg[0x100 + 0x18 + 1] = 0x10;		/* offset hi dword: 0x1000 */
#define F(attr) (snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/%s", bdf, attr), p)
	mock_puts(root, F("vendor"), "0x8086\n");
	mock_puts(root, F("device"), devid);
	mock_puts(root, F("class"), "0x120000\n");
	mock_puts(root, F("resource"),
		  "0x00000000fe000000 0x00000000fe0fffff 0x0000000000040200\n"
		  "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		  "0x000000000000e000 0x000000000000e0ff 0x0000000000040101\n");
	mock_put(root, F("config"), cfg, sizeof(cfg));
	mock_puts(root, F("tsm/lock"), "\n");
	mock_puts(root, F("tsm/unlock"), "");
	mock_puts(root, F("tsm/accept"), "0\n");
	mock_puts(root, F("tsm/evidence_generation"), gen);
#undef F
}

#endif
