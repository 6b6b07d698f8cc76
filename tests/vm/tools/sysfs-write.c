// SPDX-License-Identifier: GPL-2.0-only
/*
 * sysfs-write FILE VALUE
 *
 * Store VALUE in FILE with exactly one write(2) (no newline is added, so the
 * bytes the kernel sees are exactly the argument) and print the outcome:
 * "OK" when the whole value was accepted, otherwise the errno *name* (EBUSY,
 * EINVAL, ...) so that shell tests can compare it as a string. Exit status:
 * 0 on OK, 1 when open(2) or write(2) failed or wrote short, 2 on usage.
 * Built static so the VM needs no C library for it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void print_errno(int err)
{
	const char *name = strerrorname_np(err);

	if (name)
		printf("%s\n", name);
	else
		printf("E%d\n", err);
}

int main(int argc, char **argv)
{
	size_t len;
	ssize_t ret;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: sysfs-write FILE VALUE\n");
		return 2;
	}

	fd = open(argv[1], O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		print_errno(errno);
		return 1;
	}

	len = strlen(argv[2]);
	ret = write(fd, argv[2], len);
	if (ret < 0) {
		int err = errno;

		close(fd);
		print_errno(err);
		return 1;
	}
	if (close(fd) < 0) {
		print_errno(errno);
		return 1;
	}
	if ((size_t)ret != len) {
		printf("SHORT %zd/%zu\n", ret, len);
		return 1;
	}
	printf("OK\n");
	return 0;
}
