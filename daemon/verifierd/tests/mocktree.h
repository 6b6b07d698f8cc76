/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mock sysfs/etc trees for the daemon's unit tests: write a file under a
 * temporary root, creating its directories. Include after <cmocka.h>.
 */
#ifndef VD_TESTS_MOCKTREE_H
#define VD_TESTS_MOCKTREE_H

#include <stdio.h>
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

#endif
